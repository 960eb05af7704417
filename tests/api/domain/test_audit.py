"""The hash-chained audit log: a sound chain verifies, every kind of tampering shows."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from api.domain import (
    GENESIS_HASH,
    AuditEntry,
    AuditProblem,
    AuditRecord,
    Confirm,
    TicketState,
    apply,
    canonical_json,
    chain,
    record_hash,
    verify_chain,
)

T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def _entry(i: int, **fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "at": T0 + timedelta(minutes=i),
        "actor": f"reviewer-{i}",
        "action": "confirm",
        "entity": "ticket",
        "entity_id": f"T-{i}",
        "before": {"status": "pending_review", "version": 1},
        "after": {"status": "confirmed", "version": 2, "note": "占道堆物"},
    }
    return AuditEntry(**(values | fields))


def _five() -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(5):
        records.append(chain(records[-1] if records else None, _entry(i)))
    return records


def _seqs(problems: list[AuditProblem]) -> list[int]:
    return [p.seq for p in problems]


def test_five_records_chain_and_verify() -> None:
    records = _five()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    assert verify_chain(records) == []
    assert verify_chain(records, anchored_head=records[-1].hash) == []


def test_hash_is_sha256_over_canonical_json_of_all_other_fields() -> None:
    record = _five()[0]
    expected_text = (
        '{"action":"confirm","actor":"reviewer-0",'
        '"after":{"note":"占道堆物","status":"confirmed","version":2},'
        '"at":"2025-06-01T08:00:00.000000+00:00",'
        '"before":{"status":"pending_review","version":1},'
        f'"entity":"ticket","entity_id":"T-0","prev_hash":"{GENESIS_HASH}","seq":1}}'
    )
    assert record.hash == hashlib.sha256(expected_text.encode("utf-8")).hexdigest()


def test_canonical_json_sorts_keys_without_spaces_in_utf8() -> None:
    assert canonical_json({"b": [1, 2], "a": "城管"}) == '{"a":"城管","b":[1,2]}'.encode()
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


def test_same_instant_in_another_zone_hashes_the_same() -> None:
    beijing = timezone(timedelta(hours=8))
    local = _entry(0, at=T0.astimezone(beijing))
    assert record_hash(local, seq=1, prev_hash=GENESIS_HASH) == _five()[0].hash


@pytest.mark.parametrize(
    "change",
    [
        {"actor": "mallory"},
        {"action": "reject"},
        {"entity_id": "T-99"},
        {"at": T0 + timedelta(days=1)},
        {"after": {"status": "rejected", "version": 2}},
        {"before": None},
    ],
    ids=lambda c: next(iter(c)),
)
def test_an_edited_field_shows_at_that_seq(change: dict[str, Any]) -> None:
    records = _five()
    records[2] = records[2].model_copy(update=change)
    problems = verify_chain(records)
    assert [str(p) for p in problems] == ["seq 3: hash does not match the content (record edited)"]


def test_edited_and_rehashed_record_is_caught_by_the_next_prev_hash() -> None:
    records = _five()
    forged = records[2].model_copy(update={"actor": "mallory"})
    records[2] = forged.model_copy(
        update={"hash": record_hash(forged, seq=3, prev_hash=forged.prev_hash)}
    )
    problems = verify_chain(records)
    assert _seqs(problems) == [4]
    assert "prev_hash does not match the hash of seq 3" in problems[0].problem


def test_swapped_records_show() -> None:
    records = _five()
    records[1], records[2] = records[2], records[1]
    problems = verify_chain(records)
    assert {2, 3} <= set(_seqs(problems))
    assert any("out of order" in p.problem for p in problems)
    assert not any("missing" in p.problem for p in problems)


def test_a_deleted_record_shows_as_missing_and_a_broken_link() -> None:
    records = _five()
    del records[2]
    assert [str(p) for p in verify_chain(records)] == [
        "seq 3: missing (record deleted)",
        "seq 4: prev_hash does not match the hash of seq 2 (changed, removed or inserted "
        "before it)",
    ]


def test_a_deleted_first_record_shows() -> None:
    records = _five()[1:]
    assert _seqs(verify_chain(records)) == [1, 2]


def test_an_inserted_record_shows() -> None:
    records = _five()
    forged = chain(records[1], _entry(9, actor="mallory"))  # a valid seq-3 record of its own
    records.insert(3, forged)
    problems = verify_chain(records)
    assert set(_seqs(problems)) == {3, 4}
    assert any("seq repeated" in p.problem for p in problems)
    assert all(isinstance(p.problem, str) and "\n" not in str(p) for p in problems)


def test_a_cut_tail_shows_only_against_the_anchored_head() -> None:
    records = _five()
    head = records[-1].hash
    cut = records[:3]
    assert verify_chain(cut) == []  # the documented limit of a chain on its own
    assert [str(p) for p in verify_chain(cut, anchored_head=head)] == [
        "seq 3: hash is not the anchored head (tail cut or rewritten)"
    ]


def test_empty_chain() -> None:
    assert verify_chain([]) == []
    assert verify_chain([], anchored_head=GENESIS_HASH) == []
    assert _seqs(verify_chain([], anchored_head=_five()[-1].hash)) == [1]


def test_records_refuse_naive_times_bad_hashes_and_edits_in_place() -> None:
    with pytest.raises(ValidationError):
        _entry(0, at=datetime(2025, 6, 1, 8, 0))
    record = _five()[0]
    with pytest.raises(ValidationError):
        AuditRecord(**(record.model_dump() | {"hash": "not-a-hash"}))
    with pytest.raises(ValidationError):
        record.actor = "mallory"  # type: ignore[misc]


def test_a_ticket_change_audits_as_json_snapshots() -> None:
    before = TicketState(id="T-1", violation_type="stall", raised_at=T0)
    after = apply(before, Confirm(), actor="reviewer-1", now=T0 + timedelta(minutes=5))
    entry = AuditEntry(
        at=after.updated_at or T0,
        actor="reviewer-1",
        action="confirm",
        entity="ticket",
        entity_id=after.id,
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )
    record = chain(None, entry)
    assert verify_chain([record]) == []
    assert record.after is not None and record.after["status"] == "confirmed"
