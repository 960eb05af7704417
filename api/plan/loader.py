"""The plan's counts from the ticket and inspection tables (the only I/O in ``api.plan``).

``problems_rectified``: tickets in status rectified, reinspected or closed whose
``state.rectification.at`` falls in the period, counted for the ticket's current squad.
Street inspections, video checks and district coverage: inspections of kind street, video and
district whose ``started_at`` falls in the period, counted for the squad they were recorded for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Inspection, Squad, Ticket
from api.domain import TicketStatus
from api.plan.model import InspectionKind, Metric, PeriodKind, Plan
from api.plan.periods import period_of, year_bounds
from api.plan.progress import PlanFacts
from api.services.stats import facts_of

RECTIFIED_STATUSES = (TicketStatus.RECTIFIED, TicketStatus.REINSPECTED, TicketStatus.CLOSED)


def count_rectified(
    plan: Plan, rectifications: Iterable[tuple[str, datetime]]
) -> Counter[tuple[Metric, str, str]]:
    """Pure: ``(squad, rectified_at)`` pairs counted per squad and period of every
    ``problems_rectified`` target."""
    kinds = {t.period for t in plan.targets if t.metric is Metric.PROBLEMS_RECTIFIED}
    counts: Counter[tuple[Metric, str, str]] = Counter()
    for squad, at in rectifications:
        for kind in kinds:
            counts[(Metric.PROBLEMS_RECTIFIED, squad, period_of(at, kind, plan.zone).label)] += 1
    return counts


def count_inspections(
    plan: Plan, inspections: Iterable[tuple[str, InspectionKind, datetime]]
) -> Counter[tuple[Metric, str, str]]:
    """Pure: ``(squad, kind, started_at)`` triples counted per squad and period of every target
    of the kind's metric (a kind no target asks for is not counted)."""
    kinds: dict[Metric, set[PeriodKind]] = {}
    for target in plan.targets:
        kinds.setdefault(target.metric, set()).add(target.period)
    counts: Counter[tuple[Metric, str, str]] = Counter()
    for squad, kind, at in inspections:
        for period in kinds.get(kind.metric, ()):
            counts[(kind.metric, squad, period_of(at, period, plan.zone).label)] += 1
    return counts


def _inspections(
    session: Session, start: datetime, end: datetime
) -> list[tuple[str, InspectionKind, datetime]]:
    rows = session.execute(
        select(Squad.code, Inspection.kind, Inspection.started_at)
        .join(Squad, Squad.id == Inspection.squad_id)
        .where(Inspection.started_at >= start, Inspection.started_at < end)
    )
    return [(squad, InspectionKind(kind), at) for squad, kind, at in rows]


def load_facts(session: Session, plan: Plan) -> PlanFacts:
    """Every squad and the counts of the plan's year (weeks straddling New Year included)."""
    first, last = year_bounds(plan.year, plan.zone)
    # Periods can reach at most 6 days past either end of the year (a straddling week).
    window_start, window_end = first - timedelta(days=7), last + timedelta(days=7)
    squads = list(session.scalars(select(Squad.code).order_by(Squad.code)))
    rows = session.execute(
        select(
            Squad.code, Ticket.type, Ticket.camera_id, Ticket.status, Ticket.raised_at, Ticket.state
        )
        .join(Squad, Squad.id == Ticket.squad_id)
        .where(Ticket.status.in_([status.value for status in RECTIFIED_STATUSES]))
        .where(Ticket.raised_at < window_end)
    )
    pairs = []
    for row in rows:
        at = facts_of(*row).rectified_at  # the dashboard's reading of the stored state
        if at is not None and window_start <= at < window_end:
            pairs.append((row[0], at))
    counts = count_rectified(plan, pairs)
    counts.update(count_inspections(plan, _inspections(session, window_start, window_end)))
    return PlanFacts(squads=squads, counts=counts)
