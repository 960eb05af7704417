"""The supervision plan in force and every squad's progress against its targets.

Anyone logged in reads them; squad members only their own squad's rows (naming another squad
answers 403, so a filter can never look like "no rows"). Periods are those begun so far in the
plan's year, newest first. Without a configured plan these answer 404 saying how to add one.
"""

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Squad, User
from api.plan.model import Metric, PeriodKind, Plan
from api.plan.progress import Status, TargetProgress
from api.plan.source import NO_PLAN, require_plan
from api.routes.auth import AuthDependencies
from api.security.users import Role
from api.services import plan_progress
from api.services.plan_progress import PlanWarning, ProgressFilter, select_rows

SessionDependency = Callable[[], Iterator[Session]]
LABEL = r"^[0-9]{4}-(W[0-9]{2}|[0-9]{2}|Q[1-4])$"
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    403: {"description": "A squad member asked for another squad."},
    404: {"description": f"No plan configured ({NO_PLAN}), or no such squad."},
}


def _squad_scope(session: Session, user: User, asked: str | None) -> str | None:
    """The squad to filter on: a member's own; anyone else's choice (which must exist)."""
    if user.role == Role.SQUAD_MEMBER:
        own = session.get(Squad, user.squad_id) if user.squad_id is not None else None
        own_code = own.code if own else ""
        if asked is not None and asked != own_code:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"squad {asked!r}: squad members see only their own squad ({own_code})",
            )
        return own_code
    if asked is not None and session.scalar(select(Squad.id).where(Squad.code == asked)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no squad {asked!r}")
    return asked


def build_router(
    get_session: SessionDependency, auth: AuthDependencies, plan: Plan | None
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/plan", tags=["plan"])

    def filtered(
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        period: Annotated[PeriodKind | None, Query(description="week, month or quarter.")] = None,
        label: Annotated[
            str | None, Query(pattern=LABEL, description="2026-W05, 2026-02 or 2026-Q1.")
        ] = None,
        squad: Annotated[str | None, Query(max_length=64, description="Squad code.")] = None,
        status_: Annotated[
            Status | None, Query(alias="status", description="met, short, warning or open.")
        ] = None,
        metric: Annotated[Metric | None, Query(description="The target's metric.")] = None,
    ) -> list[TargetProgress]:
        in_force = require_plan(plan)
        keep = ProgressFilter(period, label, _squad_scope(session, user, squad), status_, metric)
        rows = plan_progress.load_progress(session, in_force, plan_progress.utc_now())
        return select_rows(in_force, rows, keep)

    @router.get("", response_model=Plan, responses=ANSWERS)
    def plan_in_force(_: Annotated[User, Depends(auth.current_user)]) -> Plan:
        """The plan in force: year, time zone, warning days and the targets in its wording."""
        return require_plan(plan)

    @router.get("/progress", response_model=list[TargetProgress], responses=ANSWERS)
    def progress_rows(
        rows: Annotated[list[TargetProgress], Depends(filtered)],
    ) -> list[TargetProgress]:
        """Each squad's count against each target for the current and past periods of the
        plan's year, newest first; the filters combine."""
        return rows

    @router.get("/progress.csv", response_class=Response, responses=ANSWERS)
    def progress_csv(rows: Annotated[list[TargetProgress], Depends(filtered)]) -> Response:
        """The same rows as CSV (UTF-8 with BOM, header row), for Excel."""
        return Response(
            plan_progress.progress_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="plan-progress.csv"'},
        )

    @router.get("/warnings", response_model=list[PlanWarning], responses=ANSWERS)
    def plan_warnings(
        session: Annotated[Session, Depends(get_session, scope="function")],
        user: Annotated[User, Depends(auth.current_user)],
        squad: Annotated[str | None, Query(max_length=64, description="Squad code.")] = None,
    ) -> list[PlanWarning]:
        """What squads must act on now: periods ending soon while short (soonest first), then
        each target's latest ended period where a squad fell short; one line each."""
        in_force = require_plan(plan)
        keep = ProgressFilter(squad=_squad_scope(session, user, squad))
        now = plan_progress.utc_now()
        rows = [
            row for row in plan_progress.load_progress(session, in_force, now) if keep.keeps(row)
        ]
        return plan_progress.warnings(in_force, rows, now)

    return router
