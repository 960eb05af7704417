"""Inspections of key points: detector nodes, supervisors and admins record any kind, squad
members street inspections of their own squad's key points; everyone logged in lists them
(squad members their own squad's)."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import Squad, User
from api.plan.model import InspectionKind, Plan
from api.routes.auth import AuthDependencies, SessionDependency
from api.routes.callers import STAFF, Caller, make_caller
from api.security.users import Role
from api.services.inspections import (
    InspectionFilters,
    InspectionSpec,
    InspectionView,
    list_inspections,
    record,
    squad_of,
)

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
INSPECTION_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same inspection was recorded before: the stored one."},
    401: {"description": "No valid X-API-Key and not logged in."},
    403: {"description": "A squad member recording another squad's or a non-street inspection."},
    409: {"description": "The same inspection is recorded with other contents."},
    422: {"description": "Unknown key point, camera or inspector; a time without zone."},
}


def _moment(text: str | None, name: str, zone: ZoneInfo, *, end: bool) -> datetime | None:
    """A day (``YYYY-MM-DD`` in ``zone``, whole day included) or a time with its zone."""
    if text is None:
        return None
    moment: datetime | None = None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
            moment = datetime.combine(day, time(), zone)
        else:
            moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        pass  # answered below, like a time without zone
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        f"{name}: give a day (YYYY-MM-DD) or a time with its zone, got {text!r}",
    )


def _check_squad_member(session: Session, user: User, spec: InspectionSpec) -> None:
    if spec.kind is not InspectionKind.STREET:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "squad members record street inspections only"
        )
    if squad_of(session, spec.key_point).id != user.squad_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"key point {spec.key_point!r} is another squad's: record your own squad's",
        )
    if spec.inspector not in (None, user.username):
        colleague = session.scalars(select(User).where(User.username == spec.inspector)).first()
        if colleague is not None and colleague.squad_id != user.squad_id:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"inspector {spec.inspector!r} is not in your squad",
            )


def _inspector(caller: Caller, spec: InspectionSpec) -> str:
    if spec.inspector is not None:
        return spec.inspector
    if caller.user is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "inspector: a detector node must name the person it inspects for",
        )
    return caller.user.username


def _record_committed(
    database: Database, spec: InspectionSpec, inspector: str, actor: str
) -> tuple[InspectionView, bool]:
    return database.committed(
        lambda session: record(session, spec, inspector=inspector, actor=actor, now=_now()),
        f"inspection of {spec.key_point}",
    )


def _now() -> datetime:
    return datetime.now(UTC)


def build_router(
    get_session: SessionDependency,
    database: Database,
    auth: AuthDependencies,
    plan: Plan | None,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["inspections"])
    caller_dependency: Callable[..., Caller] = make_caller(get_session, auth)
    zone = DEFAULT_ZONE if plan is None else plan.zone

    @router.post(
        "/inspections",
        response_model=InspectionView,
        status_code=status.HTTP_201_CREATED,
        responses=INSPECTION_ANSWERS,
    )
    def post_inspection(
        spec: InspectionSpec,
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
    ) -> InspectionView:
        """Record one inspection; it counts toward its key point's squad's targets."""
        if caller.user is not None and caller.user.role == Role.SQUAD_MEMBER:
            _check_squad_member(session, caller.user, spec)
        else:
            caller.require(*STAFF)
        view, created = _record_committed(database, spec, _inspector(caller, spec), caller.actor)
        if not created:
            response.status_code = status.HTTP_200_OK
        return view

    @router.get("/inspections", response_model=list[InspectionView])
    def get_inspections(
        session: Annotated[Session, Depends(get_session, scope="function")],
        caller: Annotated[Caller, Depends(caller_dependency)],
        squad: Annotated[str | None, Query(pattern=CODE, description="Squad code.")] = None,
        key_point: Annotated[str | None, Query(pattern=CODE, description="Key point code.")] = None,
        kind: InspectionKind | None = None,
        from_: Annotated[
            str | None,
            Query(alias="from", max_length=40, description="First day or time, included."),
        ] = None,
        to: Annotated[
            str | None,
            Query(max_length=40, description="Last day (included) or time (excluded)."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    ) -> list[InspectionView]:
        """Inspections by start time; days are the plan's calendar days."""
        user = caller.user
        if user is not None and user.role == Role.SQUAD_MEMBER:
            own = None if user.squad_id is None else session.get(Squad, user.squad_id)
            own_code = "" if own is None else own.code
            if squad is not None and squad != own_code:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "squad members see their own squad's inspections"
                )
            squad = own_code
        filters = InspectionFilters(
            squad=squad,
            key_point=key_point,
            kind=kind,
            start=_moment(from_, "from", zone, end=False),
            end=_moment(to, "to", zone, end=True),
            limit=limit,
        )
        return list_inspections(session, filters)

    return router
