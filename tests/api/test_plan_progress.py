"""Progress against the plan's targets: met, short, warning and open, at period boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.plan.model import Metric, Plan
from api.plan.progress import PlanFacts, Status, TargetProgress, progress, status_of

PLAN = Plan.model_validate(
    {
        "year": 2026,
        "warn_days_before_end": 3,
        "targets": [
            {"metric": "street_inspections", "period": "week", "at_least": 2},
            {"metric": "problems_rectified", "period": "month", "at_least": 16},
            {"metric": "problems_rectified", "period": "quarter", "at_least": 40},
        ],
    }
)
INSPECTIONS, RECTIFIED = Metric.STREET_INSPECTIONS, Metric.PROBLEMS_RECTIFIED
MET, SHORT, WARNING, OPEN = Status.MET, Status.SHORT, Status.WARNING, Status.OPEN


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def row(
    rows: list[TargetProgress], metric: Metric, label: str, squad: str
) -> TargetProgress | None:
    found = [r for r in rows if (r.metric, r.label, r.squad) == (metric, label, squad)]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize(
    ("metric", "label", "count", "now", "status"),
    [
        # February 2026 ends at Feb 28 16:00 UTC (Mar 1 00:00 Shanghai); warn from Feb 25 16:00.
        (RECTIFIED, "2026-02", 16, utc(2026, 2, 10), MET),
        (RECTIFIED, "2026-02", 17, utc(2026, 3, 5), MET),
        (RECTIFIED, "2026-02", 15, utc(2026, 2, 10), OPEN),
        (RECTIFIED, "2026-02", 15, utc(2026, 2, 25, 15, 59), OPEN),
        (RECTIFIED, "2026-02", 15, utc(2026, 2, 25, 16), WARNING),  # exactly 3 days left
        (RECTIFIED, "2026-02", 0, utc(2026, 2, 28, 15, 59), WARNING),
        (RECTIFIED, "2026-02", 15, utc(2026, 2, 28, 16), SHORT),  # Mar 1 00:00 Shanghai
        (RECTIFIED, "2026-02", 0, utc(2026, 6, 1), SHORT),
        # Week 10 of 2026: Monday Mar 2 to Sunday Mar 8 (Shanghai), ends Mar 8 16:00 UTC.
        (INSPECTIONS, "2026-W10", 1, utc(2026, 3, 8, 15, 59), WARNING),  # Sunday 23:59
        (INSPECTIONS, "2026-W10", 1, utc(2026, 3, 8, 16), SHORT),  # Monday 00:00
        (INSPECTIONS, "2026-W10", 2, utc(2026, 3, 8, 16), MET),
        (INSPECTIONS, "2026-W10", 0, utc(2026, 3, 2), OPEN),
        (INSPECTIONS, "2026-W10", 0, utc(2026, 3, 5, 16), WARNING),  # Friday 00:00
        # Q1 ends Mar 31 16:00 UTC (Apr 1 00:00 Shanghai).
        (RECTIFIED, "2026-Q1", 39, utc(2026, 3, 31, 15, 59), WARNING),
        (RECTIFIED, "2026-Q1", 39, utc(2026, 3, 31, 16), SHORT),
        (RECTIFIED, "2026-Q1", 40, utc(2026, 3, 1), MET),
        (RECTIFIED, "2026-Q1", 10, utc(2026, 2, 1), OPEN),
    ],
)
def test_status_of_one_squad_and_period(
    metric: Metric, label: str, count: int, now: datetime, status: Status
) -> None:
    facts = PlanFacts(squads=["east", "west"], counts={(metric, "east", label): count})
    rows = progress(PLAN, facts, now)
    east = row(rows, metric, label, "east")
    assert east is not None
    assert (east.count, east.status, east.missing) == (count, status, max(0, east.at_least - count))
    west = row(rows, metric, label, "west")
    assert west is not None and west.count == 0 and west.status in {SHORT, WARNING, OPEN}


@pytest.mark.parametrize(
    ("now", "weeks", "months", "quarters"),
    [
        (utc(2025, 12, 1), 0, 0, 0),  # before the plan's year: nothing has begun
        (utc(2025, 12, 28, 15, 59), 0, 0, 0),
        (utc(2025, 12, 28, 16), 0, 0, 0),  # 2026-W01 has begun, but not the plan's year
        (utc(2025, 12, 31, 16), 1, 1, 1),  # Jan 1 00:00 Shanghai: 2026-W01 (from Dec 29) too
        (utc(2026, 3, 31, 16), 14, 4, 2),
        (utc(2026, 12, 31, 15, 59), 53, 12, 4),
        (utc(2027, 6, 1), 53, 12, 4),  # the year is over: every period, none more
    ],
)
def test_only_periods_begun_by_now_within_the_year(
    now: datetime, weeks: int, months: int, quarters: int
) -> None:
    rows = progress(PLAN, PlanFacts(squads=["east"]), now)
    by_target = [
        sum(1 for r in rows if (r.metric, r.period.value) == key)
        for key in ((INSPECTIONS, "week"), (RECTIFIED, "month"), (RECTIFIED, "quarter"))
    ]
    assert by_target == [weeks, months, quarters]


def test_rows_are_ordered_by_target_period_and_squad_and_counts_of_other_squads_ignored() -> None:
    facts = PlanFacts(
        squads=["west", "east"],
        counts={(RECTIFIED, "east", "2026-01"): 20, (RECTIFIED, "north", "2026-01"): 99},
    )
    rows = progress(PLAN, facts, utc(2026, 2, 10))
    months = [(r.label, r.squad, r.count, r.status) for r in rows if r.period.value == "month"]
    assert months == [
        ("2026-01", "east", 20, MET),
        ("2026-01", "west", 0, SHORT),
        ("2026-02", "east", 0, OPEN),
        ("2026-02", "west", 0, OPEN),
    ]
    assert all(r.start_utc.tzinfo is not None for r in rows)


@pytest.mark.parametrize(
    ("count", "now", "warn_days", "status"),
    [
        (0, utc(2026, 2, 28, 15, 59), 0, OPEN),  # no warning window at all
        (0, utc(2026, 2, 28, 16), 0, SHORT),
        (0, utc(2026, 2, 27, 16), 1, WARNING),
        (0, utc(2026, 2, 27, 15, 59), 1, OPEN),
        (1, utc(2026, 2, 28, 15, 59), 1, MET),
    ],
)
def test_status_of(count: int, now: datetime, warn_days: int, status: Status) -> None:
    end = utc(2026, 2, 28, 16)
    assert status_of(count, 1, end, now, timedelta(days=warn_days)) is status


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        progress(PLAN, PlanFacts(squads=[]), datetime(2026, 2, 1))
