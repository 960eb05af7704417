"""Supervision notices and repeat places: a ticket's printable notice (监督文书), the places
where one violation keeps coming back, their escalation to major supervision (重点督办) and its
notice. HTML for the browser's print, PDF for filing."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.db.models import User
from api.plan.model import Plan
from api.plan.source import require_plan
from api.reports.notices import notice_refusal, repeat_notice, ticket_notice
from api.reports.places_service import (
    EscalationResult,
    RepeatPlaceView,
    escalate,
    find_places,
)
from api.reports.render import pdf_of, repeat_notice_html, ticket_notice_html
from api.routes.auth import AuthDependencies, require_role
from api.routes.ticket_history import visible_ticket
from api.security.users import Role
from api.services.stats import SHANGHAI
from api.storage import DirectoryStore

SessionDependency = Callable[[], Iterator[Session]]
NOTICE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/pdf": {}}},
    401: {"description": "Not logged in."},
    404: {"description": "No such ticket (or another squad's)."},
    409: {"description": "The ticket is pending review, rejected or merged: no notice."},
}
PLACE_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    403: {"description": "Not a supervisor or admin (escalation), or a detector node."},
    404: {"description": "No plan configured, or not a repeat place now."},
}


class NoticeFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"


def document(html: str, fmt: NoticeFormat, filename: str) -> Response:
    """The HTML page, or its PDF shown inline under ``filename``.pdf."""
    if fmt is NoticeFormat.HTML:
        return HTMLResponse(html)
    return Response(
        pdf_of(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
    )


def _squad_scope(user: User) -> int | None:
    """Squad members see their own squad's places only; others every squad's."""
    if user.role == Role.SQUAD_MEMBER.value:
        return user.squad_id if user.squad_id is not None else -1
    require_role(user, Role.SUPERVISOR, Role.ADMIN)
    return None


def build_router(
    get_session: SessionDependency,
    auth: AuthDependencies,
    store: DirectoryStore,
    plan: Plan | None,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    zone = SHANGHAI if plan is None else plan.zone

    @router.get(
        "/tickets/{ticket}/notice.{fmt}",
        response_class=Response,
        responses=NOTICE_ANSWERS,
        tags=["tickets"],
    )
    def notice(
        ticket: str,
        fmt: NoticeFormat,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> Response:
        """The ticket's supervision notice (督办通知书): place, type, the rule it breaks,
        deadline, evidence snapshot and hashes. Whoever may see the ticket may print it."""
        row = visible_ticket(session, user, ticket)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket}")
        refusal = notice_refusal(row.status)
        if refusal is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"no notice for {ticket}: {refusal}")
        found = ticket_notice(session, store, row, zone, datetime.now(UTC))
        return document(ticket_notice_html(found), fmt, f"notice-{ticket}")

    @router.get(
        "/plan/repeat-places",
        response_model=list[RepeatPlaceView],
        responses=PLACE_ANSWERS,
        tags=["plan"],
    )
    def list_places(
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> list[RepeatPlaceView]:
        """Places that are repeat places now (the plan's ``repeat`` rule: threshold problems
        within window_days), most problems first, with their problems and tickets."""
        chosen = require_plan(plan)
        now = datetime.now(UTC)
        return find_places(session, chosen, start=now, end=now, squad_id=_squad_scope(user))

    @router.post(
        "/plan/repeat-places/escalate",
        response_model=EscalationResult,
        responses=PLACE_ANSWERS,
        tags=["plan"],
    )
    def escalate_places(
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> EscalationResult:
        """Major supervision (重点督办) for every repeat place now: its open tickets go to
        priority high (urgent stays urgent), audited; tickets escalated before are left alone."""
        chosen = require_plan(plan)
        require_role(user, Role.SUPERVISOR, Role.ADMIN)
        return escalate(session, chosen, actor=user.username, now=datetime.now(UTC))

    @router.get(
        "/plan/repeat-places/{key_point}/{kind}/notice.{fmt}",
        response_class=Response,
        responses=PLACE_ANSWERS | {200: NOTICE_ANSWERS[200]},
        tags=["plan"],
    )
    def place_notice(
        key_point: str,
        kind: str,
        fmt: NoticeFormat,
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> Response:
        """The repeat place's major-supervision notice (重点督办通知书)."""
        chosen = require_plan(plan)
        now = datetime.now(UTC)
        places = find_places(session, chosen, start=now, end=now, squad_id=_squad_scope(user))
        place = next((p for p in places if (p.key_point, p.type) == (key_point, kind)), None)
        if place is None:
            rule = f"{chosen.repeat.threshold} problems in {chosen.repeat.window_days} days"
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"{key_point}/{kind} is not a repeat place now ({rule})",
            )
        found = repeat_notice(
            session,
            place,
            zone,
            now,
            threshold=chosen.repeat.threshold,
            window_days=chosen.repeat.window_days,
        )
        return document(repeat_notice_html(found), fmt, f"major-{key_point}-{kind}")

    return router
