"""Tickets: incidents in (idempotent), life-cycle actions out, every change in the audit chain."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from api.db.engine import ATTEMPTS, LOST_RACES, Database
from api.db.models import Camera, Squad, Ticket
from api.domain import (
    COUNTED_STATUSES,
    REPEAT_WINDOW,
    Action,
    AuditEntry,
    DomainError,
    LookBackOutcome,
    LookBackRecord,
    Merge,
    NewTicket,
    PastLookBack,
    PastTicket,
    Priority,
    Reclassify,
    StaleTicketError,
    TicketState,
    TicketStatus,
    TransitionRefusedError,
    ValidationFailedError,
    apply,
    assess_repeat,
)
from api.services import audit_log
from detector.incidents.record import IncidentRecord
from detector.incidents.taxonomy import load_taxonomy

log = logging.getLogger(__name__)


class NotFoundError(DomainError):
    """A ticket, camera or squad that does not exist (HTTP 404)."""


MAX_TICKET_ID = 2**31 - 1
"""Ticket ids are 32-bit integers in the database."""


def ticket_key(row_id: int) -> str:
    return f"T-{row_id}"


def _entry(
    actor: str, action: str, now: datetime, row: Ticket, before: Any, after: Any
) -> AuditEntry:
    return AuditEntry(
        at=now,
        actor=actor,
        action=action,
        entity="ticket",
        entity_id=ticket_key(row.id),
        before=before,
        after=after,
    )


def _incident_fields(incident: IncidentRecord) -> dict[str, Any]:
    x1, y1, x2, y2 = incident.box_xyxy
    return {
        "first_seen_at": incident.first_seen_at,
        "ended_at": incident.ended_at,
        "box_xyxy": {"x1": x1, "y1": y1, "x2": x2, "y2": y2},
        "score": incident.score,
        "scores": dict(incident.scores),
    }


def ingest(
    session: Session, incident: IncidentRecord, *, actor: str, now: datetime
) -> tuple[Ticket, bool]:
    """The ticket for ``incident``: created once, updated when the incident changes.

    Idempotent by incident id: sending the same incident twice changes nothing and writes no
    second audit record. Returns the ticket and whether it was created.
    """
    if incident.raised_at is None:
        raise ValidationFailedError(
            "raised_at", f"incident {incident.id} has no UTC times (a file analysis, not a camera)"
        )
    existing = session.scalars(select(Ticket).where(Ticket.incident_id == incident.id)).first()
    fields = _incident_fields(incident)
    if existing is not None:
        before = {k: getattr(existing, k) for k in fields}
        changed = {k: v for k, v in fields.items() if before[k] != v}
        if changed:
            for key, value in changed.items():
                setattr(existing, key, value)
            existing.updated_at = now
            session.flush()
            audit_log.append(
                session, _entry(actor, "update", now, existing, _json(before), _json(fields))
            )
        return existing, False
    camera = session.get(Camera, incident.camera)
    if camera is None:
        raise NotFoundError(f"unknown camera {incident.camera!r}: register it before its incidents")
    row = Ticket(
        incident_id=incident.id,
        type=incident.type,
        camera_id=camera.id,
        key_point_id=camera.key_point_id,
        squad_id=camera.squad_id,
        status=TicketStatus.PENDING_REVIEW.value,
        priority="normal",
        raised_at=incident.raised_at,
        evidence_path=incident.bundle,
        created_at=now,
        updated_at=now,
        state={},
        **fields,
    )
    session.add(row)
    session.flush()
    state = TicketState(
        id=ticket_key(row.id), violation_type=incident.type, raised_at=incident.raised_at
    )
    row.state = state.model_dump(mode="json")
    row.priority = _priority(session, row).value
    session.flush()
    audit_log.append(session, _entry(actor, "ingest", now, row, None, _snapshot(row)))
    return row, True


@dataclass(frozen=True)
class IngestOutcome:
    ticket_id: int
    status: str
    priority: str
    created: bool


def ingest_committed(
    database: Database, incident: IncidentRecord, *, actor: str, now: datetime
) -> IngestOutcome:
    """``ingest`` in its own transaction, committed when it returns.

    Two nodes ingesting at once may pick the same audit ``seq`` (or, resending, the same
    incident id): the loser's transaction fails and is run again on the new state, where it
    appends after the winner (or finds the ticket already there).
    """

    def once(session: Session) -> IngestOutcome:
        row, created = ingest(session, incident, actor=actor, now=now)
        return IngestOutcome(row.id, row.status, row.priority, created)

    return database.committed(once, f"ingest of incident {incident.id}")


def _priority(session: Session, row: Ticket) -> Priority:
    # Only the rows the rule can count (index ix_ticket_place_type_raised); the pure rule
    # still decides, so the query may only narrow, never judge.
    others = session.scalars(
        select(Ticket).where(
            Ticket.key_point_id == row.key_point_id,
            Ticket.type == row.type,
            Ticket.raised_at >= row.raised_at - REPEAT_WINDOW,
            Ticket.raised_at <= row.raised_at,
            Ticket.status.in_([s.value for s in COUNTED_STATUSES]),
            Ticket.id != row.id,
        )
    )
    history = [
        PastTicket(
            ticket_id=ticket_key(t.id),
            violation_type=t.type,
            key_point_id=str(t.key_point_id),
            raised_at=t.raised_at,
            status=TicketStatus(t.status),
        )
        for t in others
    ]
    new = NewTicket(
        ticket_id=ticket_key(row.id),
        violation_type=row.type,
        key_point_id=str(row.key_point_id),
        raised_at=row.raised_at,
    )
    return assess_repeat(new, history, look_backs=_reopenings(session, row)).priority


def _reopenings(session: Session, row: Ticket) -> list[PastLookBack]:
    """Look-backs that found the violation back at this place, however old their ticket."""
    # Recording a look-back moved its ticket's updated_at past the check (give or take a
    # node's clock), so this only narrows; the pure rule decides what counts.
    others = session.scalars(
        select(Ticket).where(
            Ticket.key_point_id == row.key_point_id,
            Ticket.type == row.type,
            Ticket.updated_at >= row.raised_at - REPEAT_WINDOW - timedelta(days=1),
            Ticket.id != row.id,
        )
    )
    return [
        PastLookBack(
            ticket_id=ticket_key(t.id),
            violation_type=t.type,
            key_point_id=str(t.key_point_id),
            checked_at=record.checked_at,
        )
        for t in others
        for record in (LookBackRecord.model_validate(r) for r in t.state.get("look_backs", []))
        if record.outcome is LookBackOutcome.BACK
    ]


def act(
    database: Database,
    ticket_id: int,
    action: Action,
    *,
    actor: str,
    now: datetime,
    expected_version: int | None = None,
) -> TicketState:
    """Apply a life-cycle action in its own transaction, audited whether it succeeds or not.

    Two reviewers acting at once: one write wins; the other is re-decided on the new state,
    which usually refuses it (409) — and that refused attempt is audited too. With
    ``expected_version`` (the version the person saw) any change since is refused as well.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _act_once(database, ticket_id, action, actor, now, expected_version)
        except (StaleDataError, *LOST_RACES) as exc:
            if attempt == ATTEMPTS:
                raise
            log.info(
                "ticket %s: %s lost a race (%s); deciding again",
                ticket_id,
                action.action,
                type(exc).__name__,
            )
    raise AssertionError("unreachable")


