"""Weeks, months and quarters in the Asia/Shanghai calendar, at their boundaries."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from api.plan.model import PeriodKind
from api.plan.periods import Period, period_of, periods_between, year_bounds

SHANGHAI = ZoneInfo("Asia/Shanghai")
W, M, Q = PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "kind", "start", "end", "label"),
    [
        # Sunday 2026-03-08 23:59 Shanghai is Sunday 15:59 UTC: still the week of Monday 03-02.
        (utc(2026, 3, 8, 15, 59), W, utc(2026, 3, 1, 16), utc(2026, 3, 8, 16), "2026-W10"),
        # Monday 00:00 Shanghai (Sunday 16:00 UTC) starts the next week.
        (utc(2026, 3, 8, 16), W, utc(2026, 3, 8, 16), utc(2026, 3, 15, 16), "2026-W11"),
        # The week of Monday 2025-12-29 is ISO week 1 of 2026.
        (utc(2025, 12, 30, 2), W, utc(2025, 12, 28, 16), utc(2026, 1, 4, 16), "2026-W01"),
        (utc(2026, 12, 31, 16, 30), W, utc(2026, 12, 27, 16), utc(2027, 1, 3, 16), "2026-W53"),
        # Jan 31 23:59 Shanghai vs Feb 1 00:00 Shanghai.
        (utc(2026, 1, 31, 15, 59), M, utc(2025, 12, 31, 16), utc(2026, 1, 31, 16), "2026-01"),
        (utc(2026, 1, 31, 16), M, utc(2026, 1, 31, 16), utc(2026, 2, 28, 16), "2026-02"),
        # February of the leap year 2028 has 29 days.
        (utc(2028, 2, 29, 15, 59), M, utc(2028, 1, 31, 16), utc(2028, 2, 29, 16), "2028-02"),
        (utc(2028, 2, 29, 16), M, utc(2028, 2, 29, 16), utc(2028, 3, 31, 16), "2028-03"),
        (utc(2026, 12, 31, 15, 59), M, utc(2026, 11, 30, 16), utc(2026, 12, 31, 16), "2026-12"),
        # Mar 31 23:59 Shanghai is Q1; Apr 1 00:00 Shanghai (Mar 31 16:00 UTC) is Q2.
        (utc(2026, 3, 31, 15, 59), Q, utc(2025, 12, 31, 16), utc(2026, 3, 31, 16), "2026-Q1"),
        (utc(2026, 3, 31, 16), Q, utc(2026, 3, 31, 16), utc(2026, 6, 30, 16), "2026-Q2"),
        # 2026-12-31 16:30 UTC is already 2027-01-01 00:30 in Shanghai.
        (utc(2026, 12, 31, 16, 30), Q, utc(2026, 12, 31, 16), utc(2027, 3, 31, 16), "2027-Q1"),
        (utc(2026, 12, 31, 16, 30), M, utc(2026, 12, 31, 16), utc(2027, 1, 31, 16), "2027-01"),
        (utc(2026, 12, 31, 15, 59), Q, utc(2026, 9, 30, 16), utc(2026, 12, 31, 16), "2026-Q4"),
    ],
)
def test_period_of_in_shanghai(
    moment: datetime, kind: PeriodKind, start: datetime, end: datetime, label: str
) -> None:
    assert period_of(moment, kind, SHANGHAI) == Period(start, end, label)


def test_period_of_accepts_any_aware_moment_and_refuses_naive_ones() -> None:
    beijing = timezone(timedelta(hours=8))
    local_monday = datetime(2026, 3, 9, 0, 0, tzinfo=beijing)
    assert period_of(local_monday, W, SHANGHAI).label == "2026-W11"
    with pytest.raises(ValueError, match="timezone-aware"):
        period_of(datetime(2026, 3, 9), W, SHANGHAI)


@pytest.mark.parametrize(
    ("kind", "count", "first", "last"),
    [(W, 53, "2026-W01", "2026-W53"), (M, 12, "2026-01", "2026-12"), (Q, 4, "2026-Q1", "2026-Q4")],
)
def test_periods_of_a_year_are_contiguous(
    kind: PeriodKind, count: int, first: str, last: str
) -> None:
    start, end = year_bounds(2026, SHANGHAI)
    assert (start, end) == (utc(2025, 12, 31, 16), utc(2026, 12, 31, 16))
    periods = periods_between(start, end, kind, SHANGHAI)
    assert len(periods) == count
    assert (periods[0].label, periods[-1].label) == (first, last)
    assert periods[0].start_utc <= start and periods[-1].end_utc >= end
    for before, after in itertools.pairwise(periods):
        assert before.end_utc == after.start_utc


@pytest.mark.parametrize(
    ("start", "end", "labels"),
    [
        (utc(2026, 1, 31, 15, 59), utc(2026, 1, 31, 16), ["2026-01"]),
        (utc(2026, 1, 31, 15, 59), utc(2026, 1, 31, 16, 1), ["2026-01", "2026-02"]),
        (utc(2026, 1, 31, 16), utc(2026, 1, 31, 16), []),
        (utc(2026, 3, 1), utc(2026, 2, 1), []),
    ],
)
def test_periods_between_is_half_open(start: datetime, end: datetime, labels: list[str]) -> None:
    assert [p.label for p in periods_between(start, end, M, SHANGHAI)] == labels


def test_other_time_zones_use_their_own_calendar() -> None:
    utc_zone = ZoneInfo("UTC")
    assert period_of(utc(2026, 12, 31, 16, 30), Q, utc_zone).label == "2026-Q4"
