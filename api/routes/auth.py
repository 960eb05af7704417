"""Who is calling: a detector node (X-API-Key) or a person (Bearer token)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy.orm import Session

from api.db.models import Ticket, User
from api.security.api_keys import authenticate
from api.security.users import Role, user_for_token

SessionDependency = Callable[[], Iterator[Session]]


@dataclass(frozen=True)
class AuthDependencies:
    detector_node: Callable[..., str]
    """Resolves to ``node:<key name>`` or answers 401."""
    current_user: Callable[..., User]
    """Resolves to the logged-in user or answers 401."""


def make_auth(get_session: SessionDependency) -> AuthDependencies:
    def detector_node(
        session: Annotated[Session, Depends(get_session)],
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> str:
        key = None if x_api_key is None else authenticate(session, x_api_key)
        if key is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid X-API-Key is required")
        return f"node:{key.name}"

    def current_user(
        session: Annotated[Session, Depends(get_session)],
        authorization: Annotated[str | None, Header()] = None,
    ) -> User:
        scheme, _, token = (authorization or "").partition(" ")
        user = None
        if scheme.lower() == "bearer" and token:
            user = user_for_token(session, token, now=datetime.now(UTC))
        if user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first (Bearer token)")
        return user

    return AuthDependencies(detector_node, current_user)


MAX_ID = 2**31 - 1
"""Ticket ids are 32-bit integers in the database; anything larger cannot exist."""


def parse_ticket_id(ticket: str) -> int:
    """``T-12`` → 12; anything else (or out of range) is a ticket that does not exist."""
    number = ticket.removeprefix("T-")
    if not number.isascii() or not number.isdigit() or int(number) > MAX_ID:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket}")
    return int(number)


def visible(row: Ticket | None, user: User, ticket: str) -> Ticket:
    """The ticket if ``user`` may see it; another squad's ticket answers like a missing one."""
    if row is None or (user.role == Role.SQUAD_MEMBER and row.squad_id != user.squad_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket}")
    return row