def _act_once(
    database: Database,
    ticket_id: int,
    action: Action,
    actor: str,
    now: datetime,
    expected_version: int | None,
) -> TicketState:
    refused: TransitionRefusedError | StaleTicketError | None = None
    with database.session() as session:
        row = session.get(Ticket, ticket_id)
        if row is None:
            raise NotFoundError(f"no ticket {ticket_key(ticket_id)}")
        state = TicketState.model_validate(row.state)
        try:
            if expected_version is not None and expected_version != state.version:
                raise StaleTicketError(state.id, expected_version, state.version, state.updated_by)
            _check_references(session, row, action)
            new = apply(state, action, actor=actor, now=now)
        except (TransitionRefusedError, StaleTicketError) as exc:
            refused = exc
            entry = _entry(
                actor, f"{action.action}:refused", now, row, _snapshot(row), {"refused": str(exc)}
            )
            audit_log.append(session, entry)
        else:
            before = _snapshot(row)
            _write(session, row, new, now)
            # The action itself goes into the record so its note is never lost.
            after = _snapshot(row) | {"action": action.model_dump(mode="json")}
            audit_log.append(session, _entry(actor, action.action, now, row, before, after))
    if refused is not None:
        raise refused
    return new


def _check_references(session: Session, row: Ticket, action: Action) -> None:
    """What the pure life cycle cannot know: whether a type or a ticket named exists."""
    if isinstance(action, Reclassify):
        codes = load_taxonomy().violation_codes
        if action.violation_type not in codes:
            raise ValidationFailedError(
                "violation_type",
                f"unknown type {action.violation_type!r}; known: {', '.join(codes)}",
            )
    if isinstance(action, Merge):
        number = action.into.removeprefix("T-")
        usable = number.isascii() and number.isdigit() and int(number) <= MAX_TICKET_ID
        target = session.get(Ticket, int(number)) if usable else None
        if target is None:
            raise ValidationFailedError("into", f"no ticket {action.into}")
        if target.status in {TicketStatus.MERGED, TicketStatus.REJECTED, TicketStatus.CLOSED}:
            raise ValidationFailedError(
                "into", f"ticket {action.into} is {target.status}: merge into an open ticket"
            )


def _write(session: Session, row: Ticket, new: TicketState, now: datetime) -> None:
    row.state = new.model_dump(mode="json")
    row.status = new.status.value
    row.type = new.violation_type
    row.deadline = new.deadline
    row.reject_reason = None if new.reject_reason is None else new.reject_reason.value
    row.note = new.reject_note
    row.merged_into_id = (
        None if new.merged_into is None else int(new.merged_into.removeprefix("T-"))
    )
    if new.squad is not None:
        squad = session.scalars(select(Squad).where(Squad.code == new.squad)).first()
        if squad is None:
            raise NotFoundError(f"unknown squad {new.squad!r}")
        row.squad_id = squad.id
    row.updated_at = now
    session.flush()  # the version check happens here: a stale row raises StaleDataError


def _snapshot(row: Ticket) -> dict[str, Any]:
    return {
        "status": row.status,
        "type": row.type,
        "squad_id": row.squad_id,
        "priority": row.priority,
        "state": row.state,
    }


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
