"""Detector nodes' API keys: shown once, stored as a SHA-256 hash, found by a clear prefix.

Keys carry 256 random bits, so a fast hash is enough (no password stretching needed); the
prefix lets the service find the row without scanning, and the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import ApiKey

KEY_PREFIX = "so"


@dataclass(frozen=True)
class IssuedKey:
    name: str
    plain: str
    """The key itself: shown to the operator once, never stored."""
    prefix: str


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _split(plain: str) -> str | None:
    parts = plain.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def issue_key(session: Session, name: str, *, now: datetime) -> IssuedKey:
    prefix = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(name=name, prefix=prefix, key_hash=_digest(plain), created_at=now))
    session.flush()
    return IssuedKey(name=name, plain=plain, prefix=prefix)


def authenticate(session: Session, plain: str) -> ApiKey | None:
    """The live key matching ``plain``, or None (wrong, malformed or revoked)."""
    prefix = _split(plain)
    if prefix is None:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    return row if hmac.compare_digest(row.key_hash, _digest(plain)) else None
