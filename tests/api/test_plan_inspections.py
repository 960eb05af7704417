"""Inspections counted toward the plan's targets: periods in Asia/Shanghai, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from api.db.models import Inspection, KeyPoint, Squad
from api.plan.loader import count_inspections, load_facts
from api.plan.model import InspectionKind, Metric, Plan

PLAN = Plan.model_validate(
    {
        "year": 2026,
        "targets": [
            {"metric": "street_inspections", "period": "week", "at_least": 2},
            {"metric": "video_checks", "period": "month", "at_least": 50},
            {"metric": "video_checks", "period": "quarter", "at_least": 150},
            {"metric": "district_coverage", "period": "month", "at_least": 1},
        ],
    }
)
STREET, VIDEO, DISTRICT = InspectionKind.STREET, InspectionKind.VIDEO, InspectionKind.DISTRICT
ST, VC, DC = Metric.STREET_INSPECTIONS, Metric.VIDEO_CHECKS, Metric.DISTRICT_COVERAGE


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (what, kind, started_at UTC, the counts it makes)
CASES: list[tuple[str, InspectionKind, datetime, dict[tuple[Metric, str, str], int]]] = [
    # Sunday 2026-02-08 23:59 in Shanghai is still week 6; Monday 00:00 is week 7.
    ("sunday-23:59-shanghai", STREET, utc(2026, 2, 8, 15, 59), {(ST, "east", "2026-W06"): 1}),
    ("monday-00:00-shanghai", STREET, utc(2026, 2, 8, 16), {(ST, "east", "2026-W07"): 1}),
    # 2026-01-31 23:59 Shanghai is January; 16:00 UTC that day is February 1 in Shanghai.
    (
        "jan-31-23:59-shanghai",
        VIDEO,
        utc(2026, 1, 31, 15, 59),
        {(VC, "east", "2026-01"): 1, (VC, "east", "2026-Q1"): 1},
    ),
    (
        "feb-1-00:00-shanghai",
        VIDEO,
        utc(2026, 1, 31, 16),
        {(VC, "east", "2026-02"): 1, (VC, "east", "2026-Q1"): 1},
    ),
    # March 31 23:59 Shanghai ends Q1; April 1 00:00 Shanghai starts Q2.
    (
        "mar-31-23:59-shanghai",
        VIDEO,
        utc(2026, 3, 31, 15, 59),
        {(VC, "east", "2026-03"): 1, (VC, "east", "2026-Q1"): 1},
    ),
    (
        "apr-1-00:00-shanghai",
        VIDEO,
        utc(2026, 3, 31, 16),
        {(VC, "east", "2026-04"): 1, (VC, "east", "2026-Q2"): 1},
    ),
    # New Year's Eve 16:30 UTC is 2026 in Shanghai; Monday 2025-12-29 starts 2026-W01.
    ("new-year-in-shanghai", DISTRICT, utc(2025, 12, 31, 16, 30), {(DC, "east", "2026-01"): 1}),
    ("still-2025-in-shanghai", DISTRICT, utc(2025, 12, 31, 15), {(DC, "east", "2025-12"): 1}),
    ("week-straddling-new-year", STREET, utc(2025, 12, 29, 1), {(ST, "east", "2026-W01"): 1}),
]


@pytest.mark.parametrize(
    ("kind", "at", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_inspection_counted_in_its_shanghai_period(
    kind: InspectionKind, at: datetime, expected: dict[tuple[Metric, str, str], int]
) -> None:
    assert dict(count_inspections(PLAN, [("east", kind, at)])) == expected


def test_each_kind_counts_for_its_own_metric_and_squad() -> None:
    plan = Plan.model_validate(
        {"year": 2026, "targets": [{"metric": "video_checks", "period": "month", "at_least": 9}]}
    )
    counts = count_inspections(
        plan,
        [
            ("east", VIDEO, utc(2026, 5, 3)),
            ("east", VIDEO, utc(2026, 5, 20)),
            ("west", VIDEO, utc(2026, 5, 20)),
            ("east", STREET, utc(2026, 5, 20)),  # no street target in this plan: not counted
        ],
    )
    assert dict(counts) == {(VC, "east", "2026-05"): 2, (VC, "west", "2026-05"): 1}


def test_load_facts_counts_inspections_of_the_plan_year(session: Session) -> None:
    east, west = Squad(code="east", name="东"), Squad(code="west", name="西")
    session.add_all([east, west])
    session.flush()
    key_point = KeyPoint(code="kp-1", name="kp", category="hospital", squad_id=east.id)
    session.add(key_point)
    session.flush()
    started = [
        (east, STREET, utc(2026, 2, 8, 15, 59)),
        (east, STREET, utc(2026, 2, 8, 16)),
        (west, VIDEO, utc(2026, 1, 31, 16)),
        (west, DISTRICT, utc(2025, 12, 31, 15)),  # December 2025 in Shanghai: not a 2026 month
        (west, VIDEO, utc(2027, 3, 1)),  # the next year
    ]
    for squad, kind, at in started:
        session.add(
            Inspection(
                kind=kind.value,
                key_point_id=key_point.id,
                squad_id=squad.id,  # counted for the squad it was recorded for
                inspector="wang",
                started_at=at,
                cameras={"ids": []},
                findings={"incidents": []},
                recorded_by="wang",
                created_at=at,
            )
        )
    session.flush()
    counts = {
        k: v
        for k, v in load_facts(session, PLAN).counts.items()
        if k[0] is not Metric.PROBLEMS_RECTIFIED
    }
    assert counts == {
        (ST, "east", "2026-W06"): 1,
        (ST, "east", "2026-W07"): 1,
        (VC, "west", "2026-02"): 1,
        (VC, "west", "2026-Q1"): 1,
        (DC, "west", "2025-12"): 1,
    }
