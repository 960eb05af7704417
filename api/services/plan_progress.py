"""Plan progress for the API and pages: filters, warnings with their one-line message, CSV.

What a squad must act on now (``warnings``):

* every **warning** row: a period not ended yet, short, ending within the plan's
  ``warn_days_before_end``;
* the **short** rows of each target's latest ended period: it ended below its target, and the
  squad has to account for it (older short periods stay in the progress list, not here).

Everything but ``load_progress`` is pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.plan.loader import load_facts
from api.plan.model import Metric, PeriodKind, Plan
from api.plan.progress import Status, TargetProgress, progress

CSV_COLUMNS = tuple(TargetProgress.model_fields)
BOM = "\ufeff"
"""Excel reads a UTF-8 CSV as the local code page unless it starts with a BOM."""


def utc_now() -> datetime:
    """The clock the plan routes read (tests replace it to stand at a period's end)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProgressFilter:
    """Filters that combine; ``None`` lets everything through."""

    period: PeriodKind | None = None
    label: str | None = None
    squad: str | None = None
    status: Status | None = None
    metric: Metric | None = None

    def keeps(self, row: TargetProgress) -> bool:
        return (
            (self.period is None or row.period is self.period)
            and (self.label is None or row.label == self.label)
            and (self.squad is None or row.squad == self.squad)
            and (self.status is None or row.status is self.status)
            and (self.metric is None or row.metric is self.metric)
        )


def newest_first(plan: Plan, rows: Iterable[TargetProgress]) -> list[TargetProgress]:
    """Newest period first; within one, targets in file order, then squads by code."""
    order = {(t.metric, t.period): n for n, t in enumerate(plan.targets)}
    return sorted(
        rows, key=lambda r: (-r.start_utc.timestamp(), order[(r.metric, r.period)], r.squad)
    )


def select_rows(
    plan: Plan, rows: Iterable[TargetProgress], keep: ProgressFilter
) -> list[TargetProgress]:
    return newest_first(plan, (row for row in rows if keep.keeps(row)))


class PlanWarning(BaseModel):
    """A row a squad must act on now, with its one-line message."""

    message: str = Field(
        description="e.g. 'east: street_inspections 2026-W48 1/2, ends in 2 days'."
    )
    days_left: int | None = Field(
        description="Calendar days (plan zone) left after today; null once the period ended."
    )
    progress: TargetProgress


def days_left(row: TargetProgress, plan: Plan, now: datetime) -> int:
    """Whole calendar days in the plan's zone after today until the period's last day."""
    last_day = (row.end_utc - timedelta(microseconds=1)).astimezone(plan.zone).date()
    return (last_day - now.astimezone(plan.zone).date()).days


def message_of(row: TargetProgress, left: int | None) -> str:
    head = f"{row.squad}: {row.metric.value} {row.label} {row.count}/{row.at_least}"
    if left is None:
        return f"{head}, ended short"
    when = {0: "ends today", 1: "ends tomorrow"}.get(left, f"ends in {left} days")
    return f"{head}, {when}"


def warnings(plan: Plan, rows: Sequence[TargetProgress], now: datetime) -> list[PlanWarning]:
    """Warning rows (soonest end first), then each target's latest ended period's short rows."""
    latest_end: dict[tuple[Metric, PeriodKind], datetime] = {}
    for row in rows:
        if row.end_utc <= now:
            key = (row.metric, row.period)
            latest_end[key] = max(latest_end.get(key, row.end_utc), row.end_utc)
    found: list[PlanWarning] = []
    for row in sorted(rows, key=lambda r: (r.end_utc, r.squad)):
        if row.status is Status.WARNING:
            left = days_left(row, plan, now)
            found.append(PlanWarning(message=message_of(row, left), days_left=left, progress=row))
    for row in newest_first(plan, rows):
        if row.status is Status.SHORT and row.end_utc == latest_end[(row.metric, row.period)]:
            found.append(PlanWarning(message=message_of(row, None), days_left=None, progress=row))
    return found


def progress_csv(rows: Iterable[TargetProgress]) -> str:
    """The rows as CSV: BOM, a header row, one line per row (times in ISO 8601 UTC)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow([values[column] for column in CSV_COLUMNS])
    return out.getvalue()


def load_progress(session: Session, plan: Plan, now: datetime) -> list[TargetProgress]:
    """Every squad's rows for the periods begun so far (``api.plan.progress``)."""
    return progress(plan, load_facts(session, plan), now)


@dataclass(frozen=True)
class TargetGrid:
    """One target's table for the plan page: squads × its most recent periods."""

    metric: Metric
    period: PeriodKind
    at_least: int
    description: str
    labels: tuple[str, ...]
    """Oldest first, the current period last."""
    squads: tuple[str, ...]
    cells: dict[tuple[str, str], TargetProgress]

    def cell(self, squad: str, label: str) -> TargetProgress | None:
        return self.cells.get((squad, label))


def grids(plan: Plan, rows: Sequence[TargetProgress], recent: int) -> list[TargetGrid]:
    """Per target in file order, its last ``recent`` periods begun, for every squad in ``rows``."""
    tables = []
    for target in plan.targets:
        mine = [r for r in rows if r.metric is target.metric and r.period is target.period]
        starts = {r.label: r.start_utc for r in mine}
        labels = sorted(starts, key=starts.__getitem__)[-recent:]
        tables.append(
            TargetGrid(
                metric=target.metric,
                period=target.period,
                at_least=target.at_least,
                description=target.description,
                labels=tuple(labels),
                squads=tuple(sorted({r.squad for r in mine})),
                cells={(r.squad, r.label): r for r in mine if r.label in labels},
            )
        )
    return tables
