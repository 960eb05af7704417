"""What a monthly or quarterly report says, for one squad or the whole district.

* **targets**: each of the plan's targets against the counts, for every period of the target's
  kind that overlaps the report's (a month report shows the weeks it touches), from
  ``api.plan.progress`` over ``api.plan.loader.load_facts``;
* **tickets**: raised in the period (merged ones left out), detected / confirmed / rejected,
  in total, per type and per squad;
* **repeat places** of the period (``api.reports.repeat_places``);
* **rectification times**: raised → rectified, in hours, for the rectifications recorded in
  the period: count, median, p90 and a histogram in days.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Squad, Ticket
from api.domain import TicketStatus
from api.plan.loader import load_facts
from api.plan.model import Metric, PeriodKind, Plan
from api.plan.periods import Period, period_of
from api.plan.progress import TargetProgress, progress
from api.reports.places_service import LOOK_BACK_REACH, RepeatPlaceView, find_places
from api.services.stats import TicketFacts, facts_of, percentile
from detector.errors import StreetOrderError

PERIOD_PATTERN = re.compile(
    r"^(?P<year>[0-9]{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$"
)
HISTOGRAM_DAYS = (1, 2, 3, 7, 14)
"""Upper edges (days, included) of the rectification-time bins; a last bin holds the rest."""
_CONFIRMED = frozenset(
    {
        TicketStatus.CONFIRMED.value,
        TicketStatus.DISPATCHED.value,
        TicketStatus.RECTIFIED.value,
        TicketStatus.REINSPECTED.value,
        TicketStatus.CLOSED.value,
    }
)


class ReportError(StreetOrderError):
    """A report that cannot be made: a period outside the plan, an unknown squad."""


class PeriodFormatError(ReportError):
    """A period that is neither ``YYYY-MM`` nor ``YYYY-Qn``."""


@dataclass(frozen=True)
class TicketCounts:
    key: str
    """A violation code, a squad code or ``total``."""
    detected: int
    confirmed: int
    rejected: int


@dataclass(frozen=True)
class HistogramBin:
    low_days: int
    high_days: int | None
    """Included; ``None``: no upper edge."""
    count: int

    @property
    def label(self) -> str:
        if self.high_days is None:
            return f">{self.low_days}天"
        return f"{self.low_days}–{self.high_days}天"

    @property
    def key(self) -> str:
        """For CSV: ``days_0_1``… ``days_over_14``."""
        if self.high_days is None:
            return f"days_over_{self.low_days}"
        return f"days_{self.low_days}_{self.high_days}"


@dataclass(frozen=True)
class RectificationTimes:
    count: int
    median_h: float | None
    p90_h: float | None
    histogram: tuple[HistogramBin, ...]


@dataclass(frozen=True)
class Report:
    period: Period
    kind: PeriodKind
    timezone: str
    squad: str | None
    """The squad reported on; ``None`` for the district (every squad)."""
    squads: tuple[tuple[str, str], ...]
    """(code, name) of the squads in the report."""
    generated_at: datetime
    targets: tuple[TargetProgress, ...]
    descriptions: dict[tuple[Metric, PeriodKind], str]
    """The plan's wording of each target."""
    totals: TicketCounts
    per_type: tuple[TicketCounts, ...]
    per_squad: tuple[TicketCounts, ...]
    repeat_places: tuple[RepeatPlaceView, ...]
    rectification: RectificationTimes


def parse_period(text: str, plan: Plan) -> tuple[Period, PeriodKind]:
    """``2026-11`` (a month) or ``2026-Q4`` (a quarter) of the plan's year, in its zone."""
    match = PERIOD_PATTERN.fullmatch(text)
    if match is None:
        raise PeriodFormatError(
            f"period: expected a month YYYY-MM or a quarter YYYY-Qn (got {text!r})"
        )
    year = int(match["year"])
    if year != plan.year:
        raise ReportError(f"period {text} is not in the plan's year {plan.year}")
    if match["month"] is not None:
        kind, first = PeriodKind.MONTH, date(year, int(match["month"]), 1)
    else:
        kind, first = PeriodKind.QUARTER, date(year, 3 * int(match["quarter"]) - 2, 1)
    # Noon of the first day is inside the period whatever the zone's offset.
    moment = datetime.combine(first, time(12), plan.zone)
    return period_of(moment, kind, plan.zone), kind


