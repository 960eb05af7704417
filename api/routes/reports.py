"""Monthly and quarterly supervision reports (HTML, PDF, CSV), per squad or for the district;
content in ``api.reports.report_data``, the CSV's columns in ``api.reports.render``."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.db.models import Squad, User
from api.plan.model import Plan
from api.plan.source import require_plan
from api.reports.render import pdf_of, report_csv, report_html
from api.reports.report_data import PeriodFormatError, ReportError, build_report
from api.routes.auth import AuthDependencies, require_role
from api.security.users import Role

SessionDependency = Callable[[], Iterator[Session]]
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/pdf": {}, "text/csv": {}}},
    401: {"description": "Not logged in."},
    403: {"description": "A squad member asking for another squad or the district."},
    404: {"description": "No plan configured, a period outside it, or an unknown squad."},
    422: {"description": "A period that is neither YYYY-MM nor YYYY-Qn, or a bad format."},
}


def utc_now() -> datetime:
    """The report's "now" (which periods have begun); tests stop it."""
    return datetime.now(UTC)


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"


def _squad_for(session: Session, user: User, squad: str | None) -> str | None:
    """Squad members get their own squad's report only."""
    if user.role != Role.SQUAD_MEMBER.value:
        require_role(user, Role.SUPERVISOR, Role.ADMIN)
        return squad
    own = None if user.squad_id is None else session.get(Squad, user.squad_id)
    if own is None or squad != own.code:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "squad members may see their own squad's report only"
        )
    return squad


def build_router(
    get_session: SessionDependency, auth: AuthDependencies, plan: Plan | None
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["reports"])

    @router.get("/reports/{period}.{fmt}", response_class=Response, responses=ANSWERS)
    def report(
        period: str,
        fmt: ReportFormat,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        squad: Annotated[
            str | None, Query(max_length=64, description="A squad's code; none: the district.")
        ] = None,
    ) -> Response:
        """Targets against actuals (with charts), tickets by type, repeat places and
        rectification times for a month (2026-11) or quarter (2026-Q4) of the plan."""
        chosen = require_plan(plan)
        squad = _squad_for(session, user, squad)
        if len(period) > 16 or not period.isascii():
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "period: YYYY-MM or YYYY-Qn")
        try:
            data = build_report(session, chosen, period, squad=squad, now=utc_now())
        except ReportError as exc:
            code = status.HTTP_404_NOT_FOUND
            if isinstance(exc, PeriodFormatError):
                code = status.HTTP_422_UNPROCESSABLE_CONTENT
            raise HTTPException(code, str(exc)) from None
        name = f"report-{period}-{squad or 'district'}"
        if fmt is ReportFormat.CSV:
            return Response(
                report_csv(data),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        html = report_html(data)
        if fmt is ReportFormat.HTML:
            return HTMLResponse(html)
        return Response(
            pdf_of(html),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
        )

    return router
