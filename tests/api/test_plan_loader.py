"""problems_rectified counted from the ticket table, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint, Squad
from api.plan.loader import count_rectified, load_facts
from api.plan.model import Metric, Plan
from api.plan.progress import Status, progress
from api.services.tickets import ingest
from tests.factories import make_incident

PLAN = Plan.model_validate(
    {
        "year": 2026,
        "targets": [
            {"metric": "problems_rectified", "period": "month", "at_least": 2},
            {"metric": "problems_rectified", "period": "quarter", "at_least": 3},
            {"metric": "video_checks", "period": "month", "at_least": 50},
        ],
    }
)
R = Metric.PROBLEMS_RECTIFIED
RAISED = datetime(2025, 11, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (squad, status, rectification time or None, raised at)
TICKETS = [
    ("east", "rectified", utc(2026, 1, 31, 15, 59), RAISED),  # Jan 31 23:59 Shanghai
    ("east", "closed", utc(2026, 1, 31, 16), RAISED),  # Feb 1 00:00 Shanghai
    ("east", "reinspected", utc(2026, 2, 10), RAISED),
    ("west", "rectified", utc(2025, 12, 31, 16, 30), RAISED),  # already 2026 in Shanghai
    ("west", "closed", utc(2025, 12, 31, 15), RAISED),  # still 2025 in Shanghai
    ("west", "dispatched", utc(2026, 1, 5), RAISED),  # sent back after a failed re-inspection
    ("west", "closed", None, RAISED),  # closed without a rectification
    ("west", "confirmed", None, RAISED),
    ("west", "rectified", utc(2025, 6, 1), utc(2025, 5, 1)),  # long before the plan's year
    ("west", "rectified", utc(2027, 2, 1), utc(2027, 1, 20)),  # raised after it
]


def add_tickets(session: Session) -> None:
    squads = {code: Squad(code=code, name=code) for code in ("east", "west", "north")}
    session.add_all(squads.values())
    session.flush()
    for code in ("east", "west"):
        key_point = KeyPoint(
            code=f"kp-{code}", name=code, category="hospital", squad_id=squads[code].id
        )
        session.add(key_point)
        session.flush()
        session.add(Camera(id=f"cam-{code}", key_point_id=key_point.id, squad_id=squads[code].id))
    session.flush()
    for number, (squad, status, rectified_at, raised_at) in enumerate(TICKETS):
        incident = make_incident(
            id=f"plan-{number}", camera=f"cam-{squad}", raised_s=None, raised_at=raised_at
        )
        ticket = ingest(session, incident, actor="test", now=raised_at)[0]
        state = dict(ticket.state, status=status)
        if rectified_at is not None:
            state["rectification"] = {"at": rectified_at.isoformat(), "by": "li"}
        ticket.status, ticket.state = status, state
    session.flush()


def test_rectifications_counted_per_squad_month_and_quarter(session: Session) -> None:
    add_tickets(session)
    facts = load_facts(session, PLAN)
    assert list(facts.squads) == ["east", "north", "west"]
    assert dict(facts.counts) == {
        (R, "east", "2026-01"): 1,
        (R, "east", "2026-02"): 2,
        (R, "east", "2026-Q1"): 3,
        (R, "west", "2026-01"): 1,
        (R, "west", "2026-Q1"): 1,
        (R, "west", "2025-12"): 1,
        (R, "west", "2025-Q4"): 1,
    }
    rows = progress(PLAN, facts, utc(2026, 2, 26, 16))  # 2 days before February ends
    statuses = {(r.metric, r.label, r.squad): r.status for r in rows}
    assert statuses[(R, "2026-01", "east")] is Status.SHORT
    assert statuses[(R, "2026-02", "east")] is Status.MET
    assert statuses[(R, "2026-02", "west")] is Status.WARNING
    assert statuses[(R, "2026-Q1", "east")] is Status.MET
    assert statuses[(Metric.VIDEO_CHECKS, "2026-02", "north")] is Status.WARNING


def test_count_rectified_is_pure_and_ignores_plans_without_the_target() -> None:
    video_only = PLAN.model_copy(update={"targets": PLAN.targets[2:]})
    assert count_rectified(video_only, [("east", utc(2026, 1, 1))]) == {}
    assert count_rectified(PLAN, []) == {}
