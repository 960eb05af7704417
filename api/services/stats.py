"""Dashboard numbers over a range of Asia/Shanghai calendar days.

Definitions (the dashboard page shows them too):

* **detected**: tickets raised (``raised_at``) within the range. Merged tickets are left out:
  each was folded into another ticket about the same violation, which is counted once instead.
* **confirmed**: status in ``api.domain.COUNTED_STATUSES`` (confirmed or any later step:
  dispatched, rectified, reinspected, closed).
* **rejected**: status ``rejected``.
* **reviewed**: confirmed + rejected (pending tickets are not reviewed yet).
* **precision**: confirmed / reviewed; null when nothing was reviewed (no evidence either way,
  which 0 would hide).
* **time to confirm**: ``state.confirmed_at − raised_at``.
* **time to rectify**: ``state.rectification.at − state.dispatched_at`` (the latest dispatch).
  Skipped: tickets without ``dispatched_at`` (stored before it was recorded) and tickets sent
  back by a failed re-inspection that are not rectified again yet (their rectification is
  older than their latest dispatch).
* Times are given as median and p90 in hours (linear interpolation between the closest ranks)
  with the number of tickets measured.
* Squad, type and camera are the ticket's current ones (after a dispatch to another squad or a
  reclassification).
* Days are Asia/Shanghai calendar days, ``from`` and ``to`` both included: the tickets raised in
  ``[from 00:00 +08:00, to + 1 day 00:00 +08:00)``.

Everything but ``load_facts`` is pure: plain values in, plain values out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Squad, Ticket
from api.domain import COUNTED_STATUSES, TicketStatus, ValidationFailedError

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 30
"""Without ``from`` and ``to``: the last 30 days, today (in Shanghai) included."""
MAX_DAYS = 366
_DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONFIRMED = frozenset(status.value for status in COUNTED_STATUSES)
_HOUR_S = 3600.0


@dataclass(frozen=True)
class DayRange:
    """Asia/Shanghai calendar days ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.first, time(), SHANGHAI).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """Exclusive: midnight in Shanghai after ``last``."""
        return datetime.combine(self.last + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]


def shanghai_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of a UTC-aware moment."""
    return moment.astimezone(SHANGHAI).date()


def _parse_day(field: str, text: str) -> date:
    if not _DAY_PATTERN.fullmatch(text):
        raise ValidationFailedError(field, f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailedError(field, f"{text!r} is not a calendar date") from None


def parse_range(from_text: str | None, to_text: str | None, now: datetime) -> DayRange:
    """The range asked for; a missing ``to`` is today in Shanghai, a missing ``from`` is
    ``DEFAULT_DAYS`` days back from ``to``. Raises ``ValidationFailedError`` (HTTP 422)."""
    last = shanghai_day(now) if to_text is None else _parse_day("to", to_text)
    if from_text is None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    else:
        first = _parse_day("from", from_text)
    if first > last:
        raise ValidationFailedError("from", f"{first} is after to ({last})")
    days = DayRange(first, last)
    if days.days > MAX_DAYS:
        raise ValidationFailedError(
            "from/to", f"{days.days} days asked for, at most {MAX_DAYS} at once"
        )
    return days


@dataclass(frozen=True)
class TicketFacts:
    """What the dashboard needs of one ticket (UTC-aware times)."""

    squad: str
    type: str
    camera: str
    status: str
    raised_at: datetime
    confirmed_at: datetime | None = None
    dispatched_at: datetime | None = None
    rectified_at: datetime | None = None


class Counts(BaseModel):
    detected: int = Field(description="Tickets raised in the range (merged ones left out).")
    confirmed: int = Field(description="Confirmed or later (dispatched … closed).")
    rejected: int = Field(description="Rejected as no violation.")
    reviewed: int = Field(description="confirmed + rejected.")
    precision: float | None = Field(description="confirmed / reviewed; null if none reviewed.")


class SquadCounts(Counts):
    squad: str = Field(description="The squad's code.")
    name: str = Field(description="The squad's name.")


class TypeCounts(Counts):
    type: str = Field(description="Violation code (datasets/taxonomy.yaml).")


class CameraTypeCounts(Counts):
    camera: str = Field(description="Camera id.")
    type: str = Field(description="Violation code.")


class DayCounts(BaseModel):
    day: date = Field(description="Asia/Shanghai calendar day.")
    detected: int = Field(description="Tickets raised that day.")
    confirmed: int = Field(description="Of those, confirmed or later.")
    rejected: int = Field(description="Of those, rejected.")


class Duration(BaseModel):
    count: int = Field(description="Tickets measured.")
    median_h: float | None = Field(description="Median in hours; null when none measured.")
    p90_h: float | None = Field(description="90th percentile in hours; null when none.")


class Times(BaseModel):
    to_confirm: Duration = Field(description="state.confirmed_at − raised_at.")
    to_rectify: Duration = Field(
        description="state.rectification.at − state.dispatched_at (the latest dispatch)."
    )


class Stats(BaseModel):
    """The dashboard's numbers for one range of days."""

    from_day: date = Field(description="First Asia/Shanghai day, included.")
    to_day: date = Field(description="Last Asia/Shanghai day, included.")
    start_utc: datetime = Field(description="from_day 00:00 in Shanghai, as UTC (included).")
    end_utc: datetime = Field(description="The day after to_day 00:00 in Shanghai (excluded).")
    totals: Counts
    per_squad: list[SquadCounts] = Field(description="Every squad, by code.")
    per_type: list[TypeCounts] = Field(description="Types with tickets, by code.")
    per_camera_type: list[CameraTypeCounts] = Field(description="By camera, then type.")
    per_day: list[DayCounts] = Field(description="Every day of the range, in order.")
    times: Times


