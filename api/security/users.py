"""Users (argon2 password hashes) and their bearer tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.db.models import Squad, User, UserSession
from api.domain import DomainError

TOKEN_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    """Reviews and dispatches: the bureau's supervision and coordination sections."""
    SQUAD_MEMBER = "squad_member"
    """Sees and acts on its own squad's tickets only."""


class UserError(DomainError):
    """A user cannot be created as asked."""


def add_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    *,
    now: datetime,
    squad_code: str | None = None,
) -> User:
    if len(password) < 10:
        raise UserError("passwords need at least 10 characters")
    squad_id = None
    if role is Role.SQUAD_MEMBER:
        squad = session.scalars(select(Squad).where(Squad.code == (squad_code or ""))).first()
        if squad is None:
            raise UserError(f"a squad member needs an existing squad (got {squad_code!r})")
        squad_id = squad.id
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise UserError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role.value,
        squad_id=squad_id,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(session: Session, username: str, password: str, *, now: datetime) -> str | None:
    """A new bearer token, or None for a wrong name or password (same answer for both)."""
    user = session.scalars(select(User).where(User.username == username)).first()
    try:
        if user is None or not _hasher.verify(user.password_hash, password):
            return None
    except (VerificationError, InvalidHashError):
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> User | None:
    row = session.scalars(
        select(UserSession).where(UserSession.token_hash == _digest(token))
    ).first()
    if row is None or row.expires_at <= now:
        return None
    return session.get(User, row.user_id)


def log_out(session: Session, token: str) -> None:
    """End the session ``token`` belongs to; its cookie or bearer token stops working."""
    session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def csrf_token_for(token: str) -> str:
    """The CSRF token of a session: derived from its secret, so nothing more is stored and a
    page that cannot read the session cookie cannot compute it."""
    return hashlib.sha256(b"streetorder-csrf:" + token.encode()).hexdigest()


def csrf_matches(token: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token_for(token), sent)
