"""Look back (回头看): the rounds due for detector nodes to check, and their results.

Detector nodes, supervisors and admins only: a squad member does not judge its own
rectification. Without a supervision plan both answer 404 (the plan sets the rounds).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.domain import LookBackOutcome, UtcDatetime
from api.plan.lookback import LookBackResult
from api.plan.model import Plan
from api.plan.source import require_plan
from api.routes.auth import AuthDependencies, SessionDependency, parse_ticket_id
from api.routes.callers import STAFF, Caller, make_caller
from api.routes.tickets import TicketView, read_ticket_view
from api.services.look_backs import DueLookBack, due_look_backs, record_look_back

CAMERA = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
LOOK_BACK_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid X-API-Key and not logged in."},
    403: {"description": "Only detector nodes, supervisors and admins record look-backs."},
    404: {"description": "No such ticket, or no supervision plan configured."},
    409: {"description": "Not due yet, not in the plan, or recorded with another outcome."},
    422: {"description": "A time without zone or in the future."},
}


class LookBackBody(BaseModel):
    """What one look-back round saw."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    round: int = Field(ge=1, le=5, description="The round (1 for the first delay of the plan).")
    outcome: LookBackOutcome = Field(description="back (the violation is there) or clear.")
    checked_at: UtcDatetime = Field(description="When the camera was checked, with its zone.")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


def build_router(
    get_session: SessionDependency,
    database: Database,
    auth: AuthDependencies,
    plan: Plan | None,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["look-backs"])
    caller_dependency: Callable[..., Caller] = make_caller(get_session, auth)

    @router.get("/look-backs/due", response_model=list[DueLookBack], responses=LOOK_BACK_ANSWERS)
    def due(
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
        camera: Annotated[
            str | None, Query(pattern=CAMERA, description="Only this camera's rounds.")
        ] = None,
    ) -> list[DueLookBack]:
        """Look-back rounds whose time has come and that nobody recorded, by ticket and round:
        look at ``box_xyxy`` on ``camera`` for ``type`` and post the result."""
        caller.require(*STAFF)
        rule = require_plan(plan).look_back
        return due_look_backs(session, rule, now=datetime.now(UTC), camera=camera)

    @router.post(
        "/tickets/{ticket}/look-back", response_model=TicketView, responses=LOOK_BACK_ANSWERS
    )
    def look_back(
        ticket: str,
        body: LookBackBody,
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> TicketView:
        """Record one round: ``back`` reopens the ticket (dispatched, new deadline from the
        plan), ``clear`` closes a rectified one. Sending the same result again changes
        nothing."""
        caller.require(*STAFF)
        rule = require_plan(plan).look_back
        number = parse_ticket_id(ticket)
        result = LookBackResult(body.round, body.outcome, body.checked_at, body.note or "")
        record_look_back(database, number, result, rule, actor=caller.actor, now=datetime.now(UTC))
        session.expire_all()
        view = read_ticket_view(session, number)
        if view is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket}")
        return view

    return router
