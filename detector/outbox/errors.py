"""Errors of the outbox; one line each, like every ``StreetOrderError``."""

from __future__ import annotations

from detector.errors import StreetOrderError


class OutboxError(StreetOrderError):
    """The outbox cannot take or send a message: a bad service URL, a record without UTC times,
    a bundle folder that vanished or changed, an unreadable spool."""
