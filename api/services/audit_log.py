"""The audit chain in the database: append inside the caller's transaction, verify all of it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import AuditRecord as AuditRow
from api.domain.audit import AuditEntry, AuditProblem, AuditRecord, chain, verify_chain


def _to_domain(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def head(session: Session) -> AuditRecord | None:
    """The newest record; its hash is what to anchor outside the database."""
    row = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).first()
    return None if row is None else _to_domain(row)


def append(session: Session, entry: AuditEntry) -> AuditRecord:
    """Seal ``entry`` after the newest record, in the caller's transaction.

    Two transactions appending at once pick the same ``seq``: the primary key lets one commit
    and makes the other fail, so the chain never forks (the caller retries).
    """
    record = chain(head(session), entry)
    session.add(
        AuditRow(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            entity=record.entity,
            entity_id=record.entity_id,
            before=record.before,
            after=record.after,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )
    )
    session.flush()
    return record


def verify(session: Session, anchored_head: str | None = None) -> list[AuditProblem]:
    """Every edited, reordered or deleted record in the stored chain; empty when intact."""
    rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
    return verify_chain([_to_domain(row) for row in rows], anchored_head=anchored_head)


def records_of(session: Session, entity: str, entity_id: str) -> list[AuditRecord]:
    """One entity's records (``"ticket"``, ``"T-12"``) in chain order, oldest first."""
    rows = session.scalars(
        select(AuditRow)
        .where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
        .order_by(AuditRow.seq)
    ).all()
    return [_to_domain(row) for row in rows]