def overlaps(row: TargetProgress, period: Period) -> bool:
    return row.start_utc < period.end_utc and period.start_utc < row.end_utc


def tally(key: str, facts: Iterable[TicketFacts]) -> TicketCounts:
    statuses = Counter("confirmed" if f.status in _CONFIRMED else f.status for f in facts)
    return TicketCounts(
        key=key,
        detected=statuses.total(),
        confirmed=statuses["confirmed"],
        rejected=statuses[TicketStatus.REJECTED.value],
    )


def histogram(
    hours: Sequence[float], edges_days: Sequence[int] = HISTOGRAM_DAYS
) -> list[HistogramBin]:
    """Counts per bin ``(previous edge, edge]`` in days, then one bin for the rest."""
    bins = []
    lower = 0
    for edge in edges_days:
        # The first bin also takes 0 (and a clock-skewed negative) hours.
        count = sum(1 for h in hours if (lower == 0 or lower * 24 < h) and h <= edge * 24)
        bins.append(HistogramBin(lower, edge, count))
        lower = edge
    bins.append(HistogramBin(lower, None, sum(1 for h in hours if h > lower * 24)))
    return bins


def rectification_times(facts: Iterable[TicketFacts], period: Period) -> RectificationTimes:
    hours = [
        (f.rectified_at - f.raised_at).total_seconds() / 3600
        for f in facts
        if f.rectified_at is not None and period.start_utc <= f.rectified_at < period.end_utc
    ]
    return RectificationTimes(
        count=len(hours),
        median_h=percentile(hours, 0.5),
        p90_h=percentile(hours, 0.9),
        histogram=tuple(histogram(hours)),
    )


def _squads(session: Session, squad: str | None) -> tuple[tuple[str, str], ...]:
    rows = [
        (code, name)
        for code, name in session.execute(select(Squad.code, Squad.name).order_by(Squad.code))
    ]
    if squad is None:
        return tuple(rows)
    chosen = tuple(row for row in rows if row[0] == squad)
    if not chosen:
        raise ReportError(f"squad: no squad {squad!r}")
    return chosen


def _facts(session: Session, period: Period, squad: str | None) -> list[TicketFacts]:
    query = (
        select(
            Squad.code, Ticket.type, Ticket.camera_id, Ticket.status, Ticket.raised_at, Ticket.state
        )
        .join(Squad, Squad.id == Ticket.squad_id)
        .where(Ticket.status != TicketStatus.MERGED.value)
        .where(Ticket.raised_at >= period.start_utc - LOOK_BACK_REACH)
        .where(Ticket.raised_at < period.end_utc)
    )
    if squad is not None:
        query = query.where(Squad.code == squad)
    return [facts_of(*row) for row in session.execute(query)]


def build_report(
    session: Session, plan: Plan, period_text: str, *, squad: str | None, now: datetime
) -> Report:
    """Everything the report shows, read from the service database."""
    period, kind = parse_period(period_text, plan)
    squads = _squads(session, squad)
    codes = {code for code, _ in squads}
    targets = tuple(
        row
        for row in progress(plan, load_facts(session, plan), now)
        if row.squad in codes and overlaps(row, period)
    )
    facts = _facts(session, period, squad)
    raised = [f for f in facts if period.start_utc <= f.raised_at < period.end_utc]
    by_type: dict[str, list[TicketFacts]] = {}
    for fact in raised:
        by_type.setdefault(fact.type, []).append(fact)
    squad_id = None
    if squad is not None:
        squad_id = session.scalars(select(Squad.id).where(Squad.code == squad)).one()
    end = min(period.end_utc - timedelta.resolution, max(now, period.start_utc))
    places = find_places(session, plan, start=period.start_utc, end=end, squad_id=squad_id)
    return Report(
        period=period,
        kind=kind,
        timezone=plan.timezone,
        squad=squad,
        squads=squads,
        generated_at=now,
        targets=targets,
        descriptions={(t.metric, t.period): t.description for t in plan.targets},
        totals=tally("total", raised),
        per_type=tuple(tally(code, by_type[code]) for code in sorted(by_type)),
        per_squad=tuple(tally(code, [f for f in raised if f.squad == code]) for code, _ in squads),
        repeat_places=tuple(places),
        rectification=rectification_times(facts, period),
    )