def precision(confirmed: int, rejected: int) -> float | None:
    reviewed = confirmed + rejected
    return None if reviewed == 0 else confirmed / reviewed


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def duration(hours: Sequence[float]) -> Duration:
    return Duration(count=len(hours), median_h=percentile(hours, 0.5), p90_h=percentile(hours, 0.9))


def _tally(facts: Iterable[TicketFacts]) -> dict[str, Any]:
    tally: Counter[str] = Counter(
        "confirmed" if f.status in _CONFIRMED else f.status for f in facts
    )
    confirmed, rejected = tally["confirmed"], tally[TicketStatus.REJECTED.value]
    return {
        "detected": tally.total(),
        "confirmed": confirmed,
        "rejected": rejected,
        "reviewed": confirmed + rejected,
        "precision": precision(confirmed, rejected),
    }


def _hours_to_rectify(fact: TicketFacts) -> float | None:
    if fact.dispatched_at is None or fact.rectified_at is None:
        return None
    if fact.rectified_at < fact.dispatched_at:
        return None  # sent back after a failed re-inspection: the new rectification is due
    return (fact.rectified_at - fact.dispatched_at).total_seconds() / _HOUR_S


def _times(facts: Sequence[TicketFacts]) -> Times:
    to_confirm = [
        (f.confirmed_at - f.raised_at).total_seconds() / _HOUR_S
        for f in facts
        if f.confirmed_at is not None
    ]
    to_rectify = [h for h in map(_hours_to_rectify, facts) if h is not None]
    return Times(to_confirm=duration(to_confirm), to_rectify=duration(to_rectify))


def _per_day(facts: Sequence[TicketFacts], days: DayRange) -> list[DayCounts]:
    by_day: dict[date, list[TicketFacts]] = defaultdict(list)
    for fact in facts:
        by_day[shanghai_day(fact.raised_at)].append(fact)
    counts = []
    for day in days.each_day():
        tally = _tally(by_day[day])
        counts.append(
            DayCounts(
                day=day,
                detected=tally["detected"],
                confirmed=tally["confirmed"],
                rejected=tally["rejected"],
            )
        )
    return counts


def aggregate(facts: Iterable[TicketFacts], days: DayRange, squads: Mapping[str, str]) -> Stats:
    """The dashboard's numbers for the tickets raised within ``days``; ``squads`` (code →
    name) are listed even without tickets, so an empty range still shows each one at 0."""
    kept = [
        f
        for f in facts
        if f.status != TicketStatus.MERGED.value and days.start_utc <= f.raised_at < days.end_utc
    ]
    by_squad: dict[str, list[TicketFacts]] = {code: [] for code in squads}
    by_type: dict[str, list[TicketFacts]] = defaultdict(list)
    by_camera_type: dict[tuple[str, str], list[TicketFacts]] = defaultdict(list)
    for fact in kept:
        by_squad.setdefault(fact.squad, []).append(fact)
        by_type[fact.type].append(fact)
        by_camera_type[(fact.camera, fact.type)].append(fact)
    return Stats(
        from_day=days.first,
        to_day=days.last,
        start_utc=days.start_utc,
        end_utc=days.end_utc,
        totals=Counts(**_tally(kept)),
        per_squad=[
            SquadCounts(squad=code, name=squads.get(code, code), **_tally(by_squad[code]))
            for code in sorted(by_squad)
        ],
        per_type=[TypeCounts(type=code, **_tally(by_type[code])) for code in sorted(by_type)],
        per_camera_type=[
            CameraTypeCounts(camera=camera, type=kind, **_tally(by_camera_type[(camera, kind)]))
            for camera, kind in sorted(by_camera_type)
        ],
        per_day=_per_day(kept, days),
        times=_times(kept),
    )


def _moment(value: Any) -> datetime | None:
    """A UTC time from the stored life-cycle state (ISO text), or None."""
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value).astimezone(UTC)


def facts_of(
    squad: str, type: str, camera: str, status: str, raised_at: datetime, state: Any
) -> TicketFacts:
    """A ticket's facts from its columns and its stored life-cycle state (JSON)."""
    state = state if isinstance(state, dict) else {}
    rectification = state.get("rectification") or {}
    return TicketFacts(
        squad=squad,
        type=type,
        camera=camera,
        status=status,
        raised_at=raised_at,
        confirmed_at=_moment(state.get("confirmed_at")),
        dispatched_at=_moment(state.get("dispatched_at")),
        rectified_at=_moment(rectification.get("at")),
    )


def load_stats(session: Session, days: DayRange) -> Stats:
    """Read the range's tickets and every squad, then aggregate (the only I/O here). Only
    the columns needed, not whole rows: a year of tickets can be many."""
    squads = {code: name for code, name in session.execute(select(Squad.code, Squad.name))}
    rows = session.execute(
        select(
            Squad.code, Ticket.type, Ticket.camera_id, Ticket.status, Ticket.raised_at, Ticket.state
        )
        .join(Squad, Squad.id == Ticket.squad_id)
        .where(Ticket.raised_at >= days.start_utc, Ticket.raised_at < days.end_utc)
        .where(Ticket.status != TicketStatus.MERGED.value)
    )
    return aggregate((facts_of(*row) for row in rows), days, squads)
