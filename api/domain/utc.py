"""UTC-aware datetimes for the domain: naive datetimes are refused, aware ones are normalised
to UTC so that comparisons, storage and audit hashes never depend on a caller's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from api.domain.errors import ValidationFailedError


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+08:00 has no UTC time; pydantic reports ValueErrors only.
        raise ValueError(f"{value.isoformat()} is out of range in UTC") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A pydantic field type: a timezone-aware datetime, stored in UTC."""


def require_utc(value: datetime, field: str) -> datetime:
    """Return ``value`` in UTC; a naive one raises ``ValidationFailedError`` naming ``field``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailedError(field, f"naive datetime {value.isoformat()} (need a time zone)")
    return value.astimezone(UTC)
