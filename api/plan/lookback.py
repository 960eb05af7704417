"""Look back (回头看), pure: which rounds of a rectified ticket are due, and what a result does.

Round ``n`` of a rectification is due ``delays_days[n-1]`` days after it; once a later round's
time has come, an earlier one nobody checked is no longer listed (one look answers for both,
and a node that was off for a week does not look twice). A result is checked
against the ticket's state and the plan's rule and becomes a ``LookBack`` action for the life
cycle (``back`` reopens with a deadline ``reopen_deadline_days`` after the check), or ``None``
when it repeats a result already recorded (a detector resending after a lost answer).

A round nobody checked within ``STALE_AFTER`` of its due time drops off the due list: a look
that late says nothing about the rectification (and tickets closed before look-backs existed
would otherwise be due forever). It can still be recorded by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api.domain import (
    DomainError,
    LookBack,
    LookBackOutcome,
    TicketState,
    TicketStatus,
    ValidationFailedError,
    require_utc,
)
from api.plan.model import LookBackRule

STALE_AFTER = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a reported ``checked_at`` may lie (a node's clock running ahead)."""
LOOKED_BACK_AT = frozenset({TicketStatus.RECTIFIED, TicketStatus.CLOSED})


class LookBackConflictError(DomainError):
    """A result that does not fit the ticket now: not due, not in the plan, or a round already
    recorded with another outcome (HTTP 409)."""


@dataclass(frozen=True)
class DueRound:
    """A round of the ticket's latest rectification, due at ``due_at``."""

    round: int
    due_at: datetime
    delay_days: int
    rectification: int


@dataclass(frozen=True)
class LookBackResult:
    """What the camera (or a supervisor) saw in one round."""

    round: int
    outcome: LookBackOutcome
    checked_at: datetime
    note: str = ""


def schedule(state: TicketState, rule: LookBackRule) -> list[DueRound]:
    """Every round of the latest rectification; empty while the ticket is not rectified or
    closed (a reopened ticket waits for its next rectification)."""
    done = state.rectification
    if state.status not in LOOKED_BACK_AT or done is None:
        return []
    number = max(state.rectification_count, 1)
    return [
        DueRound(index, done.at + timedelta(days=days), days, number)
        for index, days in enumerate(rule.delays_days, start=1)
    ]


def due_rounds(state: TicketState, rule: LookBackRule, now: datetime) -> list[DueRound]:
    """The latest round whose time has come, unless it is recorded or stale (an empty list or
    one round): one look now answers for any earlier round nobody checked in time."""
    now = require_utc(now, "now")
    passed = [due for due in schedule(state, rule) if due.due_at <= now]
    if not passed:
        return []
    latest = passed[-1]
    recorded = any(
        r.rectification == latest.rectification and r.round == latest.round
        for r in state.look_backs
    )
    return [] if recorded or now >= latest.due_at + STALE_AFTER else [latest]


def _recorded(state: TicketState, result: LookBackResult) -> LookBackOutcome | None:
    """The outcome already on record for this result's round, if any."""
    number = max(state.rectification_count, 1)
    for record in state.look_backs:
        same_round = record.round == result.round
        if same_round and (
            record.rectification == number or record.checked_at == result.checked_at
        ):
            return record.outcome
    return None


def decide(
    state: TicketState, result: LookBackResult, rule: LookBackRule, now: datetime
) -> LookBack | None:
    """The action that records ``result``, or ``None`` when the same outcome is on record.

    Raises ``LookBackConflictError`` (another outcome on record, a round the plan lacks, a
    ticket not rectified, a check before the round was due) and ``ValidationFailedError`` (a
    check in the future).
    """
    now, checked_at = require_utc(now, "now"), require_utc(result.checked_at, "checked_at")
    recorded = _recorded(state, result)
    if recorded is result.outcome:
        return None
    if recorded is not None:
        raise LookBackConflictError(
            f"ticket {state.id}: round {result.round} is already recorded as {recorded.value}"
        )
    if checked_at > now + CLOCK_SKEW:
        raise ValidationFailedError(
            "checked_at", f"{checked_at.isoformat()} is in the future (now {now.isoformat()})"
        )
    rounds = schedule(state, rule)
    if not rounds:
        raise LookBackConflictError(
            f"ticket {state.id} is {state.status.value}: look-backs follow a rectification"
        )
    if result.round > len(rounds):
        raise LookBackConflictError(
            f"ticket {state.id}: the plan has {len(rounds)} look-back rounds, not {result.round}"
        )
    due = rounds[result.round - 1]
    if checked_at < due.due_at:
        raise LookBackConflictError(
            f"ticket {state.id}: round {due.round} is due at {due.due_at.isoformat()}, "
            f"checked at {checked_at.isoformat()} is too early"
        )
    back = result.outcome is LookBackOutcome.BACK
    return LookBack(
        round=due.round,
        outcome=result.outcome,
        checked_at=checked_at,
        due_at=due.due_at,
        deadline=checked_at + timedelta(days=rule.reopen_deadline_days) if back else None,
        note=result.note,
    )
