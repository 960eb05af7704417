"""Logging in and out: a bearer token for scripts, a session cookie (+ CSRF token) for the UI."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.db.models import Squad, User
from api.routes.auth import CSRF_COOKIE, SESSION_COOKIE, AuthDependencies, Login
from api.security.users import (
    TOKEN_LIFETIME,
    csrf_token_for,
    log_in,
    log_out,
    user_for_token,
)

SessionDependency = Callable[[], Iterator[Session]]


class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    username: str
    role: str
    squad: str | None
    """The squad's code, for squad members."""
    csrf_token: str | None
    """Send it as ``X-CSRF-Token`` on writes when logged in by cookie; null for bearer tokens."""


def _log_in(session: Session, credentials: Credentials) -> str:
    issued = log_in(session, credentials.username, credentials.password, now=datetime.now(UTC))
    if issued is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
    return issued


def _me(session: Session, user: User, token: str, by_cookie: bool) -> Me:
    squad = session.get(Squad, user.squad_id) if user.squad_id is not None else None
    return Me(
        username=user.username,
        role=user.role,
        squad=squad.code if squad else None,
        csrf_token=csrf_token_for(token) if by_cookie else None,
    )


def build_router(
    get_session: SessionDependency, auth: AuthDependencies, *, cookie_secure: bool
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

    @router.post("/token", response_model=Token, responses={401: {}})
    def token(
        credentials: Credentials,
        session: Annotated[Session, Depends(get_session, scope="function")],
    ) -> Token:
        """A bearer token for scripts (valid 12 hours)."""
        return Token(access_token=_log_in(session, credentials))

    @router.post("/login", response_model=Me, responses={401: {}})
    def login(
        credentials: Credentials,
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
    ) -> Me:
        """Start a browser session: sets the session cookie (HttpOnly) and the CSRF cookie."""
        issued = _log_in(session, credentials)
        max_age = int(TOKEN_LIFETIME.total_seconds())
        for name, value, httponly in (
            (SESSION_COOKIE, issued, True),
            (CSRF_COOKIE, csrf_token_for(issued), False),
        ):
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                httponly=httponly,
                secure=cookie_secure,
                samesite="lax",
            )
        user = user_for_token(session, issued, now=datetime.now(UTC))
        assert user is not None  # the session was created just above
        return _me(session, user, issued, by_cookie=True)

    @router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses={401: {}})
    def logout(
        response: Response,
        session: Annotated[Session, Depends(get_session, scope="function")],
        login: Annotated[Login, Depends(auth.current_login)],
    ) -> None:
        """End this session (cookie or bearer token) and clear the cookies."""
        log_out(session, login.token)
        response.delete_cookie(SESSION_COOKIE)
        response.delete_cookie(CSRF_COOKIE)

    @router.get("/me", response_model=Me, responses={401: {}})
    def me(
        session: Annotated[Session, Depends(get_session, scope="function")],
        login: Annotated[Login, Depends(auth.current_login)],
    ) -> Me:
        """Who is logged in, and the CSRF token a cookie session needs for writes."""
        return _me(session, login.user, login.token, login.by_cookie)

    return router
