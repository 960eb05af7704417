"""The acceptance test of the outbox, against the real ticket service on SQLite and PostgreSQL:
an hour-long outage, a service restart and a detector restart lose nothing and duplicate
nothing; refusals are kept as dead; an unknown camera is retried until it is registered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from random import Random

import pytest

from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from detector.outbox import (
    BundleRef,
    MessageKind,
    MessageState,
    Outbox,
    OutboxConfig,
    OutboxError,
    Outcome,
    ServiceClient,
    bundle_archive,
)
from detector.outbox.sender import Clock
from tests.detector.outbox.conftest import FAST, FakeClock, Service, incident, wait_until
from tests.factories import service_rows

BundleOf = Callable[[IncidentRecord], Bundle]
HOUR_S = 3600.0


def open_outbox(
    folder: Path, service: Service, config: OutboxConfig = FAST, clock: Clock | None = None
) -> Outbox:
    client = ServiceClient(service.url, service.key, timeout_s=config.timeout_s)
    return Outbox(folder / "outbox.sqlite", client, config, clock=clock, rng=Random(7))


def drain(outbox: Outbox, clock: FakeClock, max_steps: int = 100) -> None:
    """Run the sender on the simulated clock until nothing is pending."""
    for _ in range(max_steps):
        if outbox.status().pending == 0:
            return
        clock.advance(outbox.sender.step())
    raise AssertionError(f"still pending after {max_steps} rounds: {outbox.status()}")


def spool(outbox: Outbox, records: list[IncidentRecord], bundles: list[Bundle]) -> None:
    for record in records:
        outbox.incident(record)
    for bundle in bundles:
        outbox.bundle(incident_of(bundle, records), bundle)


def incident_of(bundle: Bundle, records: list[IncidentRecord]) -> IncidentRecord:
    return next(r for r in records if r.id == bundle.path.name)


def test_an_hour_long_outage_loses_nothing(
    service: Service, bundle_of: BundleOf, tmp_path: Path
) -> None:
    service.server.stop()  # nothing listens on the service's port
    clock = FakeClock()
    config = OutboxConfig()  # the real backoff: 1 s doubling to 5 min
    outbox = open_outbox(tmp_path, service, config, clock)
    records = [incident(n) for n in (1, 2, 3)]
    bundles = [bundle_of(r) for r in records[:2]]
    spool(outbox, records, bundles)
    delays = []
    while clock.elapsed_s < HOUR_S:
        delays.append(outbox.sender.step())
        clock.advance(delays[-1])
    status = outbox.status()
    assert (status.pending, status.sent, status.dead) == (5, 0, 0)
    assert status.last_error is not None and "refused" in status.last_error.lower()
    assert 15 <= len(delays) <= 40 and max(delays) <= config.backoff_max_s
    service.server.start()
    drain(outbox, clock)
    tickets, audit = service_rows(service.database)
    assert tickets == {
        records[0].id: bundles[0].manifest_sha256,
        records[1].id: bundles[1].manifest_sha256,
        records[2].id: None,
    }
    assert audit == {"ingest": 3, "evidence": 2}
    outbox.close()


def test_a_service_restart_loses_and_duplicates_nothing(
    service: Service, bundle_of: BundleOf, tmp_path: Path
) -> None:
    outbox = open_outbox(tmp_path, service)
    outbox.start()
    first, second = incident(1), incident(2)
    first_bundle, second_bundle = bundle_of(first), bundle_of(second)
    spool(outbox, [first], [first_bundle])
    wait_until(lambda: outbox.status().sent == 2)
    service.server.stop()
    ended = first.model_copy(update={"ended_at": first.raised_at})
    spool(outbox, [second, ended], [second_bundle])
    wait_until(lambda: outbox.status().last_error is not None)
    assert outbox.status().pending == 3
    service.server.start()  # same port, same database
    wait_until(lambda: outbox.status().pending == 0)
    left = outbox.close()
    assert (left.pending, left.dead) == (0, 0)
    tickets, audit = service_rows(service.database)
    assert tickets == {
        first.id: first_bundle.manifest_sha256,
        second.id: second_bundle.manifest_sha256,
    }
    assert audit == {"ingest": 2, "evidence": 2, "update": 1}


def test_a_detector_restart_sends_nothing_twice(
    service: Service, bundle_of: BundleOf, tmp_path: Path
) -> None:
    clock = FakeClock()
    records = [incident(n) for n in (1, 2, 3)]
    bundles = [bundle_of(r) for r in records[:2]]
    outbox = open_outbox(tmp_path, service, clock=clock)
    spool(outbox, records[:1], bundles[:1])
    drain(outbox, clock)
    spool(outbox, records[1:], bundles[1:])
    # The detector dies after the service took the second incident and its bundle but before
    # the spool recorded either: both are still pending and go again after the restart.
    in_flight = outbox.spool.next_due(clock.now())
    assert in_flight is not None and in_flight.incident_id == records[1].id
    answer = outbox.client.post_incident(in_flight.payload)
    assert answer.outcome is Outcome.DELIVERED and answer.detail.startswith("HTTP 201")
    archive = bundle_archive(
        BundleRef(path=bundles[1].path, manifest_sha256=bundles[1].manifest_sha256)
    )
    assert outbox.client.put_bundle(records[1].id, archive).outcome is Outcome.DELIVERED
    assert outbox.close(grace_s=0).pending == 3
    before = service_rows(service.database)

    restarted = open_outbox(tmp_path, service, clock=clock)
    # A restarted camera may hand over states that were delivered already: not spooled again.
    spool(restarted, records[:1], bundles[:1])
    assert restarted.status().pending == 3
    drain(restarted, clock)
    restarted.close()
    tickets, audit = service_rows(service.database)
    assert tickets == {
        records[0].id: bundles[0].manifest_sha256,
        records[1].id: bundles[1].manifest_sha256,
        records[2].id: None,
    }
    # The resent incident and bundle wrote nothing: one ingest per incident, one evidence each.
    assert before[1] == {"ingest": 2, "evidence": 2}
    assert audit == {"ingest": 3, "evidence": 2}


@pytest.mark.parametrize("refusal", ["invalid incident", "bundle too large"])
def test_refused_messages_are_dead_kept_and_not_retried(
    service: Service, bundle_of: BundleOf, tmp_path: Path, refusal: str
) -> None:
    record = incident(1)
    if refusal == "invalid incident":
        # Media seconds only (a recording without started_at): the service needs UTC times.
        record = incident(1, raised_at=None, first_seen_at=None, raised_s=12.0)
    else:
        service.server.stop()
        service.server.settings = service.server.settings.model_copy(
            update={"max_bundle_bytes": 1024}
        )
        service.server.start()
    clock = FakeClock()
    outbox = open_outbox(tmp_path, service, clock=clock)
    if record.raised_at is None:
        with pytest.raises(OutboxError, match="no UTC times"):
            outbox.incident(record)  # refused at the door...
        payload = record.model_dump_json()  # ...but a spool from elsewhere may hold one
        outbox.spool.enqueue(MessageKind.INCIDENT, record.id, payload, clock.now())
    else:
        outbox.incident(record)
    outbox.bundle(record, bundle_of(record))
    drain(outbox, clock)
    dead = outbox.spool.messages(MessageState.DEAD)
    assert dead, outbox.spool.messages()
    attempts = [m.attempts for m in dead]
    for _ in range(5):
        clock.advance(outbox.sender.step() + HOUR_S)
    assert outbox.spool.messages(MessageState.DEAD) == dead  # never retried
    assert [m.attempts for m in dead] == attempts
    tickets, _ = service_rows(service.database)
    if refusal == "invalid incident":
        assert [m.kind for m in dead] == [MessageKind.INCIDENT, MessageKind.BUNDLE]
        assert "HTTP 422" in (dead[0].last_error or "") and tickets == {}
    else:
        assert [m.kind for m in dead] == [MessageKind.BUNDLE]
        assert "HTTP 413" in (dead[0].last_error or "") and tickets == {record.id: None}
    outbox.close()


def test_an_unknown_camera_is_retried_until_it_is_registered(
    service: Service, bundle_of: BundleOf, tmp_path: Path
) -> None:
    clock = FakeClock()
    outbox = open_outbox(tmp_path, service, OutboxConfig(), clock)
    early = incident(1, id="cam-later-clutter-0001", camera="cam-later")
    known = incident(2)
    spool(outbox, [early, known], [bundle_of(early)])
    for _ in range(6):
        clock.advance(outbox.sender.step())
    (waiting, bundle_waiting) = outbox.spool.messages(MessageState.PENDING)
    assert waiting.incident_id == early.id and waiting.attempts >= 2
    assert "HTTP 404" in (waiting.last_error or "") and bundle_waiting.attempts == 0
    assert list(service_rows(service.database)[0]) == [known.id]  # the others went on
    service.register_camera("cam-later")
    drain(outbox, clock)
    tickets, audit = service_rows(service.database)
    assert set(tickets) == {early.id, known.id} and tickets[early.id] is not None
    assert audit == {"ingest": 2, "evidence": 1}
    outbox.close()
