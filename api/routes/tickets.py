"""Tickets for people: log in, list, read and act — squad members only see their squad's."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import KeyPoint, Squad, Ticket, User
from api.domain import (
    Action,
    Confirm,
    Dispatch,
    Merge,
    Reclassify,
    Rectify,
    Reinspect,
    Reject,
)
from api.routes.auth import MAX_ID, AuthDependencies, parse_ticket_id, visible
from api.security.users import Role
from api.services.tickets import act, ticket_key

SessionDependency = Callable[[], Iterator[Session]]
SQUAD_ACTIONS = frozenset({"rectify"})
"""What a squad member may do; reviewing and dispatching is the supervisors' job."""
ACTION_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in."},
    403: {"description": "This role may not do this, or a cookie session sent no CSRF token."},
    404: {"description": "No such ticket (or another squad's)."},
    409: {"description": "Not allowed from the ticket's status; the message names what is."},
    422: {"description": "The action does not fit (a past deadline, an unknown type…)."},
}


class TicketView(BaseModel):
    ticket: str
    incident_id: str
    type: str
    camera: str
    squad_id: int
    status: str
    priority: str
    raised_at: datetime
    score: float
    state: dict[str, Any]


@dataclass
class TicketFilters:
    """List filters; each given one must hold."""

    status: Annotated[str | None, Query()] = None
    type: Annotated[str | None, Query(description="Violation code.")] = None
    priority: Annotated[str | None, Query()] = None
    camera: Annotated[str | None, Query()] = None
    squad: Annotated[str | None, Query(description="Squad code.")] = None
    category: Annotated[str | None, Query(description="Key-point category code.")] = None
    raised_from: Annotated[datetime | None, Query(description="UTC, inclusive.")] = None
    raised_to: Annotated[datetime | None, Query(description="UTC, exclusive.")] = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        for column, value in (
            (Ticket.status, self.status),
            (Ticket.type, self.type),
            (Ticket.priority, self.priority),
            (Ticket.camera_id, self.camera),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.squad is not None:
            query = query.join(Squad, Squad.id == Ticket.squad_id).where(Squad.code == self.squad)
        if self.category is not None:
            query = query.join(KeyPoint, KeyPoint.id == Ticket.key_point_id).where(
                KeyPoint.category == self.category
            )
        if self.raised_from is not None:
            query = query.where(Ticket.raised_at >= _utc(self.raised_from))
        if self.raised_to is not None:
            query = query.where(Ticket.raised_at < _utc(self.raised_to))
        return query


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give times with a UTC offset")
    return moment


def _view(row: Ticket) -> TicketView:
    return TicketView(
        ticket=ticket_key(row.id),
        incident_id=row.incident_id,
        type=row.type,
        camera=row.camera_id,
        squad_id=row.squad_id,
        status=row.status,
        priority=row.priority,
        raised_at=row.raised_at,
        score=row.score,
        state=row.state,
    )


def build_router(
    get_session: SessionDependency, database: Database, auth: AuthDependencies
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["tickets"])

    @router.get("/tickets", response_model=list[TicketView])
    def list_tickets(
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
        filters: Annotated[TicketFilters, Depends()],
        after: Annotated[
            int | None, Query(ge=0, le=MAX_ID, description="Keyset: ids past this one.")
        ] = None,
        newest_first: Annotated[bool, Query(description="Order by id descending.")] = False,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[TicketView]:
        """Tickets matching every filter given, a page at a time (pass the last id as after)."""
        query = filters.apply(select(Ticket))
        if after is not None:
            query = query.where(Ticket.id < after if newest_first else Ticket.id > after)
        query = query.order_by(Ticket.id.desc() if newest_first else Ticket.id).limit(limit)
        if user.role == Role.SQUAD_MEMBER:
            query = query.where(Ticket.squad_id == user.squad_id)
        return [_view(row) for row in session.scalars(query)]

    @router.get("/tickets/{ticket}", response_model=TicketView)
    def get_ticket(
        ticket: str,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        return _view(visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket))

    def perform(ticket: str, action: Action, session: Session, user: User) -> TicketView:
        row = visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)
        if user.role == Role.SQUAD_MEMBER and action.action not in SQUAD_ACTIONS:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"squad members cannot {action.action}")
        act(database, row.id, action, actor=user.username, now=datetime.now(UTC))
        session.expire_all()
        return _view(visible(session.get(Ticket, row.id), user, ticket))

    @router.post("/tickets/{ticket}/confirm", response_model=TicketView, responses=ACTION_ANSWERS)
    def confirm(
        ticket: str,
        body: Confirm,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """The violation is real (supervisors)."""
        return perform(ticket, body, session, user)

    @router.post("/tickets/{ticket}/reject", response_model=TicketView, responses=ACTION_ANSWERS)
    def reject(
        ticket: str,
        body: Reject,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Not a violation: false detection, permitted activity, duplicate or other (+ note)."""
        return perform(ticket, body, session, user)

    @router.post("/tickets/{ticket}/dispatch", response_model=TicketView, responses=ACTION_ANSWERS)
    def dispatch(
        ticket: str,
        body: Dispatch,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Send a confirmed ticket to a squad with a deadline (UTC)."""
        return perform(ticket, body, session, user)

    @router.post("/tickets/{ticket}/rectify", response_model=TicketView, responses=ACTION_ANSWERS)
    def rectify(
        ticket: str,
        body: Rectify,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """The squad put the place right (photo and note); squad members may do this."""
        return perform(ticket, body, session, user)

    @router.post("/tickets/{ticket}/reinspect", response_model=TicketView, responses=ACTION_ANSWERS)
    def reinspect(
        ticket: str,
        body: Reinspect,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Look back: ``pass`` closes the ticket, ``fail`` sends it back to the squad."""
        return perform(ticket, body, session, user)

    @router.post(
        "/tickets/{ticket}/reclassify", response_model=TicketView, responses=ACTION_ANSWERS
    )
    def reclassify(
        ticket: str,
        body: Reclassify,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Correct the violation type of an open ticket."""
        return perform(ticket, body, session, user)

    @router.post("/tickets/{ticket}/merge", response_model=TicketView, responses=ACTION_ANSWERS)
    def merge(
        ticket: str,
        body: Merge,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Fold this ticket into another open one about the same violation."""
        return perform(ticket, body, session, user)

    return router
