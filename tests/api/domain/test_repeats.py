"""The repeat rule: 3 confirmed tickets of one type at one key point within 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.domain import (
    NewTicket,
    PastLookBack,
    PastTicket,
    Priority,
    RepeatVerdict,
    TicketStatus,
    assess_repeat,
)

S = TicketStatus
NEW = NewTicket(
    ticket_id="T-new",
    violation_type="stall",
    key_point_id="kp-school-1",
    raised_at=datetime(2025, 6, 30, 12, 0, tzinfo=UTC),
)


def _past(
    ago: timedelta,
    status: TicketStatus = S.CONFIRMED,
    *,
    violation_type: str = "stall",
    key_point_id: str = "kp-school-1",
    ticket_id: str | None = None,
) -> PastTicket:
    return PastTicket(
        ticket_id=ticket_id or f"T-{ago.total_seconds():.0f}-{status.value}",
        violation_type=violation_type,
        key_point_id=key_point_id,
        raised_at=NEW.raised_at - ago,
        status=status,
    )


DAY = timedelta(days=1)
TWO = [_past(1 * DAY), _past(2 * DAY)]

CASES: list[tuple[str, list[PastTicket], int]] = [
    ("none", [], 0),
    ("two-confirmed", TWO, 2),
    ("three-confirmed", [*TWO, _past(3 * DAY)], 3),
    ("four-confirmed", [*TWO, _past(3 * DAY), _past(4 * DAY)], 4),
    ("same-instant-counts", [*TWO, _past(timedelta(0))], 3),
    ("exactly-30-days-counts", [*TWO, _past(30 * DAY)], 3),
    ("30-days-and-1s-does-not", [*TWO, _past(30 * DAY + timedelta(seconds=1))], 2),
    ("31-days-does-not", [*TWO, _past(31 * DAY)], 2),
    ("after-the-new-ticket-does-not", [*TWO, _past(-timedelta(seconds=1))], 2),
    ("rejected-does-not", [*TWO, _past(3 * DAY, S.REJECTED)], 2),
    ("merged-does-not", [*TWO, _past(3 * DAY, S.MERGED)], 2),
    ("pending-review-does-not", [*TWO, _past(3 * DAY, S.PENDING_REVIEW)], 2),
    ("dispatched-counts", [*TWO, _past(3 * DAY, S.DISPATCHED)], 3),
    ("rectified-counts", [*TWO, _past(3 * DAY, S.RECTIFIED)], 3),
    ("reinspected-counts", [*TWO, _past(3 * DAY, S.REINSPECTED)], 3),
    ("closed-counts", [*TWO, _past(3 * DAY, S.CLOSED)], 3),
    ("other-key-point-does-not", [*TWO, _past(3 * DAY, key_point_id="kp-market-2")], 2),
    ("other-type-does-not", [*TWO, _past(3 * DAY, violation_type="clutter")], 2),
    ("the-new-ticket-itself-does-not", [*TWO, _past(timedelta(0), ticket_id="T-new")], 2),
]


@pytest.mark.parametrize(("history", "count"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_repeat_rule(history: list[PastTicket], count: int) -> None:
    verdict = assess_repeat(NEW, history)
    is_repeat = count >= 3
    priority = Priority.HIGH if is_repeat else Priority.NORMAL
    assert verdict == RepeatVerdict(is_repeat=is_repeat, count=count, priority=priority)


def test_threshold_and_window_can_be_tuned() -> None:
    history = [*TWO, _past(10 * DAY)]
    assert assess_repeat(NEW, history, window=timedelta(days=7)).count == 2
    assert assess_repeat(NEW, history, threshold=4).is_repeat is False


def test_history_may_be_any_iterable() -> None:
    assert assess_repeat(NEW, iter([*TWO, _past(3 * DAY)])).is_repeat is True


def _back(
    ago: timedelta,
    *,
    ticket_id: str = "T-old",
    violation_type: str = "stall",
    key_point_id: str = "kp-school-1",
) -> PastLookBack:
    return PastLookBack(
        ticket_id=ticket_id,
        violation_type=violation_type,
        key_point_id=key_point_id,
        checked_at=NEW.raised_at - ago,
    )


# A look-back that found the violation back counts as one more problem, at its check time.
LOOK_BACK_CASES: list[tuple[str, list[PastTicket], list[PastLookBack], int]] = [
    ("two-tickets-and-a-reopening", TWO, [_back(DAY)], 3),
    ("one-ticket-reopened-twice", TWO[:1], [_back(DAY), _back(2 * DAY)], 3),
    ("old-ticket-reopened-recently", [], [_back(DAY), _back(2 * DAY), _back(29 * DAY)], 3),
    ("check-31-days-ago-does-not", TWO, [_back(31 * DAY)], 2),
    ("check-after-the-new-ticket-does-not", TWO, [_back(-timedelta(seconds=1))], 2),
    ("other-place-does-not", TWO, [_back(DAY, key_point_id="kp-market-2")], 2),
    ("other-type-does-not", TWO, [_back(DAY, violation_type="clutter")], 2),
    ("the-new-ticket-itself-does-not", TWO, [_back(DAY, ticket_id="T-new")], 2),
]


@pytest.mark.parametrize(
    ("history", "look_backs", "count"),
    [c[1:] for c in LOOK_BACK_CASES],
    ids=[c[0] for c in LOOK_BACK_CASES],
)
def test_reopening_look_backs_count_as_problems(
    history: list[PastTicket], look_backs: list[PastLookBack], count: int
) -> None:
    verdict = assess_repeat(NEW, history, look_backs=look_backs)
    assert (verdict.count, verdict.is_repeat) == (count, count >= 3)
