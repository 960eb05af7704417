"""Supervision notices (监督文书): what a printed notice shows, read from the database.

* A ticket's notice (督办通知书), numbered ``督-<year raised>-<ticket number, 6 digits>`` so
  a reprint carries the same number: place, camera, type and the rule it breaks, when it was
  seen, the deadline, the evidence snapshot and the SHA-256 hashes to check the evidence by.
* A repeat place's notice (重点督办通知书): the place, type, rule, the problems with their
  dates, the squad and the deadline (the soonest deadline of its open tickets, or
  ``MAJOR_DEADLINE_DAYS`` days from the notice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Camera, KeyPoint, Squad, Ticket
from api.domain import TicketStatus
from api.reports.places_service import RepeatPlaceView, open_tickets
from api.services.tickets import ticket_key
from api.storage import DirectoryStore
from detector.evidence.manifest import sha256_file
from detector.incidents.taxonomy import load_taxonomy

NO_NOTICE_STATUSES = frozenset(
    {TicketStatus.PENDING_REVIEW, TicketStatus.REJECTED, TicketStatus.MERGED}
)
"""Not a confirmed violation (yet, or ever): no notice."""
MAJOR_DEADLINE_DAYS = 3
NO_RULE = "（未配置所违反的条款：请在 datasets/taxonomy.yaml 中为该类型补充 rule）"
SNAPSHOT = "snapshot.jpg"


def notice_refusal(status: str) -> str | None:
    """Why a ticket in ``status`` gets no notice, or ``None`` when it does."""
    if status in NO_NOTICE_STATUSES:
        return f"the ticket is {status}: notices are issued for confirmed tickets only"
    return None


def notice_number(ticket_id: int, raised_at: datetime, zone: ZoneInfo) -> str:
    return f"督-{raised_at.astimezone(zone).year}-{ticket_id:06d}"


@dataclass(frozen=True)
class TypeText:
    code: str
    zh: str
    rule: str


def type_text(code: str) -> TypeText:
    """The violation's Chinese name and rule from the taxonomy (the code itself if unknown)."""
    try:
        violation = load_taxonomy().violation(code)
    except KeyError:
        return TypeText(code, code, NO_RULE)
    return TypeText(code, violation.zh, violation.rule or NO_RULE)


def category_zh(code: str) -> str:
    for category in load_taxonomy().key_points:
        if category.code == code:
            return category.zh
    return code


@dataclass(frozen=True)
class Snapshot:
    jpeg: bytes | None
    """``None``: the ticket has no evidence bundle (or it lost its snapshot)."""
    sha256: str | None
    manifest_sha256: str | None


@dataclass(frozen=True)
class TicketNotice:
    number: str
    issued_on: date
    ticket: str
    status: str
    squad: str
    """The squad's name and code."""
    key_point: str
    key_point_code: str
    category: str
    camera: str
    type: TypeText
    seen_at: datetime
    """Local time (the notice's zone)."""
    deadline: datetime | None
    snapshot: Snapshot


def _snapshot(store: DirectoryStore, row: Ticket) -> Snapshot:
    path = store.path_of(row.incident_id, SNAPSHOT) if row.manifest_sha256 else None
    if path is None:
        return Snapshot(None, None, row.manifest_sha256)
    return Snapshot(path.read_bytes(), sha256_file(path), row.manifest_sha256)


def _squad_text(squad: Squad | None) -> str:
    return "—" if squad is None else f"{squad.name}（{squad.code}）"


def ticket_notice(
    session: Session, store: DirectoryStore, row: Ticket, zone: ZoneInfo, now: datetime
) -> TicketNotice:
    """The notice of a ticket that may have one (see ``notice_refusal``)."""
    key_point = session.get(KeyPoint, row.key_point_id)
    camera = session.get(Camera, row.camera_id)
    assert key_point is not None and camera is not None  # foreign keys
    seen = row.first_seen_at or row.raised_at
    return TicketNotice(
        number=notice_number(row.id, row.raised_at, zone),
        issued_on=now.astimezone(zone).date(),
        ticket=ticket_key(row.id),
        status=row.status,
        squad=_squad_text(session.get(Squad, row.squad_id)),
        key_point=key_point.name,
        key_point_code=key_point.code,
        category=category_zh(key_point.category),
        camera=f"{camera.name}（{camera.id}）" if camera.name else camera.id,
        type=type_text(row.type),
        seen_at=seen.astimezone(zone),
        deadline=None if row.deadline is None else row.deadline.astimezone(zone),
        snapshot=_snapshot(store, row),
    )


@dataclass(frozen=True)
class RepeatNotice:
    number: str
    issued_on: date
    place: RepeatPlaceView
    category: str
    type: TypeText
    squad: str
    deadline: datetime
    problems: tuple[tuple[str, datetime, str], ...]
    """(ticket, local time, source) oldest first."""
    threshold: int
    window_days: int
    zone: ZoneInfo


def repeat_notice(
    session: Session,
    place: RepeatPlaceView,
    zone: ZoneInfo,
    now: datetime,
    *,
    threshold: int,
    window_days: int,
) -> RepeatNotice:
    issued = now.astimezone(zone)
    deadlines = [
        row.deadline
        for row in open_tickets(session, place.key_point, place.type)
        if row.deadline is not None
    ]
    deadline = min(deadlines) if deadlines else now + timedelta(days=MAJOR_DEADLINE_DAYS)
    squad = None
    key_point = session.scalars(select(KeyPoint).where(KeyPoint.code == place.key_point)).one()
    if key_point.squad_id is not None:
        squad = session.get(Squad, key_point.squad_id)
    return RepeatNotice(
        number=f"重督-{issued:%Y%m%d}-{place.key_point}-{place.type}",
        issued_on=issued.date(),
        place=place,
        category=category_zh(place.category),
        type=type_text(place.type),
        squad=_squad_text(squad),
        deadline=deadline.astimezone(zone),
        problems=tuple(
            (problem.ticket, problem.at.astimezone(zone), problem.source)
            for problem in place.problems
        ),
        threshold=threshold,
        window_days=window_days,
        zone=zone,
    )
