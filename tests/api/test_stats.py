"""The dashboard's aggregation, table by table: plain values in, numbers out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.domain import ValidationFailedError
from api.services.stats import (
    DayRange,
    TicketFacts,
    aggregate,
    facts_of,
    parse_range,
    percentile,
    precision,
    shanghai_day,
)

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
WEEK = DayRange(date(2026, 11, 20), date(2026, 11, 26))
SQUADS = {"east": "东街中队", "west": "西街中队"}


def fact(
    status: str = "pending_review",
    *,
    squad: str = "east",
    type: str = "clutter",
    camera: str = "cam-1",
    raised: datetime = T0,
    confirm_h: float | None = None,
    dispatch_h: float | None = None,
    rectify_h: float | None = None,
) -> TicketFacts:
    def at(hours: float | None) -> datetime | None:
        return None if hours is None else raised + timedelta(hours=hours)

    return TicketFacts(
        squad=squad,
        type=type,
        camera=camera,
        status=status,
        raised_at=raised,
        confirmed_at=at(confirm_h),
        dispatched_at=at(dispatch_h),
        rectified_at=at(rectify_h),
    )


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 11, 26, 16, 30, tzinfo=UTC), date(2026, 11, 27)),
        (datetime(2026, 11, 26, 15, 59, 59, tzinfo=UTC), date(2026, 11, 26)),
        (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), date(2026, 11, 27)),
        (datetime(2026, 11, 27, 8, 0, tzinfo=UTC), date(2026, 11, 27)),
    ],
)
def test_days_are_shanghai_calendar_days(moment: datetime, day: date) -> None:
    assert shanghai_day(moment) == day


def test_a_ticket_at_1630_utc_counts_on_the_next_shanghai_day() -> None:
    late = fact(raised=datetime(2026, 11, 26, 16, 30, tzinfo=UTC))
    on_26 = aggregate([late], DayRange(date(2026, 11, 26), date(2026, 11, 26)), SQUADS)
    on_27 = aggregate([late], DayRange(date(2026, 11, 27), date(2026, 11, 27)), SQUADS)
    assert (on_26.totals.detected, on_27.totals.detected) == (0, 1)
    assert [(d.day, d.detected) for d in on_27.per_day] == [(date(2026, 11, 27), 1)]
    assert on_27.start_utc == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert on_27.end_utc == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("confirmed", "rejected", "expected"),
    [(0, 0, None), (3, 1, 0.75), (0, 2, 0.0), (5, 0, 1.0)],
)
def test_precision_is_null_when_nothing_was_reviewed(
    confirmed: int, rejected: int, expected: float | None
) -> None:
    assert precision(confirmed, rejected) == expected


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([2.0], 0.5, 2.0),
        ([2.0], 0.9, 2.0),
        ([3.0, 1.0], 0.5, 2.0),
        ([5.0, 1.0, 3.0], 0.5, 3.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 0.9, 10.0),
        ([0.0, 10.0], 0.9, 9.0),
    ],
)
def test_percentiles_interpolate_between_closest_ranks(
    values: list[float], fraction: float, expected: float | None
) -> None:
    assert percentile(values, fraction) == pytest.approx(expected)


STATUS_TABLE = [
    # statuses, detected, confirmed, rejected, reviewed, precision
    ([], 0, 0, 0, 0, None),
    (["pending_review", "pending_review"], 2, 0, 0, 0, None),
    (["confirmed", "dispatched", "rectified", "closed", "rejected"], 5, 4, 1, 5, 0.8),
    (["reinspected", "rejected", "pending_review"], 3, 1, 1, 2, 0.5),
    (["merged", "confirmed"], 1, 1, 0, 1, 1.0),  # a merged ticket is counted through its target
]


@pytest.mark.parametrize(
    ("statuses", "detected", "confirmed", "rejected", "reviewed", "share"), STATUS_TABLE
)
def test_statuses_count_as_confirmed_rejected_or_neither(
    statuses: list[str],
    detected: int,
    confirmed: int,
    rejected: int,
    reviewed: int,
    share: float | None,
) -> None:
    totals = aggregate([fact(s) for s in statuses], WEEK, SQUADS).totals
    assert (totals.detected, totals.confirmed, totals.rejected, totals.reviewed) == (
        detected,
        confirmed,
        rejected,
        reviewed,
    )
    assert totals.precision == share


def test_groups_per_squad_type_and_camera_type() -> None:
    facts = [
        fact("confirmed", squad="east", type="clutter", camera="cam-1"),
        fact("rejected", squad="east", type="clutter", camera="cam-1"),
        fact("pending_review", squad="east", type="stall", camera="cam-2"),
        fact("closed", squad="west", type="stall", camera="cam-3"),
    ]
    stats = aggregate(facts, WEEK, SQUADS | {"north": "北街中队"})
    squads = {s.squad: (s.name, s.detected, s.confirmed, s.rejected) for s in stats.per_squad}
    assert squads == {
        "east": ("东街中队", 3, 1, 1),
        "north": ("北街中队", 0, 0, 0),  # every squad is listed, even without tickets
        "west": ("西街中队", 1, 1, 0),
    }
    types = {t.type: (t.detected, t.confirmed, t.rejected) for t in stats.per_type}
    assert types == {"clutter": (2, 1, 1), "stall": (2, 1, 0)}
    cameras = {(c.camera, c.type): c.precision for c in stats.per_camera_type}
    assert cameras == {("cam-1", "clutter"): 0.5, ("cam-2", "stall"): None, ("cam-3", "stall"): 1}


def test_tickets_outside_the_range_are_left_out_and_every_day_is_listed() -> None:
    facts = [
        fact(raised=WEEK.start_utc - timedelta(seconds=1)),
        fact(raised=WEEK.start_utc),
        fact(raised=WEEK.start_utc + timedelta(days=2, hours=3)),
        fact(raised=WEEK.end_utc - timedelta(seconds=1)),
        fact(raised=WEEK.end_utc),
    ]
    stats = aggregate(facts, WEEK, SQUADS)
    assert stats.totals.detected == 3
    assert [d.detected for d in stats.per_day] == [1, 0, 1, 0, 0, 0, 1]
    assert stats.per_day[0].day == date(2026, 11, 20)


def test_times_to_confirm_and_to_rectify_in_hours() -> None:
    facts = [
        fact("confirmed", confirm_h=1),
        fact("dispatched", confirm_h=2, dispatch_h=3),  # not rectified yet
        fact("closed", confirm_h=6, dispatch_h=7, rectify_h=9),
        fact("rectified", confirm_h=3, dispatch_h=4, rectify_h=10),
        fact("rectified", confirm_h=3, dispatch_h=None, rectify_h=10),  # older: no dispatch time
        fact("dispatched", confirm_h=3, dispatch_h=12, rectify_h=10),  # sent back, due again
        fact("rejected"),
    ]
    times = aggregate(facts, WEEK, SQUADS).times
    assert times.to_confirm.count == 6
    assert times.to_confirm.median_h == pytest.approx(3.0)
    assert times.to_confirm.p90_h == pytest.approx(4.5)
    assert times.to_rectify.count == 2
    assert times.to_rectify.median_h == pytest.approx(4.0)
    assert times.to_rectify.p90_h == pytest.approx(5.6)


def test_no_tickets_gives_zeros_and_nulls() -> None:
    stats = aggregate([], DayRange(date(2026, 1, 1), date(2026, 1, 1)), SQUADS)
    assert stats.totals.detected == 0 and stats.totals.precision is None
    assert [s.detected for s in stats.per_squad] == [0, 0]
    assert stats.per_type == [] and stats.per_camera_type == []
    assert (stats.times.to_confirm.count, stats.times.to_confirm.median_h) == (0, None)
    assert [(d.day, d.detected) for d in stats.per_day] == [(date(2026, 1, 1), 0)]


@pytest.mark.parametrize(
    ("state", "confirmed", "dispatched", "rectified"),
    [
        ({}, None, None, None),
        (None, None, None, None),
        ({"confirmed_at": "2026-11-20T03:00:00Z"}, 1.0, None, None),
        (  # stored before dispatch times were recorded: no time to rectify
            {"confirmed_at": "2026-11-20T03:00:00Z", "rectification": {"at": "2026-11-20T09:00Z"}},
            1.0,
            None,
            7.0,
        ),
        (
            {
                "dispatched_at": "2026-11-20T12:00:00+08:00",
                "rectification": {"at": "2026-11-20T06:00Z"},
            },
            None,
            2.0,
            4.0,
        ),
    ],
)
def test_facts_come_from_the_stored_state(
    state: dict[str, object] | None,
    confirmed: float | None,
    dispatched: float | None,
    rectified: float | None,
) -> None:
    facts = facts_of("east", "clutter", "cam-1", "closed", T0, state)
    after = [
        None if moment is None else (moment - T0).total_seconds() / 3600
        for moment in (facts.confirmed_at, facts.dispatched_at, facts.rectified_at)
    ]
    assert after == [confirmed, dispatched, rectified]
    assert all(m is None or m.tzinfo == UTC for m in (facts.confirmed_at, facts.dispatched_at))


NOW = datetime(2026, 11, 27, 8, 41, tzinfo=UTC)


@pytest.mark.parametrize(
    ("from_text", "to_text", "first", "last"),
    [
        (None, None, date(2026, 10, 29), date(2026, 11, 27)),
        ("2026-11-01", "2026-11-03", date(2026, 11, 1), date(2026, 11, 3)),
        ("2026-11-27", "2026-11-27", date(2026, 11, 27), date(2026, 11, 27)),
        (None, "2026-02-10", date(2026, 1, 12), date(2026, 2, 10)),
        ("2025-11-27", "2026-11-27", date(2025, 11, 27), date(2026, 11, 27)),  # 366 days
    ],
)
def test_ranges_default_to_the_last_30_shanghai_days(
    from_text: str | None, to_text: str | None, first: date, last: date
) -> None:
    assert parse_range(from_text, to_text, NOW) == DayRange(first, last)


def test_late_evening_utc_is_already_tomorrow_in_shanghai() -> None:
    evening = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert parse_range(None, None, evening).last == date(2026, 11, 28)


@pytest.mark.parametrize(
    ("from_text", "to_text", "message"),
    [
        ("2026-13-01", "2026-12-01", "from: '2026-13-01' is not a calendar date"),
        ("yesterday", None, "from: 'yesterday' is not a date (YYYY-MM-DD)"),
        ("2026-11-01", "2026-11-1", "to: '2026-11-1' is not a date (YYYY-MM-DD)"),
        ("2026-11-05", "2026-11-04", "from: 2026-11-05 is after to (2026-11-04)"),
        ("2025-11-26", "2026-11-27", "from/to: 367 days asked for, at most 366 at once"),
    ],
)
def test_bad_ranges_are_refused_with_one_line(
    from_text: str | None, to_text: str | None, message: str
) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        parse_range(from_text, to_text, NOW)
    assert str(refused.value) == message
