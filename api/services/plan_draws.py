"""The public side of the draw (一公开): published draws, their results and their verification.

A draw lives in the audit chain (entity ``draw``, id = period, ``api.plan.draw.record_draw``);
the latest record of a period is the draw in force, earlier ones show that it was redrawn.
Results of a drawn key point are read for the draw's month (Asia/Shanghai):

* **inspections**: every inspection of the key point started in the month, any kind, whoever
  inspected (``by_drawn_inspector`` says whether it was the drawn supervisor); notes are not
  published;
* **tickets**: tickets raised at the key point in the month, counted by current status (merged
  ones are listed under ``merged`` but left out of ``total``: each is counted through the ticket
  it was merged into).
"""

from __future__ import annotations

import csv
import io
import shlex
from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import AuditRecord as AuditRow
from api.db.models import Inspection, KeyPoint, Ticket
from api.domain import TicketStatus
from api.domain.audit import AuditRecord
from api.plan.draw import (
    PROCEDURE,
    Draw,
    DrawInputs,
    Pick,
    draw,
    inputs_hash,
    load_inputs,
    reproduce,
)
from api.plan.model import PeriodKind
from api.plan.periods import Period, period_of
from api.services import audit_log
from api.services.plan_progress import BOM
from api.services.stats import SHANGHAI

ENTITY = "draw"


class DrawSummary(BaseModel):
    period: str = Field(description="The month drawn for, YYYY-MM (Asia/Shanghai).")
    seed: str = Field(description="The public seed of the draw in force.")
    procedure: str = Field(description="The procedure version (sha256-rank-v1).")
    picks: int = Field(description="Key points drawn.")
    recorded_at: datetime = Field(description="When the draw in force was recorded.")
    recorded_by: str = Field(description="Who recorded it (user or cli:account).")
    draws: int = Field(description="Draws recorded for the period (more than 1: redrawn).")
    redrawn: bool = Field(description="Whether an earlier draw of the period was replaced.")


class EarlierDraw(BaseModel):
    recorded_at: datetime
    recorded_by: str
    seed: str
    picks: list[tuple[str, str]] = Field(description="(key point, inspector) in draw order.")


class InspectionSeen(BaseModel):
    id: str = Field(description="I-12.")
    kind: str = Field(description="street, video or district.")
    inspector: str = Field(description="Who inspected.")
    by_drawn_inspector: bool = Field(description="Whether it was the supervisor drawn.")
    started_at: datetime
    ended_at: datetime | None
    findings: int = Field(description="Incidents raised by the inspection.")


class TicketCounts(BaseModel):
    total: int = Field(description="Raised at the key point in the month, merged ones left out.")
    by_status: dict[str, int] = Field(description="Current status → count.")


class PickResult(BaseModel):
    rank: int = Field(description="Position in the draw, from 1.")
    pick: Pick
    inspected_by_drawn_inspector: bool
    inspections: list[InspectionSeen]
    tickets: TicketCounts


class DrawResults(BaseModel):
    summary: DrawSummary
    draw: Draw = Field(description="The draw in force, exactly as published.")
    earlier: list[EarlierDraw] = Field(description="Draws it replaced, oldest first.")
    month_start_utc: datetime
    month_end_utc: datetime
    results: list[PickResult]


class Verification(BaseModel):
    period: str
    reproduces: bool = Field(description="Drawing again now gives exactly the published draw.")
    reason: str | None = Field(description="Why not, in one line; null when it reproduces.")
    procedure_published: str
    procedure_here: str
    inputs_sha256_published: str
    inputs_sha256_now: str
    key_points_now: list[str] = Field(description="Registered key point codes now, sorted.")
    supervisors_now: list[str] = Field(description="Supervisors' usernames now, sorted.")


def _summary(records: list[AuditRecord]) -> DrawSummary:
    latest = records[-1]
    published = Draw.model_validate(latest.after)
    return DrawSummary(
        period=published.period,
        seed=published.seed,
        procedure=published.procedure,
        picks=len(published.picks),
        recorded_at=latest.at,
        recorded_by=latest.actor,
        draws=len(records),
        redrawn=len(records) > 1,
    )


def list_draws(session: Session) -> list[DrawSummary]:
    """Every period with a draw, newest period first."""
    periods = session.scalars(
        select(AuditRow.entity_id).where(AuditRow.entity == ENTITY).distinct()
    ).all()
    summaries = [_summary(audit_log.records_of(session, ENTITY, p)) for p in periods]
    return sorted(summaries, key=lambda summary: summary.period, reverse=True)


def draw_records(session: Session, period: str) -> list[AuditRecord]:
    """The period's draw records, oldest first (empty: never drawn)."""
    return audit_log.records_of(session, ENTITY, period)


def published_draw(records: list[AuditRecord]) -> Draw:
    """The draw in force: the latest of a period's records."""
    return Draw.model_validate(records[-1].after)


def month_of(period: str) -> Period:
    year, month = (int(part) for part in period.split("-"))
    return period_of(datetime(year, month, 1, 12, tzinfo=SHANGHAI), PeriodKind.MONTH, SHANGHAI)


def _inspections(
    session: Session, key_point_id: int, inspector: str, month: Period
) -> list[InspectionSeen]:
    rows = session.scalars(
        select(Inspection)
        .where(Inspection.key_point_id == key_point_id)
        .where(Inspection.started_at >= month.start_utc, Inspection.started_at < month.end_utc)
        .order_by(Inspection.started_at, Inspection.id)
    )
    return [
        InspectionSeen(
            id=f"I-{row.id}",
            kind=row.kind,
            inspector=row.inspector,
            by_drawn_inspector=row.inspector == inspector,
            started_at=row.started_at,
            ended_at=row.ended_at,
            findings=len(row.findings.get("incidents", [])),
        )
        for row in rows
    ]


