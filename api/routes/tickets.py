"""Tickets for people: log in, list, read and act — squad members only see their squad's."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import KeyPoint, Squad, Ticket, User
from api.domain import Action
from api.routes.auth import MAX_ID, AuthDependencies, parse_ticket_id, visible
from api.security.users import Role, log_in
from api.services.tickets import act, ticket_key

SessionDependency = Callable[[], Iterator[Session]]
SQUAD_ACTIONS = frozenset({"rectify"})
"""What a squad member may do; reviewing and dispatching is the supervisors' job."""


class Credentials(BaseModel):
    username: str
    password: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


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

    @router.post("/auth/token", response_model=Token, tags=["auth"])
    def token(credentials: Credentials, session: Annotated[Session, Depends(get_session)]) -> Token:
        issued = log_in(session, credentials.username, credentials.password, now=datetime.now(UTC))
        if issued is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
        return Token(access_token=issued)

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

    @router.post("/tickets/{ticket}/actions", response_model=TicketView)
    def act_on_ticket(
        ticket: str,
        action: Annotated[Action, Body(discriminator="action")],
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Confirm, reject, dispatch, rectify, reinspect, reclassify or merge (409 if not now)."""
        row = visible(session.get(Ticket, parse_ticket_id(ticket)), user, ticket)
        if user.role == Role.SQUAD_MEMBER and action.action not in SQUAD_ACTIONS:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"squad members cannot {action.action}")
        act(database, row.id, action, actor=user.username, now=datetime.now(UTC))
        session.expire_all()
        return _view(visible(session.get(Ticket, row.id), user, ticket))

    return router
