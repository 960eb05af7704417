"""Tickets for people: log in, list, read and act — squad members only see their squad's."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import Database
from api.db.models import Ticket, User
from api.domain import Action, TransitionRefusedError, ValidationFailedError
from api.routes.auth import AuthDependencies, visible
from api.security.users import Role, log_in
from api.services.tickets import NotFoundError, act, ticket_key

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


def _ticket_id(ticket: str) -> int:
    number = ticket.removeprefix("T-")
    if not number.isdigit():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket}")
    return int(number)


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
        status_: Annotated[str | None, Query(alias="status")] = None,
        after: Annotated[int, Query(ge=0, description="Keyset: ids after this one.")] = 0,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[TicketView]:
        query = select(Ticket).where(Ticket.id > after).order_by(Ticket.id).limit(limit)
        if status_ is not None:
            query = query.where(Ticket.status == status_)
        if user.role == Role.SQUAD_MEMBER:
            query = query.where(Ticket.squad_id == user.squad_id)
        return [_view(row) for row in session.scalars(query)]

    @router.get("/tickets/{ticket}", response_model=TicketView)
    def get_ticket(
        ticket: str,
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        return _view(visible(session.get(Ticket, _ticket_id(ticket)), user, ticket))

    @router.post("/tickets/{ticket}/actions", response_model=TicketView)
    def act_on_ticket(
        ticket: str,
        action: Annotated[Action, Body(discriminator="action")],
        session: Annotated[Session, Depends(get_session)],
        user: Annotated[User, Depends(auth.current_user)],
    ) -> TicketView:
        """Confirm, reject, dispatch, rectify, reinspect, reclassify or merge (409 if not now)."""
        row = visible(session.get(Ticket, _ticket_id(ticket)), user, ticket)
        if user.role == Role.SQUAD_MEMBER and action.action not in SQUAD_ACTIONS:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"squad members cannot {action.action}")
        try:
            act(database, row.id, action, actor=user.username, now=datetime.now(UTC))
        except TransitionRefusedError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        except ValidationFailedError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        except NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        session.expire_all()
        return _view(visible(session.get(Ticket, row.id), user, ticket))

    return router
