"""The ticket life cycle: every status × action pair, the happy path and every refusal."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from api.domain import (
    ACTION_NAMES,
    Action,
    Confirm,
    Dispatch,
    LookBack,
    LookBackOutcome,
    Merge,
    Reclassify,
    Rectify,
    Reinspect,
    ReinspectOutcome,
    Reject,
    RejectReason,
    TicketState,
    TicketStatus,
    TransitionRefusedError,
    ValidationFailedError,
    allowed_actions,
    apply,
    parse_action,
)

S = TicketStatus
NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)

# One valid instance of each action, fit for the ticket ``_ticket`` builds.
SAMPLE_ACTIONS: dict[str, Action] = {
    "confirm": Confirm(),
    "reject": Reject(reason=RejectReason.FALSE_DETECTION),
    "dispatch": Dispatch(squad="一中队", deadline=TOMORROW),
    "rectify": Rectify(photo_ref="photos/T-1/after.jpg", note="摊位已清理"),
    "reinspect": Reinspect(outcome=ReinspectOutcome.PASSED),
    "look_back": LookBack(
        round=1, outcome=LookBackOutcome.CLEAR, checked_at=NOW, due_at=NOW - timedelta(hours=1)
    ),
    "reclassify": Reclassify(violation_type="out_of_store"),
    "merge": Merge(into="T-2"),
}

# Written out by hand, not derived from ALLOWED_FROM: the expected life cycle, status after.
EXPECTED: dict[tuple[TicketStatus, str], TicketStatus] = {
    (S.PENDING_REVIEW, "confirm"): S.CONFIRMED,
    (S.PENDING_REVIEW, "reject"): S.REJECTED,
    (S.PENDING_REVIEW, "reclassify"): S.PENDING_REVIEW,
    (S.PENDING_REVIEW, "merge"): S.MERGED,
    (S.CONFIRMED, "dispatch"): S.DISPATCHED,
    (S.CONFIRMED, "reclassify"): S.CONFIRMED,
    (S.CONFIRMED, "merge"): S.MERGED,
    (S.DISPATCHED, "rectify"): S.RECTIFIED,
    (S.DISPATCHED, "reclassify"): S.DISPATCHED,
    (S.RECTIFIED, "reinspect"): S.CLOSED,
    (S.RECTIFIED, "look_back"): S.CLOSED,
    (S.CLOSED, "look_back"): S.CLOSED,
    (S.RECTIFIED, "reclassify"): S.RECTIFIED,
    (S.REINSPECTED, "reclassify"): S.REINSPECTED,
}

PAIRS = list(itertools.product(TicketStatus, ACTION_NAMES))


def _ticket(status: TicketStatus = S.PENDING_REVIEW, **fields: Any) -> TicketState:
    return TicketState(
        id="T-1",
        status=status,
        violation_type="stall",
        raised_at=NOW - timedelta(hours=1),
        **fields,
    )


def test_matrix_covers_every_status_and_action() -> None:
    assert len(PAIRS) == len(TicketStatus) * len(ACTION_NAMES) == 64
    assert set(SAMPLE_ACTIONS) == set(ACTION_NAMES)


@pytest.mark.parametrize(
    ("status", "name"),
    [pair for pair in PAIRS if pair in EXPECTED],
    ids=lambda v: str(v),
)
def test_allowed_transition_gives_expected_status(status: TicketStatus, name: str) -> None:
    before = _ticket(status, version=4)
    after = apply(before, SAMPLE_ACTIONS[name], actor="reviewer-7", now=NOW)
    assert after.status is EXPECTED[(status, name)]
    assert (after.version, after.updated_at, after.updated_by) == (5, NOW, "reviewer-7")
    assert before.status is status and before.version == 4  # the input is never changed


@pytest.mark.parametrize(
    ("status", "name"),
    [pair for pair in PAIRS if pair not in EXPECTED],
    ids=lambda v: str(v),
)
def test_refused_transition_names_status_and_allowed_actions(
    status: TicketStatus, name: str
) -> None:
    allowed = [a for a in ACTION_NAMES if (status, a) in EXPECTED]
    with pytest.raises(TransitionRefusedError) as caught:
        apply(_ticket(status), SAMPLE_ACTIONS[name], actor="reviewer-7", now=NOW)
    message = str(caught.value)
    listed = ", ".join(allowed) if allowed else "none (final status)"
    assert message == f"ticket T-1 is {status.value}: cannot {name}; allowed actions: {listed}"
    assert caught.value.allowed == tuple(allowed)
    assert "\n" not in message


@pytest.mark.parametrize("status", list(TicketStatus), ids=str)
def test_allowed_actions_lists_the_life_cycle_in_order(status: TicketStatus) -> None:
    assert allowed_actions(status) == tuple(a for a in ACTION_NAMES if (status, a) in EXPECTED)


def test_full_life_with_a_failed_look_back() -> None:
    new_deadline = NOW + timedelta(days=3)
    steps: list[tuple[Action, TicketStatus]] = [
        (Confirm(), S.CONFIRMED),
        (Dispatch(squad="一中队", deadline=TOMORROW), S.DISPATCHED),
        (Rectify(photo_ref="p/1.jpg", note="已清理"), S.RECTIFIED),
        (Reinspect(outcome=ReinspectOutcome.FAILED, deadline=new_deadline), S.DISPATCHED),
        (Rectify(photo_ref="p/2.jpg", note="再次清理"), S.RECTIFIED),
        (Reinspect(outcome=ReinspectOutcome.PASSED, photo_ref="p/3.jpg"), S.CLOSED),
    ]
    ticket = _ticket()
    for minute, (action, status) in enumerate(steps):
        ticket = apply(ticket, action, actor="u", now=NOW + timedelta(minutes=minute))
        assert ticket.status is status
    closed_at = NOW + timedelta(minutes=5)
    assert ticket.version == 7
    assert (ticket.confirmed_at, ticket.confirmed_by) == (NOW, "u")
    assert (ticket.squad, ticket.deadline) == ("一中队", new_deadline)
    assert ticket.rectification is not None and ticket.rectification.photo_ref == "p/2.jpg"
    assert ticket.reinspection is not None
    assert ticket.reinspection.outcome is ReinspectOutcome.PASSED
    assert ticket.reinspection_count == 2
    assert ticket.closed_at == closed_at


def test_failed_look_back_keeps_the_deadline_when_none_is_given() -> None:
    ticket = _ticket(S.RECTIFIED, squad="二中队", deadline=NOW - timedelta(hours=2))
    after = apply(ticket, Reinspect(outcome=ReinspectOutcome.FAILED), actor="u", now=NOW)
    assert (after.status, after.deadline, after.reinspection_count) == (
        S.DISPATCHED,
        NOW - timedelta(hours=2),
        1,
    )


def test_reject_records_reason_and_note() -> None:
    action = Reject(reason=RejectReason.OTHER, note="  施工围挡，非违规  ")
    after = apply(_ticket(), action, actor="u", now=NOW)
    assert (after.reject_reason, after.reject_note) == (RejectReason.OTHER, "施工围挡，非违规")


def test_merge_and_reclassify_record_their_values() -> None:
    merged = apply(_ticket(S.CONFIRMED), Merge(into="T-9"), actor="u", now=NOW)
    assert (merged.status, merged.merged_into) == (S.MERGED, "T-9")
    moved = apply(_ticket(), Reclassify(violation_type="clutter"), actor="u", now=NOW)
    assert moved.violation_type == "clutter"


def test_deadline_in_another_zone_is_stored_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    action = Dispatch(squad="一中队", deadline=datetime(2025, 6, 2, 18, 0, tzinfo=beijing))
    after = apply(_ticket(S.CONFIRMED), action, actor="u", now=NOW)
    assert after.deadline == datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    assert after.deadline is not None and after.deadline.tzinfo is UTC


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"action": "reject", "reason": "other"}, id="other-without-note"),
        pytest.param({"action": "reject", "reason": "other", "note": "   "}, id="other-blank"),
        pytest.param({"action": "reject", "reason": "bored"}, id="unknown-reason"),
        pytest.param({"action": "dispatch", "squad": "一中队"}, id="no-deadline"),
        pytest.param(
            {"action": "dispatch", "squad": "一中队", "deadline": "2025-06-02T08:00:00"},
            id="naive-deadline",
        ),
        pytest.param(
            {"action": "dispatch", "squad": " ", "deadline": "2025-06-02T08:00:00Z"},
            id="blank-squad",
        ),
        pytest.param({"action": "rectify", "photo_ref": "p.jpg"}, id="rectify-without-note"),
        pytest.param({"action": "rectify", "photo_ref": "", "note": "x"}, id="no-photo"),
        pytest.param(
            {"action": "reinspect", "outcome": "pass", "deadline": "2025-06-02T08:00:00Z"},
            id="deadline-on-pass",
        ),
        pytest.param({"action": "reinspect", "outcome": "maybe"}, id="unknown-outcome"),
        pytest.param({"action": "reclassify", "violation_type": "Stall!"}, id="bad-code"),
        pytest.param({"action": "merge", "into": ""}, id="merge-into-nothing"),
        pytest.param({"action": "confirm", "extra": 1}, id="extra-field"),
        pytest.param({"action": "delete"}, id="unknown-action"),
        pytest.param({"note": "x"}, id="no-action"),
    ],
)
def test_malformed_actions_are_refused_by_the_models(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_action(data)


def test_parse_action_picks_the_class() -> None:
    action = parse_action({"action": "merge", "into": " T-2 "})
    assert action == Merge(into="T-2")


@pytest.mark.parametrize(
    ("ticket", "action", "field"),
    [
        pytest.param(
            _ticket(S.CONFIRMED),
            Dispatch(squad="一中队", deadline=NOW - timedelta(seconds=1)),
            "deadline",
            id="deadline-in-past",
        ),
        pytest.param(
            _ticket(S.CONFIRMED),
            Dispatch(squad="一中队", deadline=NOW),
            "deadline",
            id="deadline-now",
        ),
        pytest.param(
            _ticket(S.RECTIFIED),
            Reinspect(outcome=ReinspectOutcome.FAILED, deadline=NOW - timedelta(days=1)),
            "deadline",
            id="new-deadline-in-past",
        ),
        pytest.param(_ticket(), Merge(into="T-1"), "into", id="merge-into-itself"),
        pytest.param(
            _ticket(S.CONFIRMED), Merge(into=" T-1 "), "into", id="merge-into-itself-spaced"
        ),
        pytest.param(
            _ticket(), Reclassify(violation_type="stall"), "violation_type", id="same-type"
        ),
    ],
)
def test_actions_that_do_not_fit_the_ticket_or_moment(
    ticket: TicketState, action: Action, field: str
) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        apply(ticket, action, actor="u", now=NOW)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_naive_now_and_empty_actor_are_refused() -> None:
    with pytest.raises(ValidationFailedError, match=r"^now: naive datetime"):
        apply(_ticket(), Confirm(), actor="u", now=NOW.replace(tzinfo=None))
    with pytest.raises(ValidationFailedError, match=r"^actor: empty"):
        apply(_ticket(), Confirm(), actor="  ", now=NOW)


def test_ticket_state_is_frozen_and_refuses_naive_times() -> None:
    ticket = _ticket()
    with pytest.raises(ValidationError):
        ticket.status = S.CLOSED  # type: ignore[misc]
    with pytest.raises(ValidationError):
        TicketState(id="T-1", violation_type="stall", raised_at=datetime(2025, 6, 1))
    with pytest.raises(ValidationError):
        TicketState(id="T-1", violation_type="stall", raised_at=NOW, surprise=1)  # type: ignore[call-arg]
