"""The ticket life cycle as a pure function: ``apply(ticket, action, actor=…, now=…)``.

    pending_review ─confirm→ confirmed ─dispatch→ dispatched ─rectify→ rectified
          │                      │                  ▲ ▲                    │ │
          └reject→ rejected      │                  │ └─reinspect fail─────┤ └look_back clear┐
          └merge→ merged ←merge──┘                  │    reinspect pass→ closed ←────────────┘
                                                    └──look_back back── (rectified or closed)

``reclassify`` changes the violation type while the ticket is still open (not closed,
rejected or merged) and leaves the status alone. ``look_back`` on a closed ticket that is
``clear`` leaves it closed. Anything else raises ``TransitionRefusedError``, naming the status
and what is allowed from it.

``reinspected`` is in the vocabulary of the plan, but ``apply`` never produces it: a
re-inspection resolves at once to ``closed`` (pass, recorded in ``reinspection``) or back to
``dispatched`` (fail), so no ticket waits in between. The plan's look-back rounds
(``api.plan.lookback``) are recorded in ``look_backs``, numbered per rectification.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.domain.actions import (
    ACTION_NAMES,
    Action,
    Confirm,
    Dispatch,
    LookBack,
    LookBackOutcome,
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
    # A closed ticket is still looked back at: the plan's later rounds can reopen it.
    "look_back": frozenset({_S.RECTIFIED, _S.CLOSED}),
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


class Escalation(_Frozen):
    """Major supervision (重点督办) of a repeat-problem place (``api.reports.places_service``);
    it raises the ticket's priority and leaves its life cycle alone."""

    level: str = Field(pattern=r"^major$")
    at: UtcDatetime
    by: str
    count: int = Field(ge=1, description="Problems at the place within the repeat window.")


class LookBackRecord(_Frozen):
    """One recorded look-back round; ``rectification`` is the rectification it checked (1 for
    the first), so the rounds start again after a reopened ticket is rectified anew."""

    round: int = Field(ge=1)
    due_at: UtcDatetime
    checked_at: UtcDatetime
    outcome: LookBackOutcome
    by: str
    rectification: int = Field(ge=1)
    note: Note = ""


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
    rectification_count: int = Field(default=0, ge=0)
    """Rectifications so far (the latest is ``rectification``)."""
    reinspection: Reinspection | None = None
    reinspection_count: int = Field(default=0, ge=0)
    merged_into: TicketId | None = None
    closed_at: UtcDatetime | None = None
    version: int = Field(default=1, ge=1)
    updated_at: UtcDatetime | None = None
    updated_by: str | None = None
    escalation: Escalation | None = None
    """Set once a repeat place is escalated; never cleared by life-cycle actions."""
    look_backs: tuple[LookBackRecord, ...] = ()
    """The plan's look-back rounds recorded, oldest first (``api.plan.lookback``)."""

    @model_validator(mode="before")
    @classmethod
    def _count_rectification_of_older_states(cls, data: Any) -> Any:
        # States stored before the count existed hold at most their latest rectification.
        if (
            isinstance(data, dict)
            and data.get("rectification")
            and not data.get("rectification_count")
        ):
            return data | {"rectification_count": 1}
        return data


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
    return {
        "status": _S.RECTIFIED,
        "rectification": done,
        "rectification_count": t.rectification_count + 1,
    }


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


def _look_back(t: TicketState, a: LookBack, actor: str, now: datetime) -> Changes:
    number = max(t.rectification_count, 1)
    if any(r.round == a.round and r.rectification == number for r in t.look_backs):
        raise ValidationFailedError(
            "round", f"ticket {t.id}: round {a.round} after rectification {number} is recorded"
        )
    record = LookBackRecord(
        round=a.round,
        due_at=a.due_at,
        checked_at=a.checked_at,
        outcome=a.outcome,
        by=actor,
        rectification=number,
        note=a.note,
    )
    changes: Changes = {"look_backs": (*t.look_backs, record)}
    if a.outcome is LookBackOutcome.BACK:
        # Reopened: the squad holds it again and time to rectify runs from the check.
        return changes | {
            "status": _S.DISPATCHED,
            "dispatched_at": a.checked_at,
            "deadline": a.deadline,
            "closed_at": None,
        }
    if t.status is _S.RECTIFIED:
        return changes | {"status": _S.CLOSED, "closed_at": a.checked_at}
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
    "look_back": _look_back,
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
