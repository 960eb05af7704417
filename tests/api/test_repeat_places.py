"""Repeat places (pure): threshold problems of one type at one key point within the window,
counted from confirmed tickets and from look-backs that found the violation back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.reports.repeat_places import (
    Problem,
    ProblemSource,
    look_back_problems,
    repeat_places,
)

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)


def _problem(
    ticket: str, days: float, *, place: str = "hospital-1", kind: str = "clutter"
) -> Problem:
    return Problem(ticket, place, kind, T0 + timedelta(days=days))


def _found(problems: list[Problem], start_days: float, end_days: float) -> list[tuple[str, ...]]:
    places = repeat_places(
        problems,
        threshold=3,
        window=WINDOW,
        start=T0 + timedelta(days=start_days),
        end=T0 + timedelta(days=end_days),
    )
    return [(p.key_point, p.type, str(p.count), *p.tickets) for p in places]


@pytest.mark.parametrize(
    ("days", "start", "end", "expected"),
    [
        # Three within 30 days, asked at the third: a repeat place.
        ((0, 10, 20), 20, 20, [("hospital-1", "clutter", "3", "T-1", "T-2", "T-3")]),
        # Exactly 30 days from first to third: both window ends are included.
        ((0, 15, 30), 30, 30, [("hospital-1", "clutter", "3", "T-1", "T-2", "T-3")]),
        # A second more than 30 days: the first has left the window.
        ((0, 15, 30.00001), 30.00001, 30.00001, []),
        # Asked before the third happened: only two so far.
        ((0, 10, 20), 19, 19, []),
        # Asked 30 days after the first, the three are still in the window...
        ((0, 10, 20), 30, 30, [("hospital-1", "clutter", "3", "T-1", "T-2", "T-3")]),
        # ...and a moment later the first has left it.
        ((0, 10, 20), 30.001, 30.001, []),
        # A span: the place was a repeat place at its start (cluster before the span).
        ((0, 10, 20), 25, 40, [("hospital-1", "clutter", "3", "T-1", "T-2", "T-3")]),
        # A span that begins after the cluster left the window: nothing.
        ((0, 10, 20), 31, 60, []),
        # Two clusters of two, 40 days apart: never three at once.
        ((0, 5, 45, 50), 0, 60, []),
        # Four in the window: the count is the most any window held.
        (
            (0, 1, 2, 3),
            0,
            10,
            [("hospital-1", "clutter", "4", "T-1", "T-2", "T-3", "T-4")],
        ),
    ],
)
def test_the_window_and_its_edges(
    days: tuple[float, ...], start: float, end: float, expected: list[tuple[str, ...]]
) -> None:
    problems = [_problem(f"T-{n}", day) for n, day in enumerate(days, start=1)]
    assert _found(problems, start, end) == expected


def test_places_and_types_are_counted_apart() -> None:
    problems = [
        _problem("T-1", 0),
        _problem("T-2", 1),
        _problem("T-3", 2, kind="stall"),
        _problem("T-4", 3, place="school-2"),
        _problem("T-5", 4, place="school-2"),
        _problem("T-6", 5, place="school-2"),
    ]
    assert _found(problems, 5, 5) == [("school-2", "clutter", "3", "T-4", "T-5", "T-6")]


def test_a_look_back_that_finds_the_violation_back_is_one_more_problem() -> None:
    state = {
        "look_backs": [
            {"round": 1, "checked_at": (T0 + timedelta(days=2)).isoformat(), "outcome": "back"},
            {"round": 2, "checked_at": (T0 + timedelta(days=9)).isoformat(), "outcome": "clear"},
        ]
    }
    reopened = look_back_problems("T-1", "hospital-1", "clutter", state)
    assert reopened == [
        Problem("T-1", "hospital-1", "clutter", T0 + timedelta(days=2), ProblemSource.LOOK_BACK)
    ]
    problems = [_problem("T-1", 0), *reopened, _problem("T-2", 5)]
    # Two tickets, three problems: the reopening counts at the place.
    assert _found(problems, 5, 5) == [("hospital-1", "clutter", "3", "T-1", "T-2")]
    assert _found([_problem("T-1", 0), _problem("T-2", 5)], 5, 5) == []


@pytest.mark.parametrize(
    "state",
    [
        {},
        None,
        {"look_backs": "nonsense"},
        {"look_backs": [{"outcome": "back"}]},
        {"look_backs": [{"outcome": "back", "checked_at": "not a time"}]},
        {"look_backs": [{"outcome": "back", "checked_at": "2026-11-01T10:00:00"}]},  # naive
    ],
)
def test_unreadable_look_backs_are_skipped(state: object) -> None:
    assert look_back_problems("T-1", "hospital-1", "clutter", state) == []


def test_an_end_before_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before start"):
        repeat_places([], threshold=3, window=WINDOW, start=T0, end=T0 - timedelta(days=1))
