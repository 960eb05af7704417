"""The ticket life cycle as a pure function: ``apply(ticket, action, actor=…, now=…)``.

    pending_review ─confirm→ confirmed ─dispatch→ dispatched ─rectify→ rectified
          │                      │                    ▲                    │
          └reject→ rejected      │                    └──reinspect fail────┤
          └merge→ merged ←merge──┘                         reinspect pass→ closed

``reclassify`` changes the violation type while the ticket is still open (not closed,
rejected or merged) and leaves the status alone. Anything else raises
``TransitionRefusedError``, naming the status and what is allowed from it.

``reinspected`` is in the vocabulary of the plan, but ``apply`` never produces it: a
re-inspection resolves at once to ``closed`` (pass, recorded in ``reinspection``) or back to
``dispatched`` (fail), so no ticket waits in between.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.domain.actions import (
    ACTION_NAMES,
    Action,
    Confirm,
    Dispatch,
    Merge,
    Note,
    PhotoRef,
    Reclassify,
    Rectify,
    Reinspect,
    ReinspectOutcome,
    Reject,
    RejectReason,
    SquadId,
    TicketId,
    ViolationCode,
)
from api.domain.errors import TransitionRefusedError, ValidationFailedError
from api.domain.utc import UtcDatetime, require_utc


class TicketStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    RECTIFIED = "rectified"
    REINSPECTED = "reinspected"  # never produced by apply(); see the module docstring
    CLOSED = "closed"
    MERGED = "merged"


_S = TicketStatus
_OPEN = frozenset({_S.PENDING_REVIEW, _S.CONFIRMED, _S.DISPATCHED, _S.RECTIFIED, _S.REINSPECTED})

ALLOWED_FROM: dict[str, frozenset[TicketStatus]] = {
    "confirm": frozenset({_S.PENDING_REVIEW}),
    "reject": frozenset({_S.PENDING_REVIEW}),
    "dispatch": frozenset({_S.CONFIRMED}),
    "rectify": frozenset({_S.DISPATCHED}),
    "reinspect": frozenset({_S.RECTIFIED}),
    "reclassify": _OPEN,
    # Only before dispatch: once a squad holds a ticket, folding it away would lose its work.
    "merge": frozenset({_S.PENDING_REVIEW, _S.CONFIRMED}),
}
"""For each action, the statuses it may be applied in: the single source of the life cycle."""


def allowed_actions(status: TicketStatus) -> tuple[str, ...]:
    """The actions allowed from ``status``, in ``ACTION_NAMES`` order; empty when final."""
    return tuple(name for name in ACTION_NAMES if status in ALLOWED_FROM[name])


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rectification(_Frozen):
    """What the squad reported when it put the place right."""

    photo_ref: PhotoRef
    note: Note
    at: UtcDatetime
    by: str


class Reinspection(_Frozen):
    """The latest look-back (回头看) and its outcome."""

    outcome: ReinspectOutcome
    photo_ref: PhotoRef | None
    note: Note
    at: UtcDatetime
    by: str


class TicketState(_Frozen):
    """A ticket as the life cycle sees it. ``version`` starts at 1 and grows by one on every
    change, so the API can refuse a stale write (optimistic locking) and audit each step."""

    id: TicketId
    status: TicketStatus = TicketStatus.PENDING_REVIEW
    violation_type: ViolationCode
    raised_at: UtcDatetime
    confirmed_at: UtcDatetime | None = None
    confirmed_by: str | None = None
    squad: SquadId | None = None
    dispatched_at: UtcDatetime | None = None
    """The latest dispatch (a failed re-inspection dispatches again): time to rectify runs
    from here."""
    deadline: UtcDatetime | None = None
    reject_reason: RejectReason | None = None
    reject_note: Note | None = None
    rectification: Rectification | None = None
    reinspection: Reinspection | None = None
    reinspection_count: int = Field(default=0, ge=0)
    merged_into: TicketId | None = None
    closed_at: UtcDatetime | None = None
    version: int = Field(default=1, ge=1)
    updated_at: UtcDatetime | None = None
    updated_by: str | None = None


Changes = dict[str, Any]


def _future_deadline(deadline: datetime, now: datetime) -> datetime:
    if deadline <= now:
        raise ValidationFailedError(
            "deadline", f"{deadline.isoformat()} is not after now ({now.isoformat()})"
        )
    return deadline


def _confirm(t: TicketState, a: Confirm, actor: str, now: datetime) -> Changes:
    return {"status": _S.CONFIRMED, "confirmed_at": now, "confirmed_by": actor}


def _reject(t: TicketState, a: Reject, actor: str, now: datetime) -> Changes:
    return {"status": _S.REJECTED, "reject_reason": a.reason, "reject_note": a.note}


def _dispatch(t: TicketState, a: Dispatch, actor: str, now: datetime) -> Changes:
    deadline = _future_deadline(a.deadline, now)
    return {"status": _S.DISPATCHED, "squad": a.squad, "deadline": deadline, "dispatched_at": now}


def _rectify(t: TicketState, a: Rectify, actor: str, now: datetime) -> Changes:
    done = Rectification(photo_ref=a.photo_ref, note=a.note, at=now, by=actor)
    return {"status": _S.RECTIFIED, "rectification": done}


def _reinspect(t: TicketState, a: Reinspect, actor: str, now: datetime) -> Changes:
    seen = Reinspection(outcome=a.outcome, photo_ref=a.photo_ref, note=a.note, at=now, by=actor)
    changes: Changes = {"reinspection": seen, "reinspection_count": t.reinspection_count + 1}
    if a.outcome is ReinspectOutcome.PASSED:
        return changes | {"status": _S.CLOSED, "closed_at": now}
    # Back to the squad; the failed rectification stays on record until the next one.
    changes["status"] = _S.DISPATCHED
    changes["dispatched_at"] = now
    if a.deadline is not None:
        changes["deadline"] = _future_deadline(a.deadline, now)
    return changes


def _reclassify(t: TicketState, a: Reclassify, actor: str, now: datetime) -> Changes:
    if a.violation_type == t.violation_type:
        # A no-op would still bump the version and write an audit record for nothing.
        raise ValidationFailedError(
            "violation_type", f"ticket {t.id} is already {t.violation_type}"
        )
    return {"violation_type": a.violation_type}


def _merge(t: TicketState, a: Merge, actor: str, now: datetime) -> Changes:
    if a.into == t.id:
        raise ValidationFailedError("into", f"ticket {t.id} cannot be merged into itself")
    return {"status": _S.MERGED, "merged_into": a.into}


_HANDLERS: dict[str, Callable[[TicketState, Any, str, datetime], Changes]] = {
    "confirm": _confirm,
    "reject": _reject,
    "dispatch": _dispatch,
    "rectify": _rectify,
    "reinspect": _reinspect,
    "reclassify": _reclassify,
    "merge": _merge,
}


def apply(ticket: TicketState, action: Action, *, actor: str, now: datetime) -> TicketState:
    """Return the ticket after ``action`` by ``actor`` at ``now`` (UTC-aware); the input is
    left untouched.

    Raises ``TransitionRefusedError`` when the status does not allow the action and
    ``ValidationFailedError`` when the action does not fit this ticket or this moment.
    """
    now = require_utc(now, "now")
    actor = actor.strip()
    if not actor:
        raise ValidationFailedError("actor", "empty (every change must name who made it)")
    if ticket.status not in ALLOWED_FROM[action.action]:
        raise TransitionRefusedError(
            ticket.id, ticket.status.value, action.action, allowed_actions(ticket.status)
        )
    changes = _HANDLERS[action.action](ticket, action, actor, now)
    changes |= {"version": ticket.version + 1, "updated_at": now, "updated_by": actor}
    # Re-validate rather than model_copy(update=…), which would skip the field checks.
    return TicketState.model_validate(ticket.model_dump() | changes)
