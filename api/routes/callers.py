"""Routes that detector nodes and people both call: the caller is an API key or a login.

An ``X-API-Key`` header makes the caller a detector node (a wrong key answers 401, never a
fallback to the login); otherwise the usual login rules apply (Bearer token or session cookie,
CSRF token on cookie writes).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Cookie, Depends, Header, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.db.models import User
from api.routes.auth import AuthDependencies, SessionDependency
from api.security.users import Role

NODE = "detector_node"
"""What ``require`` calls a detector node among the roles."""


@dataclass(frozen=True)
class Caller:
    actor: str
    """The username, or ``node:<key name>`` for a detector node."""
    user: User | None
    """The logged-in person; ``None`` for a detector node."""

    @property
    def role(self) -> str:
        return NODE if self.user is None else self.user.role

    def require(self, *roles: str) -> None:
        """403 unless the caller has one of ``roles`` (``Role`` values or ``NODE``)."""
        if self.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"only {' or '.join(roles)} may do this")


STAFF = (NODE, Role.SUPERVISOR.value, Role.ADMIN.value)
"""Detector nodes, supervisors and admins."""


def make_caller(get_session: SessionDependency, auth: AuthDependencies) -> Callable[..., Caller]:
    def caller(
        request: Request,
        session: Annotated[Session, Depends(get_session, scope="function")],
        x_api_key: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
        x_csrf_token: Annotated[str | None, Header()] = None,
        streetorder_session: Annotated[str | None, Cookie()] = None,
    ) -> Caller:
        if x_api_key is not None:
            return Caller(auth.detector_node(session, x_api_key), None)
        login = auth.current_login(
            request, session, authorization, x_csrf_token, streetorder_session
        )
        return Caller(login.user.username, login.user)

    return caller
