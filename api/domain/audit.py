"""Append-only audit records, chained by SHA-256 so that an edit anywhere shows.

Each record's ``hash`` is SHA-256 over the canonical JSON of all its other fields (sorted
keys, no spaces, UTF-8, ``at`` as ISO-8601 UTC with microseconds), and ``prev_hash`` is the
previous record's ``hash`` (``GENESIS_HASH`` for seq 1). ``verify_chain`` then finds:

* an edited record: its hash no longer matches its content;
* an edited record whose hash was recomputed: the next record's ``prev_hash`` disagrees;
* deleted, inserted or reordered records: seq gaps, seq out of order, ``prev_hash`` breaks.

What the chain alone cannot show is a cut tail (the last records deleted) or a tail rewritten
from some point with every hash recomputed: the remaining chain is self-consistent. So the
latest hash must be anchored outside the database (the API exposes it; ops copy it to
somewhere the database's writers cannot change) and passed to ``verify_chain`` as
``anchored_head``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from api.domain.utc import UtcDatetime

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first record (seq 1)."""

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Snapshot = dict[str, JsonValue] | None
"""An entity as JSON before or after the change (``None`` before creation or after removal);
for a ticket, ``TicketState.model_dump(mode="json")``."""


class AuditEntry(BaseModel):
    """What happened, before it is sealed into the chain by ``chain``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: UtcDatetime
    actor: str = Field(min_length=1, max_length=128)
    action: str = Field(min_length=1, max_length=64)
    entity: str = Field(min_length=1, max_length=64, description="e.g. 'ticket'")
    entity_id: str = Field(min_length=1, max_length=64)
    before: Snapshot
    after: Snapshot


class AuditRecord(AuditEntry):
    """An entry sealed at position ``seq`` (from 1) of the chain."""

    seq: int = Field(ge=1)
    prev_hash: Sha256Hex
    hash: Sha256Hex


def _iso_utc(at: datetime) -> str:
    # Fixed precision and offset so one instant always gives the same text.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(payload: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8 (not \\u escapes), no NaN: the bytes that get hashed."""
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def record_hash(entry: AuditEntry, *, seq: int, prev_hash: str) -> str:
    """SHA-256 (hex) of every field of the record except ``hash`` itself."""
    payload = {
        "seq": seq,
        "at": _iso_utc(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def chain(previous: AuditRecord | None, entry: AuditEntry) -> AuditRecord:
    """Seal ``entry`` as the record after ``previous`` (``None``: the first record)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS_HASH if previous is None else previous.hash
    return AuditRecord(
        **entry.model_dump(),
        seq=seq,
        prev_hash=prev_hash,
        hash=record_hash(entry, seq=seq, prev_hash=prev_hash),
    )


@dataclass(frozen=True)
class AuditProblem:
    """One thing wrong with the chain, at record ``seq``; ``str()`` is one line."""

    seq: int
    problem: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.problem}"


def _missing(records: Sequence[AuditRecord]) -> set[int]:
    present = {r.seq for r in records}
    return set(range(1, max(present) + 1)) - present


def _order_problem(prev: AuditRecord, rec: AuditRecord, missing: set[int]) -> str | None:
    if rec.seq == prev.seq + 1:
        return None
    if rec.seq == prev.seq:
        return "seq repeated: a second record with this seq follows the first (inserted)"
    skipped = set(range(prev.seq + 1, rec.seq))
    if rec.seq > prev.seq and skipped <= missing:
        return None  # a plain gap: already reported once per missing seq
    return f"out of order: follows seq {prev.seq} (reordered or inserted)"


def _record_problems(
    records: Sequence[AuditRecord], index: int, missing: set[int]
) -> list[AuditProblem]:
    rec = records[index]
    prev = records[index - 1] if index else None
    found: list[AuditProblem] = []
    if record_hash(rec, seq=rec.seq, prev_hash=rec.prev_hash) != rec.hash:
        found.append(AuditProblem(rec.seq, "hash does not match the content (record edited)"))
    order = None if prev is None else _order_problem(prev, rec, missing)
    if order is not None:
        found.append(AuditProblem(rec.seq, order))
    expected_prev = GENESIS_HASH if prev is None else prev.hash
    if rec.prev_hash != expected_prev:
        before = "the chain's start" if prev is None else f"seq {prev.seq}"
        found.append(
            AuditProblem(
                rec.seq,
                f"prev_hash does not match the hash of {before} (changed, "
                "removed or inserted before it)",
            )
        )
    return found


def verify_chain(
    records: Sequence[AuditRecord], *, anchored_head: str | None = None
) -> list[AuditProblem]:
    """Every problem in ``records`` (the whole chain, in stored order), by seq; empty if sound.

    ``anchored_head`` is the latest hash kept outside the database: with it, a cut or
    rewritten tail shows too; without it, it cannot (see the module docstring).
    """
    if not records:
        if anchored_head is not None and anchored_head != GENESIS_HASH:
            return [AuditProblem(1, "missing: the chain is empty but a head is anchored")]
        return []
    missing = _missing(records)
    found = [AuditProblem(seq, "missing (record deleted)") for seq in sorted(missing)]
    for index in range(len(records)):
        found.extend(_record_problems(records, index, missing))
    last = records[-1]
    if anchored_head is not None and last.hash != anchored_head:
        found.append(
            AuditProblem(last.seq, "hash is not the anchored head (tail cut or rewritten)")
        )
    return sorted(found, key=lambda p: p.seq)
