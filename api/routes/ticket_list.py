"""The ticket list's filters, sort orders and keyset cursors.

A cursor is the sort key of the last row of a page (plus its id, which breaks ties), so the
next page starts right after it whatever was inserted meanwhile, and deep pages cost no more
than the first: no OFFSET.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import HTTPException, Query, status
from sqlalchemy import ColumnElement, Select, and_, case, false, or_, select

from api.db.models import KeyPoint, Squad, Ticket
from api.services.tickets import MAX_TICKET_ID

PRIORITY_RANK = case((Ticket.priority == "urgent", 3), (Ticket.priority == "high", 2), else_=1)
SORT_KEYS: dict[str, Any] = {
    "id": Ticket.id,
    "raised_at": Ticket.raised_at,
    "score": Ticket.score,
    "priority": PRIORITY_RANK,
}
"""What a list can be sorted by; ``-key`` sorts descending. Priority: urgent > high > normal."""
SORT_PATTERN = r"^-?(id|raised_at|score|priority)(,-?(id|raised_at|score|priority)){0,2}$"


TicketRows = Select[Ticket, str, str, str]
"""A ticket with its key point's code and category and its squad's code."""


def _bad(field: str, problem: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field}: {problem}")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise _bad("raised_from/raised_to", "give times with a UTC offset")
    return moment


@dataclass
class TicketFilters:
    """List filters; each given one must hold."""

    status: Annotated[str | None, Query(max_length=32)] = None
    type: Annotated[str | None, Query(max_length=32, description="Violation code.")] = None
    priority: Annotated[str | None, Query(max_length=16)] = None
    camera: Annotated[str | None, Query(max_length=64)] = None
    squad: Annotated[str | None, Query(max_length=64, description="Squad code.")] = None
    category: Annotated[
        str | None, Query(max_length=32, description="Key-point category code.")
    ] = None
    key_point: Annotated[
        str | None, Query(max_length=64, description="Key-point code (earlier tickets there).")
    ] = None
    raised_from: Annotated[datetime | None, Query(description="UTC, inclusive.")] = None
    raised_to: Annotated[datetime | None, Query(description="UTC, exclusive.")] = None

    def apply(self, query: TicketRows) -> TicketRows:
        """``query`` must already join ``Squad`` and ``KeyPoint`` (see ``base_query``)."""
        for column, value in (
            (Ticket.status, self.status),
            (Ticket.type, self.type),
            (Ticket.priority, self.priority),
            (Ticket.camera_id, self.camera),
            (Squad.code, self.squad),
            (KeyPoint.category, self.category),
            (KeyPoint.code, self.key_point),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.raised_from is not None:
            query = query.where(Ticket.raised_at >= _utc(self.raised_from))
        if self.raised_to is not None:
            query = query.where(Ticket.raised_at < _utc(self.raised_to))
        return query


def base_query() -> TicketRows:
    """Tickets with their key point's code and category and their squad's code."""
    return (
        select(Ticket, KeyPoint.code, KeyPoint.category, Squad.code)
        .join(KeyPoint, KeyPoint.id == Ticket.key_point_id)
        .join(Squad, Squad.id == Ticket.squad_id)
    )


@dataclass(frozen=True)
class SortOrder:
    """Parsed ``sort``: (key, descending) pairs, always ending with ``id`` as the tie-break."""

    keys: tuple[tuple[str, bool], ...]

    @classmethod
    def parse(cls, text: str) -> "SortOrder":
        keys = [(part.lstrip("-"), part.startswith("-")) for part in text.split(",")]
        if len({name for name, _ in keys}) != len(keys):
            raise _bad("sort", f"a key appears twice in {text!r}")
        if any(name == "id" for name, _ in keys[:-1]):
            raise _bad("sort", "id can only come last (it is unique: nothing sorts after it)")
        if keys[-1][0] != "id":
            keys.append(("id", False))
        return cls(tuple(keys))

    @property
    def text(self) -> str:
        return ",".join(("-" if desc else "") + name for name, desc in self.keys)

    def order_by(self) -> list[Any]:
        return [SORT_KEYS[name].desc() if desc else SORT_KEYS[name] for name, desc in self.keys]

    def values_of(self, row: Ticket) -> list[Any]:
        ranks = {"urgent": 3, "high": 2}
        values = {
            "id": row.id,
            "raised_at": row.raised_at.isoformat(),
            "score": row.score,
            "priority": ranks.get(row.priority, 1),
        }
        return [values[name] for name, _ in self.keys]

    def after(self, values: list[Any]) -> ColumnElement[bool]:
        """Rows strictly after ``values`` in this order (a keyset condition)."""
        clauses = []
        for i, (name, desc) in enumerate(self.keys):
            prefix = zip(self.keys[:i], values[:i], strict=True)
            equal = [SORT_KEYS[n] == _typed(n, v) for (n, _), v in prefix]
            column, value = SORT_KEYS[name], _typed(name, values[i])
            clauses.append(and_(*equal, column < value if desc else column > value))
        return or_(false(), *clauses)


def _check_value(name: str, value: Any) -> None:
    if name == "raised_at":
        if not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("time")
    elif name == "score":
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError("score")
    elif type(value) is not int or not 0 <= value <= MAX_TICKET_ID:
        raise ValueError(name)


def _typed(name: str, value: Any) -> Any:
    return datetime.fromisoformat(value) if name == "raised_at" else value


def encode_cursor(order: SortOrder, row: Ticket) -> str:
    raw = json.dumps([order.text, order.values_of(row)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(order: SortOrder, cursor: str) -> list[Any]:
    """The last row's sort values; 422 for a cursor of another sort or not ours at all."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_text, values = json.loads(raw)
        if sort_text != order.text or not isinstance(values, list):
            raise ValueError("another sort")
        if len(values) != len(order.keys):
            raise ValueError("wrong length")
        for (name, _), value in zip(order.keys, values, strict=True):
            _check_value(name, value)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _bad("cursor", "not one this list handed out for this sort") from None
    return list(values)
