"""Who is calling: a detector node (X-API-Key) or a person (Bearer token or session cookie).

Browsers send cookies on their own, so a write authenticated by the session cookie must also
carry the session's CSRF token in ``X-CSRF-Token`` (a page of another site cannot read it).
Bearer tokens are never sent unasked, so scripts using them need no CSRF token.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Cookie, Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.db.models import Ticket, User
from api.security.api_keys import authenticate
from api.security.users import Role, csrf_matches, user_for_token
from api.services.tickets import MAX_TICKET_ID

SessionDependency = Callable[[], Iterator[Session]]
SESSION_COOKIE = "streetorder_session"
CSRF_COOKIE = "streetorder_csrf"
"""Readable by the page's scripts (not HttpOnly): they copy it into ``X-CSRF-Token``."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Login:
    """A person's authenticated request: who, and the token that proved it."""

    user: User
    token: str
    by_cookie: bool


@dataclass(frozen=True)
class AuthDependencies:
    detector_node: Callable[..., str]
    """Resolves to ``node:<key name>`` or answers 401."""
    current_login: Callable[..., Login]
    """Resolves to the logged-in person and their token, or answers 401 (403: CSRF)."""
    current_user: Callable[..., User]
    """Resolves to the logged-in user or answers 401."""


def make_auth(get_session: SessionDependency) -> AuthDependencies:
    def detector_node(
        session: Annotated[Session, Depends(get_session, scope="function")],
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> str:
        key = None if x_api_key is None else authenticate(session, x_api_key)
        if key is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid X-API-Key is required")
        return f"node:{key.name}"

    def current_login(
        request: Request,
        session: Annotated[Session, Depends(get_session, scope="function")],
        authorization: Annotated[str | None, Header()] = None,
        x_csrf_token: Annotated[str | None, Header()] = None,
        streetorder_session: Annotated[str | None, Cookie()] = None,
    ) -> Login:
        scheme, _, bearer = (authorization or "").partition(" ")
        by_cookie = not (scheme.lower() == "bearer" and bearer)
        token = streetorder_session if by_cookie else bearer
        user = user_for_token(session, token, now=datetime.now(UTC)) if token else None
        if user is None or token is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "log in first (Bearer token or session cookie)"
            )
        unsafe = request.method not in SAFE_METHODS
        if by_cookie and unsafe and not csrf_matches(token, x_csrf_token):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "missing or wrong X-CSRF-Token: cookie sessions send it on every write",
            )
        return Login(user, token, by_cookie)

    def current_user(login: Annotated[Login, Depends(current_login)]) -> User:
        return login.user

    return AuthDependencies(detector_node, current_login, current_user)


MAX_ID = MAX_TICKET_ID


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


def require_role(user: User, *roles: Role) -> None:
    """403 unless ``user`` has one of ``roles``."""
    if user.role not in {role.value for role in roles}:
        allowed = " or ".join(role.value for role in roles)
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"only {allowed} may do this")
