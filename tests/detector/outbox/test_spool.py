"""The spool on disk: it survives restarts, keeps only the latest state, and keeps order."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from detector.outbox import BundleRef, MessageKind, MessageState, OutboxError, OutboxSpool
from tests.detector.outbox.conftest import START, incident

INCIDENT = MessageKind.INCIDENT
BUNDLE = MessageKind.BUNDLE
LATER = START + timedelta(minutes=1)


def bundle_payload(incident_id: str, digest: str = "a" * 64) -> str:
    return BundleRef(path=Path("/b") / incident_id, manifest_sha256=digest).model_dump_json()


def state(number: int, score: float = 0.9) -> tuple[str, str]:
    record = incident(number, score=score)
    return record.id, record.model_dump_json()


def test_messages_survive_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    with OutboxSpool(path) as spool:
        for number in (1, 2, 3):
            spool.enqueue(INCIDENT, *state(number), START)
        spool.enqueue(BUNDLE, state(1)[0], bundle_payload(state(1)[0]), START)
        first, second = spool.next_due(START), None
        assert first is not None
        spool.mark_sent(first, START)
        second = spool.next_due(START)
        assert second is not None
        spool.mark_dead(second, "HTTP 422: invalid", START)
        before = spool.messages()
    with OutboxSpool(path) as spool:
        assert spool.messages() == before
        counts = spool.counts()
        assert (counts.pending, counts.sent, counts.dead) == (2, 1, 1)
        assert counts.last_error == "HTTP 422: invalid"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_spool_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(OutboxError, match="cannot open the outbox spool"):
        OutboxSpool(path)


@pytest.mark.parametrize(
    ("scores", "sent_first", "spooled", "pending_score"),
    [
        # Two states before any was sent: only the latest goes.
        ([0.5, 0.7], False, [True, True], 0.7),
        # The same state again while pending: nothing new.
        ([0.5, 0.5], False, [True, False], 0.5),
        # The state already delivered: not spooled again (a detector restart replaying it).
        ([0.5, 0.5], True, [True, False], None),
        # A newer state after the first was delivered: spooled anew.
        ([0.5, 0.7], True, [True, True], 0.7),
    ],
)
def test_only_the_latest_undelivered_state_is_kept(
    tmp_path: Path,
    scores: list[float],
    sent_first: bool,
    spooled: list[bool],
    pending_score: float | None,
) -> None:
    with OutboxSpool(tmp_path / "outbox.sqlite") as spool:
        results = []
        for n, score in enumerate(scores):
            results.append(spool.enqueue(INCIDENT, *state(1, score), START))
            if n == 0 and sent_first:
                message = spool.next_due(START)
                assert message is not None and spool.mark_sent(message, START)
        assert results == spooled
        pending = spool.messages(MessageState.PENDING)
        assert [incident(1).model_validate_json(m.payload).score for m in pending] == (
            [] if pending_score is None else [pending_score]
        )


def test_a_state_replaced_while_in_flight_is_not_lost(tmp_path: Path) -> None:
    with OutboxSpool(tmp_path / "outbox.sqlite") as spool:
        spool.enqueue(INCIDENT, *state(1, 0.5), START)
        in_flight = spool.next_due(START)
        assert in_flight is not None
        spool.enqueue(INCIDENT, *state(1, 0.8), START)  # the camera updates it meanwhile
        assert not spool.mark_sent(in_flight, START)  # the service got 0.5, not 0.8
        following = spool.next_due(START)
        assert following is not None and following.payload == state(1, 0.8)[1]
        assert spool.mark_sent(following, START)
        assert spool.counts().pending == 0


def test_a_bundle_goes_only_after_its_incident(tmp_path: Path) -> None:
    first, second = state(1)[0], state(2)[0]
    with OutboxSpool(tmp_path / "outbox.sqlite") as spool:
        spool.enqueue(INCIDENT, *state(1), START)
        spool.enqueue(BUNDLE, first, bundle_payload(first), START)
        spool.enqueue(INCIDENT, *state(2), START)
        head = spool.next_due(START)
        assert head is not None and (head.kind, head.incident_id) == (INCIDENT, first)
        spool.mark_failed(head, "HTTP 404: unknown camera", START, retry_at=LATER)
        # The first incident waits, so its bundle waits too; the second incident goes.
        other = spool.next_due(START)
        assert other is not None and (other.kind, other.incident_id) == (INCIDENT, second)
        spool.mark_sent(other, START)
        assert spool.next_due(START) is None
        assert spool.next_attempt_at() == LATER
        retried = spool.next_due(LATER)
        assert retried is not None and retried.seq == head.seq and retried.attempts == 1
        spool.mark_sent(retried, LATER)
        last = spool.next_due(LATER)
        assert last is not None and (last.kind, last.incident_id) == (BUNDLE, first)


def test_the_bundle_of_a_refused_incident_dies_with_it(tmp_path: Path) -> None:
    first, second = state(1)[0], state(2)[0]
    with OutboxSpool(tmp_path / "outbox.sqlite") as spool:
        spool.enqueue(INCIDENT, *state(1), START)
        spool.enqueue(BUNDLE, first, bundle_payload(first), START)
        spool.enqueue(INCIDENT, *state(2), START)
        for _ in range(2):
            message = spool.next_due(START)
            assert message is not None
            spool.mark_dead(message, "HTTP 422: raised_at: no UTC times", START)
        # A bundle written after its incident was refused is not sent either.
        spool.enqueue(BUNDLE, second, bundle_payload(second), START)
        dead = spool.messages(MessageState.DEAD)
        assert [(m.kind, m.incident_id) for m in dead] == [
            (INCIDENT, first),
            (BUNDLE, first),
            (INCIDENT, second),
            (BUNDLE, second),
        ]
        assert all("no UTC times" in (m.last_error or "") for m in dead)
        assert spool.next_due(LATER) is None and spool.counts().pending == 0


def test_delivered_messages_are_pruned_after_a_while(tmp_path: Path) -> None:
    with OutboxSpool(tmp_path / "outbox.sqlite") as spool:
        spool.enqueue(INCIDENT, *state(1), START)
        message = spool.next_due(START)
        assert message is not None
        spool.mark_sent(message, START)
        assert spool.prune(START) == 0
        assert spool.prune(LATER) == 1
        assert spool.counts().sent == 0
