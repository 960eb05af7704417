"""Calendar periods (week, month, quarter) in a plan's time zone, as UTC half-open ranges.

Weeks are ISO weeks, Monday 00:00 to the next Monday 00:00, labelled ``2026-W01`` by their ISO
year (so the week of Monday 2025-12-29 is ``2026-W01``); months ``2026-01``; quarters ``2026-Q1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.plan.model import PeriodKind

MAX_PERIODS = 2000
"""``periods_between`` refuses longer lists (about 38 years of weeks)."""


@dataclass(frozen=True)
class Period:
    """``[start_utc, end_utc)`` with its label in the plan's calendar."""

    start_utc: datetime
    end_utc: datetime
    label: str


def aware_utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


def _first_day(day: date, kind: PeriodKind) -> date:
    if kind is PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    if kind is PeriodKind.MONTH:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_first_day(first: date, kind: PeriodKind) -> date:
    if kind is PeriodKind.WEEK:
        return first + timedelta(days=7)
    months = 1 if kind is PeriodKind.MONTH else 3
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _label(first: date, kind: PeriodKind) -> str:
    if kind is PeriodKind.WEEK:
        iso = first.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if kind is PeriodKind.MONTH:
        return f"{first.year}-{first.month:02d}"
    return f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def _period(first: date, kind: PeriodKind, zone: ZoneInfo) -> Period:
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(_next_first_day(first, kind), time(), zone).astimezone(UTC)
    return Period(start, end, _label(first, kind))


def period_of(moment: datetime, kind: PeriodKind, zone: ZoneInfo) -> Period:
    """The period of ``kind`` that holds the aware ``moment``, in ``zone``'s calendar."""
    local_day = aware_utc(moment, "moment").astimezone(zone).date()
    return _period(_first_day(local_day, kind), kind, zone)


def periods_between(
    start: datetime, end: datetime, kind: PeriodKind, zone: ZoneInfo
) -> list[Period]:
    """Every period of ``kind`` that overlaps ``[start, end)``, in order (empty if end <= start)."""
    start, end = aware_utc(start, "start"), aware_utc(end, "end")
    periods: list[Period] = []
    if end <= start:
        return periods
    period = period_of(start, kind, zone)
    while period.start_utc < end:
        if len(periods) == MAX_PERIODS:
            raise ValueError(f"more than {MAX_PERIODS} {kind.value}s between {start} and {end}")
        periods.append(period)
        first = period.end_utc.astimezone(zone).date()
        period = _period(first, kind, zone)
    return periods


def year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """January 1 00:00 of ``year`` and of the next year in ``zone``, as UTC."""
    return (
        datetime.combine(date(year, 1, 1), time(), zone).astimezone(UTC),
        datetime.combine(date(year + 1, 1, 1), time(), zone).astimezone(UTC),
    )
