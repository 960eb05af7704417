"""The plan page (targets against actuals, warnings on top) and the public draw pages.

``/plan`` needs a log-in: supervisors and admins see every squad, squad members their own.
``/public/draws`` and ``/public/draws/{period}`` are the "one public" half of the draw: no
log-in, the seed, the procedure, the commands that redo it by hand, and the results.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import KeyPoint, Squad
from api.plan.draw import PERIOD_PATTERN, PROCEDURE
from api.plan.model import PeriodKind, Plan
from api.plan.periods import period_of
from api.reports.places_service import find_places
from api.security.users import Role
from api.services import plan_draws, plan_progress
from api.services.plan_progress import ProgressFilter
from api.web.render import Pages, Viewer

RECENT_PERIODS = 6
"""Columns per target on the plan page (older periods: the API and its CSV)."""
METRIC_TEXT = {
    "street_inspections": "Street inspections",
    "problems_rectified": "Problems rectified",
    "video_checks": "Video platform checks",
    "district_coverage": "District coverage",
}
PERIOD_TEXT = {"week": "per week", "month": "per month", "quarter": "per quarter"}


def _key_points(session: Session, squad_id: int | None) -> list[tuple[str, str]]:
    """(code, name) of the key points the viewer may record a street inspection at."""
    query = select(KeyPoint.code, KeyPoint.name).order_by(KeyPoint.code)
    if squad_id is not None:
        query = query.where(KeyPoint.squad_id == squad_id)
    return [(code, name) for code, name in session.execute(query)]


def _report_links(plan: Plan, now: datetime, squad: str | None) -> list[tuple[str, str]]:
    """(period label, report URL without the suffix) for this month and this quarter; a squad
    member's reports are their squad's."""
    query = f"?squad={squad}" if squad else ""
    labels = [
        period_of(now, kind, plan.zone).label for kind in (PeriodKind.MONTH, PeriodKind.QUARTER)
    ]
    return [(label, f"/api/v1/reports/{label}.{{fmt}}{query}") for label in labels]


def build_router(pages: Pages, plan: Plan | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/plan", response_class=HTMLResponse)
    def plan_page(
        request: Request,
        viewer: Annotated[Viewer, Depends(pages.viewer)],
        session: Annotated[Session, Depends(pages.get_session, scope="function")],
    ) -> HTMLResponse:
        """Per target a table of squads × recent periods (count / target, coloured by status),
        and what must be acted on now above them."""
        if plan is None:
            response = pages.render(request, "plan.html", viewer, plan=None)
            response.status_code = 404
            return response
        member = viewer.role == Role.SQUAD_MEMBER
        keep = ProgressFilter(squad=viewer.squad_code or "") if member else ProgressFilter()
        now = plan_progress.utc_now()
        rows = [r for r in plan_progress.load_progress(session, plan, now) if keep.keeps(r)]
        names = {code: name for code, name in session.execute(select(Squad.code, Squad.name))}
        # A squad member's own squad only (-1 matches none when the member has no squad).
        scope = (viewer.user.squad_id or -1) if member else None
        return pages.render(
            request,
            "plan.html",
            viewer,
            plan=plan,
            key_points=_key_points(session, scope),
            inspection_kinds=["street", "district"] if not member else ["street"],
            reports=_report_links(plan, now, viewer.squad_code if member else None),
            repeat_places=find_places(session, plan, start=now, end=now, squad_id=scope),
            may_escalate=viewer.role in (Role.SUPERVISOR, Role.ADMIN),
            warnings=plan_progress.warnings(plan, rows, now),
            grids=plan_progress.grids(plan, rows, RECENT_PERIODS),
            squad_names=names,
            metric_text=METRIC_TEXT,
            period_text=PERIOD_TEXT,
        )

    @router.get("/public/draws", response_class=HTMLResponse)
    def public_draws(
        request: Request, session: Annotated[Session, Depends(pages.get_session, scope="function")]
    ) -> HTMLResponse:
        """Every published draw, newest month first."""
        return pages.render(request, "draws.html", None, draws=plan_draws.list_draws(session))

    @router.get("/public/draws/{period}", response_class=HTMLResponse)
    def public_draw(
        request: Request,
        period: Annotated[str, Path(pattern=PERIOD_PATTERN)],
        session: Annotated[Session, Depends(pages.get_session, scope="function")],
    ) -> HTMLResponse:
        """One draw: seed, procedure, how to redo it, its results and whether it reproduces."""
        records = plan_draws.draw_records(session, period)
        if not records:
            response = pages.render(request, "draw.html", None, period=period, results=None)
            response.status_code = 404
            return response
        results = plan_draws.results_of(session, records)
        check = plan_draws.verify(session, results.draw)
        commands = plan_draws.reproduce_commands(
            results.draw, check.key_points_now, check.supervisors_now
        )
        return pages.render(
            request,
            "draw.html",
            None,
            period=period,
            results=results,
            check=check,
            commands=commands,
            procedure=PROCEDURE,
        )

    return router
