"""The plan's repeat rule: a place where the same violation keeps coming back gets priority.

Three or more confirmed tickets of one violation type at one key point within 30 days make
the place a repeat problem, and a new ticket there is raised to ``Priority.HIGH``.

Choices, so the API and the reports agree:

* Counted: tickets a reviewer confirmed, including those that moved on since (dispatched,
  rectified, reinspected, closed). Not counted: pending review (nobody has confirmed them),
  rejected (not a violation) and merged (already counted through the ticket they joined).
* The new ticket itself is not counted: it is still pending review.
* Time is each ticket's ``raised_at`` (when the camera saw it), not when it was confirmed,
  so a slow review never moves an occurrence in or out of the window. The window is
  ``[new.raised_at - 30 days, new.raised_at]``, both ends inclusive; later tickets are
  ignored so that re-assessing an old ticket gives the answer it had then.
* A look-back (回头看) that saw the violation back at an earlier ticket's place counts as one
  more problem there, at the time of the check (``PastLookBack``), in the same window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from api.domain.actions import TicketId, ViolationCode
from api.domain.lifecycle import TicketStatus
from api.domain.utc import UtcDatetime

REPEAT_THRESHOLD = 3
REPEAT_WINDOW = timedelta(days=30)

COUNTED_STATUSES = frozenset(
    {
        TicketStatus.CONFIRMED,
        TicketStatus.DISPATCHED,
        TicketStatus.RECTIFIED,
        TicketStatus.REINSPECTED,
        TicketStatus.CLOSED,
    }
)
"""Statuses that mean "a reviewer confirmed this was a violation"."""


class Priority(StrEnum):
    """A ticket's priority. ``NORMAL`` by default, ``HIGH`` for a repeat problem; ``URGENT``
    is for people to set (a complaint from above, a safety risk) and never comes from this
    rule. Key-point categories (school, hospital) may raise priority later; not yet."""

    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewTicket(_Frozen):
    """The ticket being raised, as the rule needs it."""

    ticket_id: TicketId
    violation_type: ViolationCode
    key_point_id: str = Field(min_length=1, max_length=64)
    raised_at: UtcDatetime


class PastTicket(NewTicket):
    """An earlier ticket and where it stands now."""

    status: TicketStatus


class PastLookBack(_Frozen):
    """A look-back of an earlier ticket that found the violation back (it reopened)."""

    ticket_id: TicketId
    violation_type: ViolationCode
    key_point_id: str = Field(min_length=1, max_length=64)
    checked_at: UtcDatetime


class RepeatVerdict(_Frozen):
    is_repeat: bool
    count: int = Field(
        ge=0, description="earlier confirmed tickets and reopening look-backs in the window"
    )
    priority: Priority


def _counts(past: PastTicket, new: NewTicket, window: timedelta) -> bool:
    return (
        past.ticket_id != new.ticket_id
        and past.status in COUNTED_STATUSES
        and past.violation_type == new.violation_type
        and past.key_point_id == new.key_point_id
        and new.raised_at - window <= past.raised_at <= new.raised_at
    )


def _look_back_counts(back: PastLookBack, new: NewTicket, window: timedelta) -> bool:
    return (
        back.ticket_id != new.ticket_id
        and back.violation_type == new.violation_type
        and back.key_point_id == new.key_point_id
        and new.raised_at - window <= back.checked_at <= new.raised_at
    )


def assess_repeat(
    new: NewTicket,
    history: Iterable[PastTicket],
    *,
    look_backs: Iterable[PastLookBack] = (),
    threshold: int = REPEAT_THRESHOLD,
    window: timedelta = REPEAT_WINDOW,
) -> RepeatVerdict:
    """Decide whether ``new`` is at a repeat-problem place; ``history`` may hold any tickets
    (other places, other types, ``new`` itself) and ``look_backs`` any reopening look-backs:
    the rule picks those that count."""
    count = sum(1 for past in history if _counts(past, new, window))
    count += sum(1 for back in look_backs if _look_back_counts(back, new, window))
    is_repeat = count >= threshold
    return RepeatVerdict(
        is_repeat=is_repeat,
        count=count,
        priority=Priority.HIGH if is_repeat else Priority.NORMAL,
    )
