"""What a squad must act on now, and how it is said: pure, at Asia/Shanghai period ends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.plan.model import Metric, PeriodKind, Plan, Target
from api.plan.progress import PlanFacts, progress
from api.services.plan_progress import grids, warnings

PLAN = Plan(
    year=2026,
    warn_days_before_end=3,
    targets=[
        Target(metric=Metric.STREET_INSPECTIONS, period=PeriodKind.WEEK, at_least=2),
        Target(metric=Metric.PROBLEMS_RECTIFIED, period=PeriodKind.QUARTER, at_least=40),
    ],
)
FACTS = PlanFacts(
    squads=["east"],
    counts={
        (Metric.STREET_INSPECTIONS, "east", "2026-W52"): 1,
        (Metric.STREET_INSPECTIONS, "east", "2026-W51"): 2,
        (Metric.PROBLEMS_RECTIFIED, "east", "2026-Q3"): 40,
        (Metric.PROBLEMS_RECTIFIED, "east", "2026-Q4"): 39,
    },
)


def _messages(now: datetime) -> list[str]:
    return [w.message for w in warnings(PLAN, progress(PLAN, FACTS, now), now)]


W52 = "east: street_inspections 2026-W52 1/2"
Q4 = "east: problems_rectified 2026-Q4 39/40"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Friday 12:00 in Shanghai: W52 ends Sunday night, 2.5 days away; Q4 is 6.5 days away.
        (datetime(2026, 12, 25, 4, tzinfo=UTC), [f"{W52}, ends in 2 days"]),
        # Sunday 23:59 in Shanghai (15:59 UTC): still the last day of W52.
        (datetime(2026, 12, 27, 15, 59, tzinfo=UTC), [f"{W52}, ends today"]),
        # Monday 00:00 in Shanghai: W52 ended short; W53 and Q4 end in more than 3 days.
        (datetime(2026, 12, 27, 16, 0, tzinfo=UTC), [f"{W52}, ended short"]),
        (datetime(2026, 12, 29, 4, tzinfo=UTC), [f"{Q4}, ends in 2 days", f"{W52}, ended short"]),
        (datetime(2026, 12, 30, 4, tzinfo=UTC), [f"{Q4}, ends tomorrow", f"{W52}, ended short"]),
        (datetime(2026, 12, 31, 4, tzinfo=UTC), [f"{Q4}, ends today", f"{W52}, ended short"]),
        # New Year's Day: Q4 ended short; 2026-W53 runs to Sunday January 3 and is still 2026's.
        (
            datetime(2027, 1, 1, 4, tzinfo=UTC),
            [
                "east: street_inspections 2026-W53 0/2, ends in 2 days",
                f"{W52}, ended short",
                f"{Q4}, ended short",
            ],
        ),
    ],
)
def test_warnings_soonest_end_first_then_the_latest_short_period(
    now: datetime, expected: list[str]
) -> None:
    assert _messages(now) == expected


def test_the_page_grid_keeps_the_most_recent_periods_oldest_first() -> None:
    now = datetime(2026, 12, 24, 4, tzinfo=UTC)
    weekly, quarterly = grids(PLAN, progress(PLAN, FACTS, now), recent=3)
    assert weekly.labels == ("2026-W50", "2026-W51", "2026-W52")
    cell = weekly.cell("east", "2026-W51")
    assert cell is not None and (cell.count, cell.status) == (2, "met")
    assert weekly.cell("west", "2026-W51") is None
    assert quarterly.labels == ("2026-Q2", "2026-Q3", "2026-Q4")
