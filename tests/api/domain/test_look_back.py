"""Look back (回头看): which rounds are due, what a result does to the ticket, resends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from api.domain import (
    Action,
    Confirm,
    Dispatch,
    LookBack,
    LookBackOutcome,
    Rectify,
    Reinspect,
    ReinspectOutcome,
    TicketState,
    TicketStatus,
    ValidationFailedError,
    apply,
)
from api.plan.lookback import (
    STALE_AFTER,
    LookBackConflictError,
    LookBackResult,
    decide,
    due_rounds,
)
from api.plan.model import LookBackRule, Plan

S = TicketStatus
BACK, CLEAR = LookBackOutcome.BACK, LookBackOutcome.CLEAR
RAISED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
RECTIFIED_AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)
RULE = LookBackRule()  # rounds 1 and 7 days after each rectification, 3 days to rectify again


def _rectified() -> TicketState:
    """A ticket confirmed, dispatched and rectified at ``RECTIFIED_AT``."""
    ticket = TicketState(id="T-5", violation_type="stall", raised_at=RAISED)
    steps: list[tuple[Action, datetime]] = [
        (Confirm(), RAISED + timedelta(hours=1)),
        (Dispatch(squad="east", deadline=RAISED + 3 * DAY), RAISED + timedelta(hours=2)),
        (Rectify(photo_ref="p/after.jpg", note="已清理"), RECTIFIED_AT),
    ]
    for action, at in steps:
        ticket = apply(ticket, action, actor="li", now=at)
    return ticket


def _record(
    ticket: TicketState, round_: int, outcome: LookBackOutcome, at: datetime
) -> TicketState:
    action = decide(ticket, LookBackResult(round_, outcome, at), RULE, at)
    assert action is not None
    return apply(ticket, action, actor="node:east-1", now=at)


def _rounds(ticket: TicketState, now: datetime) -> list[tuple[int, datetime, int]]:
    return [(d.round, d.due_at, d.rectification) for d in due_rounds(ticket, RULE, now)]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(RECTIFIED_AT + DAY - timedelta(seconds=1), [], id="just-before-round-1"),
        pytest.param(RECTIFIED_AT + DAY, [(1, RECTIFIED_AT + DAY, 1)], id="round-1-on-time"),
        pytest.param(RECTIFIED_AT + 6 * DAY, [(1, RECTIFIED_AT + DAY, 1)], id="round-1-late"),
        pytest.param(
            RECTIFIED_AT + 7 * DAY, [(2, RECTIFIED_AT + 7 * DAY, 1)], id="round-2-replaces-1"
        ),
        pytest.param(RECTIFIED_AT + 7 * DAY + STALE_AFTER, [], id="round-2-stale"),
    ],
)
def test_rounds_fall_due_after_the_plan_delays(
    now: datetime, expected: list[tuple[int, datetime, int]]
) -> None:
    assert _rounds(_rectified(), now) == expected


@pytest.mark.parametrize(
    "status", [S.PENDING_REVIEW, S.CONFIRMED, S.DISPATCHED, S.REJECTED, S.MERGED]
)
def test_nothing_is_due_before_a_rectification_or_after_a_reopen(status: TicketStatus) -> None:
    ticket = TicketState(id="T-5", status=status, violation_type="stall", raised_at=RAISED)
    assert _rounds(ticket, RAISED + 30 * DAY) == []


def test_clear_closes_then_back_in_round_2_reopens_with_the_plan_deadline() -> None:
    first = RECTIFIED_AT + DAY + timedelta(hours=3)
    ticket = _record(_rectified(), 1, CLEAR, first)
    assert (ticket.status, ticket.closed_at) == (S.CLOSED, first)
    assert _rounds(ticket, RECTIFIED_AT + 7 * DAY) == [(2, RECTIFIED_AT + 7 * DAY, 1)]
    second = RECTIFIED_AT + 7 * DAY + timedelta(hours=1)
    ticket = _record(ticket, 2, BACK, second)
    assert ticket.status is S.DISPATCHED
    assert (ticket.deadline, ticket.dispatched_at, ticket.closed_at) == (
        second + 3 * DAY,
        second,
        None,
    )
    assert [
        (r.round, r.outcome, r.checked_at, r.rectification, r.by) for r in ticket.look_backs
    ] == [
        (1, CLEAR, first, 1, "node:east-1"),
        (2, BACK, second, 1, "node:east-1"),
    ]
    assert ticket.look_backs[1].due_at == RECTIFIED_AT + 7 * DAY


def test_rounds_start_again_after_the_reopened_ticket_is_rectified_anew() -> None:
    back_at = RECTIFIED_AT + DAY + timedelta(hours=1)
    ticket = _record(_rectified(), 1, BACK, back_at)
    assert _rounds(ticket, back_at + 30 * DAY) == []  # waits for the squad
    again = back_at + timedelta(hours=5)
    ticket = apply(ticket, Rectify(photo_ref="p/2.jpg", note="再次清理"), actor="li", now=again)
    assert ticket.rectification_count == 2
    assert _rounds(ticket, again + DAY) == [(1, again + DAY, 2)]
    ticket = _record(ticket, 1, CLEAR, again + DAY)
    assert ticket.status is S.CLOSED
    assert [(r.round, r.rectification, r.outcome) for r in ticket.look_backs] == [
        (1, 1, BACK),
        (1, 2, CLEAR),
    ]


def test_closed_by_a_passed_reinspection_is_still_looked_back_at() -> None:
    at = RECTIFIED_AT + timedelta(hours=2)
    ticket = apply(_rectified(), Reinspect(outcome=ReinspectOutcome.PASSED), actor="w", now=at)
    assert _rounds(ticket, RECTIFIED_AT + DAY) == [(1, RECTIFIED_AT + DAY, 1)]
    ticket = _record(ticket, 1, CLEAR, RECTIFIED_AT + DAY)
    assert (ticket.status, ticket.closed_at) == (S.CLOSED, at)  # closed stays closed, as it was


@pytest.mark.parametrize(
    ("recorded", "sent", "expected"),
    [
        pytest.param(CLEAR, (1, CLEAR, 0), None, id="identical-resend"),
        pytest.param(CLEAR, (1, CLEAR, 3600), None, id="same-outcome-later-check"),
        pytest.param(BACK, (1, BACK, 0), None, id="resend-after-reopen"),
        pytest.param(CLEAR, (1, BACK, 0), "already recorded as clear", id="other-outcome"),
        pytest.param(BACK, (1, CLEAR, 0), "already recorded as back", id="other-after-reopen"),
        pytest.param(BACK, (2, CLEAR, 6 * 86400), "is dispatched", id="round-2-after-reopen"),
    ],
)
def test_a_round_already_recorded(
    recorded: LookBackOutcome, sent: tuple[int, LookBackOutcome, int], expected: str | None
) -> None:
    at = RECTIFIED_AT + DAY
    ticket = _record(_rectified(), 1, recorded, at)
    round_, outcome, later_s = sent
    result = LookBackResult(round_, outcome, at + timedelta(seconds=later_s))
    if expected is None:
        assert decide(ticket, result, RULE, at + 7 * DAY) is None
        return
    with pytest.raises(LookBackConflictError, match=expected):
        decide(ticket, result, RULE, at + 7 * DAY)


def test_an_old_resend_after_a_new_rectification_is_still_recognised() -> None:
    back_at = RECTIFIED_AT + DAY
    ticket = _record(_rectified(), 1, BACK, back_at)
    again = back_at + timedelta(hours=5)
    ticket = apply(ticket, Rectify(photo_ref="p/2.jpg", note="再次清理"), actor="li", now=again)
    assert decide(ticket, LookBackResult(1, BACK, back_at), RULE, again + DAY) is None


@pytest.mark.parametrize(
    ("round_", "checked_at", "message"),
    [
        pytest.param(1, RECTIFIED_AT + DAY - timedelta(seconds=1), "too early", id="early"),
        pytest.param(2, RECTIFIED_AT + 3 * DAY, "round 2 is due at", id="round-2-early"),
        pytest.param(3, RECTIFIED_AT + 30 * DAY, "the plan has 2 look-back rounds", id="round-3"),
    ],
)
def test_results_that_do_not_fit_the_plan_conflict(
    round_: int, checked_at: datetime, message: str
) -> None:
    result = LookBackResult(round_, CLEAR, checked_at)
    with pytest.raises(LookBackConflictError, match=message):
        decide(_rectified(), result, RULE, RECTIFIED_AT + 40 * DAY)


def test_a_check_in_the_future_is_refused() -> None:
    now = RECTIFIED_AT + 2 * DAY
    result = LookBackResult(1, CLEAR, now + timedelta(minutes=6))
    with pytest.raises(ValidationFailedError, match=r"^checked_at: .* is in the future"):
        decide(_rectified(), result, RULE, now)
    assert decide(_rectified(), LookBackResult(1, CLEAR, now + timedelta(minutes=4)), RULE, now)


def test_a_pending_ticket_has_no_look_back() -> None:
    ticket = TicketState(id="T-5", violation_type="stall", raised_at=RAISED)
    with pytest.raises(LookBackConflictError, match="is pending_review: look-backs follow"):
        decide(ticket, LookBackResult(1, CLEAR, RAISED + DAY), RULE, RAISED + 2 * DAY)


def test_the_life_cycle_refuses_the_same_round_twice() -> None:
    at = RECTIFIED_AT + DAY
    action = LookBack(round=1, outcome=CLEAR, checked_at=at, due_at=at)
    ticket = apply(_rectified(), action, actor="w", now=at)
    with pytest.raises(ValidationFailedError, match=r"^round: ticket T-5: round 1 after"):
        apply(ticket, action, actor="w", now=at)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"outcome": "back"}, id="back-without-deadline"),
        pytest.param({"outcome": "clear", "deadline": "2026-03-08T00:00:00Z"}, id="clear-deadline"),
        pytest.param({"outcome": "gone"}, id="unknown-outcome"),
        pytest.param({"outcome": "clear", "round": 0}, id="round-0"),
        pytest.param({"outcome": "clear", "checked_at": "2026-03-04T02:00:00"}, id="naive"),
    ],
)
def test_malformed_look_backs_are_refused(data: dict[str, Any]) -> None:
    values = {"round": 1, "checked_at": "2026-03-04T02:00:00Z", "due_at": "2026-03-04T02:00:00Z"}
    with pytest.raises(ValidationError):
        LookBack.model_validate(values | data)


def test_states_stored_before_the_count_had_one_rectification() -> None:
    stored = _rectified().model_dump(mode="json")
    del stored["rectification_count"], stored["look_backs"]
    assert TicketState.model_validate(stored).rectification_count == 1


@pytest.mark.parametrize(
    ("yaml_value", "problem"),
    [
        pytest.param({"delays_days": [7, 1]}, "strictly increasing", id="decreasing"),
        pytest.param({"delays_days": [1, 1]}, "strictly increasing", id="repeated"),
        pytest.param({"delays_days": []}, "at least 1", id="empty"),
        pytest.param({"delays_days": [1, 2, 3, 4, 5, 6]}, "at most 5", id="six"),
        pytest.param({"delays_days": [0]}, "greater than or equal to 1", id="zero"),
        pytest.param({"delays_days": [91]}, "less than or equal to 90", id="91"),
        pytest.param({"reopen_deadline_days": 61}, "less than or equal to 60", id="reopen-61"),
        pytest.param({"every": 2}, "Extra inputs", id="unknown-field"),
    ],
)
def test_the_plan_rule_is_checked(yaml_value: dict[str, Any], problem: str) -> None:
    plan = {"year": 2026, "targets": [{"metric": "video_checks", "period": "month", "at_least": 1}]}
    with pytest.raises(ValidationError, match=problem):
        Plan.model_validate(plan | {"look_back": yaml_value})


def test_the_plan_default_rule_is_next_day_and_a_week_later() -> None:
    plan = Plan.model_validate(
        {"year": 2026, "targets": [{"metric": "video_checks", "period": "month", "at_least": 1}]}
    )
    assert (plan.look_back.delays_days, plan.look_back.reopen_deadline_days) == ([1, 7], 3)