def _tickets(session: Session, key_point_id: int, month: Period) -> TicketCounts:
    statuses = Counter(
        session.scalars(
            select(Ticket.status)
            .where(Ticket.key_point_id == key_point_id)
            .where(Ticket.raised_at >= month.start_utc, Ticket.raised_at < month.end_utc)
        )
    )
    total = sum(n for s, n in statuses.items() if s != TicketStatus.MERGED.value)
    return TicketCounts(total=total, by_status=dict(sorted(statuses.items())))


def _result(session: Session, rank: int, pick: Pick, month: Period) -> PickResult:
    key_point_id = session.scalar(select(KeyPoint.id).where(KeyPoint.code == pick.key_point))
    if key_point_id is None:  # removed from the registry since: nothing can be counted
        seen: list[InspectionSeen] = []
        tickets = TicketCounts(total=0, by_status={})
    else:
        seen = _inspections(session, key_point_id, pick.inspector, month)
        tickets = _tickets(session, key_point_id, month)
    return PickResult(
        rank=rank,
        pick=pick,
        inspected_by_drawn_inspector=any(s.by_drawn_inspector for s in seen),
        inspections=seen,
        tickets=tickets,
    )


def results_of(session: Session, records: list[AuditRecord]) -> DrawResults:
    """The draw in force (the latest of ``records``) with each pick's results so far."""
    published = published_draw(records)
    month = month_of(published.period)
    earlier = []
    for record in records[:-1]:
        old = Draw.model_validate(record.after)
        picks = [(p.key_point, p.inspector) for p in old.picks]
        earlier.append(
            EarlierDraw(recorded_at=record.at, recorded_by=record.actor, seed=old.seed, picks=picks)
        )
    return DrawResults(
        summary=_summary(records),
        draw=published,
        earlier=earlier,
        month_start_utc=month.start_utc,
        month_end_utc=month.end_utc,
        results=[
            _result(session, rank, pick, month)
            for rank, pick in enumerate(published.picks, start=1)
        ],
    )


def _reason(published: Draw, inputs: DrawInputs, now_hash: str) -> str:
    """Why drawing again from ``inputs`` does not give ``published``, in one line."""
    if published.procedure != PROCEDURE:
        return f"procedure differs: published {published.procedure}, this service runs {PROCEDURE}"
    if published.inputs_sha256 != now_hash:
        return "inputs hash differs: key points or supervisors were registered or removed since"
    # Same codes and usernames (they were drawable then, so they are now).
    again = draw(
        inputs,
        period=published.period,
        seed=published.seed,
        key_points=published.key_points_requested,
    )
    if [(p.key_point, p.inspector) for p in again.picks] == [
        (p.key_point, p.inspector) for p in published.picks
    ]:
        return "same key points and inspectors; a key point's name, category or cameras changed"
    return "procedure differs: the same inputs give another draw"


def verify(session: Session, published: Draw) -> Verification:
    """Draw again from the registry as it is now; say whether it reproduces, and why not."""
    inputs = load_inputs(session)
    now_hash = inputs_hash(inputs)
    ok = reproduce(published, inputs)
    reason = None if ok else _reason(published, inputs, now_hash)
    return Verification(
        period=published.period,
        reproduces=ok,
        reason=reason,
        procedure_published=published.procedure,
        procedure_here=PROCEDURE,
        inputs_sha256_published=published.inputs_sha256,
        inputs_sha256_now=now_hash,
        key_points_now=sorted(entry.code for entry in inputs.key_points),
        supervisors_now=sorted(inputs.supervisors),
    )


CSV_COLUMNS = (
    "period",
    "seed",
    "procedure",
    "inputs_sha256",
    "rank",
    "key_point",
    "name",
    "category",
    "cameras",
    "inspector",
    "inspections",
    "by_drawn_inspector",
    "inspected_by",
    "tickets",
)


def draw_csv(results: DrawResults) -> str:
    """One line per pick (BOM, header row): the draw's seed and hash on every line, so any
    line is enough to reproduce it; cameras and inspectors separated by spaces."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    published = results.draw
    for result in results.results:
        pick = result.pick
        inspectors = sorted({seen.inspector for seen in result.inspections})
        writer.writerow(
            [
                published.period,
                published.seed,
                published.procedure,
                published.inputs_sha256,
                result.rank,
                pick.key_point,
                pick.name,
                pick.category,
                " ".join(pick.cameras),
                pick.inspector,
                len(result.inspections),
                sum(seen.by_drawn_inspector for seen in result.inspections),
                " ".join(inspectors),
                result.tickets.total,
            ]
        )
    return out.getvalue()


def reproduce_commands(published: Draw, key_points: list[str], supervisors: list[str]) -> list[str]:
    """Shell lines (bash, coreutils) that redo the draw's two steps by hand from the seed: the
    lowest ranks among ``key_points``, then the lowest-scoring supervisor for each pick."""
    prefix = shlex.quote(f"{published.seed}|{published.period}|")
    codes = " ".join(shlex.quote(code) for code in key_points)
    users = " ".join(shlex.quote(user) for user in supervisors)
    picked = " ".join(shlex.quote(pick.key_point) for pick in published.picks)
    rank = "sha256sum | cut -c1-64"
    return [
        f'for kp in {codes}; do echo "$(printf \'%s\' {prefix}"$kp" | {rank}) $kp"; done'
        f" | LC_ALL=C sort | head -n {published.key_points_requested}",
        f"for kp in {picked}; do for u in {users}; do"
        f' echo "$(printf \'%s\' {prefix}"$kp|$u" | {rank}) $kp $u"; done'
        " | LC_ALL=C sort | head -n 1; done",
    ]
