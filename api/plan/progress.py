"""Each squad's progress against each target of a plan: pure, plain values in and out.

Status of one squad, target and period (at ``now``):

* **met**: the count reached ``at_least`` (ended or not).
* **short**: the period has ended and the count is below ``at_least``.
* **warning**: not ended, short, and the period ends within ``warn_days_before_end`` days.
* **open**: not ended, short, with more than ``warn_days_before_end`` days left.

Periods are those that overlap the plan's year (in its time zone) and the time from its start
to ``now``: nothing before January 1, and a week that straddles New Year (2026-W01 from Monday
2025-12-29) is in both years' plans, whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from api.plan.model import Metric, PeriodKind, Plan
from api.plan.periods import aware_utc, periods_between, year_bounds


class Status(StrEnum):
    MET = "met"
    SHORT = "short"
    WARNING = "warning"
    OPEN = "open"


@dataclass(frozen=True)
class PlanFacts:
    """The squads (codes) and their counts, keyed by ``(metric, squad, period label)``; a missing
    key counts as 0."""

    squads: Sequence[str]
    counts: Mapping[tuple[Metric, str, str], int] = field(default_factory=dict)


class TargetProgress(BaseModel):
    metric: Metric = Field(description="What is counted.")
    period: PeriodKind = Field(description="week, month or quarter.")
    label: str = Field(description="The period: 2026-W05, 2026-02 or 2026-Q1.")
    start_utc: datetime = Field(description="The period's first moment (included).")
    end_utc: datetime = Field(description="The period's end (excluded).")
    squad: str = Field(description="The squad's code.")
    count: int = Field(description="Counted so far.")
    at_least: int = Field(description="The target.")
    missing: int = Field(description="at_least − count, at least 0.")
    status: Status = Field(description="met, short, warning or open.")


def status_of(
    count: int, at_least: int, end_utc: datetime, now: datetime, warn: timedelta
) -> Status:
    if count >= at_least:
        return Status.MET
    if end_utc <= now:
        return Status.SHORT
    return Status.WARNING if end_utc - now <= warn else Status.OPEN


def progress(plan: Plan, facts: PlanFacts, now: datetime) -> list[TargetProgress]:
    """One row per target, begun period and squad: by target (file order), period, squad."""
    now = aware_utc(now, "now")
    zone = plan.zone
    first, last = year_bounds(plan.year, zone)
    warn = timedelta(days=plan.warn_days_before_end)
    rows: list[TargetProgress] = []
    begun = min(last, now + timedelta.resolution)  # periods that start at or before now
    for target in plan.targets:
        for period in periods_between(first, begun, target.period, zone):
            for squad in sorted(facts.squads):
                count = facts.counts.get((target.metric, squad, period.label), 0)
                rows.append(
                    TargetProgress(
                        metric=target.metric,
                        period=target.period,
                        label=period.label,
                        start_utc=period.start_utc,
                        end_utc=period.end_utc,
                        squad=squad,
                        count=count,
                        at_least=target.at_least,
                        missing=max(0, target.at_least - count),
                        status=status_of(count, target.at_least, period.end_utc, now, warn),
                    )
                )
    return rows
