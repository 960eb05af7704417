"""The detector's outbox: incidents and bundles go to the spool on disk first, then to the
ticket service from one sender thread. Camera workers and evidence writers only ever touch
the spool, so a slow or absent service never holds up a camera."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from pathlib import Path

from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from detector.outbox.client import ServiceClient
from detector.outbox.config import OutboxConfig
from detector.outbox.errors import OutboxError
from detector.outbox.messages import BundleRef, MessageKind, OutboxCounts
from detector.outbox.sender import Clock, OutboxSender
from detector.outbox.spool import OutboxSpool

log = logging.getLogger(__name__)

SPOOL_NAME = "outbox.sqlite"


class Outbox:
    """A spool file and its sender; ``incident`` and ``bundle`` may be called from any thread.

    What is pending when it closes stays in the spool and goes out after the next start.
    """

    def __init__(
        self,
        path: Path,
        client: ServiceClient,
        config: OutboxConfig | None = None,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or OutboxConfig()
        self.client = client
        self.spool = OutboxSpool(path)
        self.sender = OutboxSender(self.spool, client, self.config, clock=clock, rng=rng)
        self.clock = self.sender.clock
        keep = timedelta(days=self.config.keep_sent_days)
        pruned = self.spool.prune(self.clock.now() - keep)
        if pruned:
            log.info("outbox: deleted %d messages delivered over %s ago", pruned, keep)

    def incident(self, record: IncidentRecord) -> None:
        """Spool the incident's latest state. The service keeps UTC times only: a record with
        media seconds alone (a recording without ``started_at``) raises ``OutboxError``."""
        if record.raised_at is None:
            raise OutboxError(
                f"incident {record.id}: no UTC times (a recording needs started_at), so the "
                "ticket service cannot take it"
            )
        payload = record.model_dump_json()
        if self.spool.enqueue(MessageKind.INCIDENT, record.id, payload, self.clock.now()):
            self.sender.wake()

    def bundle(self, incident: IncidentRecord, bundle: Bundle) -> None:
        """Spool ``incident``'s written evidence bundle; it goes after the incident."""
        ref = BundleRef(path=bundle.path.resolve(), manifest_sha256=bundle.manifest_sha256)
        payload = ref.model_dump_json()
        if self.spool.enqueue(MessageKind.BUNDLE, incident.id, payload, self.clock.now()):
            self.sender.wake()

    def start(self) -> None:
        self.sender.start()

    def status(self) -> OutboxCounts:
        counts = self.spool.counts()
        return OutboxCounts(
            pending=counts.pending,
            sent=counts.sent,
            dead=counts.dead,
            last_error=counts.last_error,
            last_error_at=counts.last_error_at,
            next_attempt_at=self.sender.next_attempt_at(),
        )

    def close(self, grace_s: float | None = None) -> OutboxCounts:
        """Deliver what is due for up to ``grace_s`` (default: the config's), stop the sender,
        close the spool; returns what was left."""
        grace = self.config.drain_grace_s if grace_s is None else grace_s
        if not self.sender.stop(grace):
            log.warning("outbox: a request was still in flight at close; it will be resent")
        counts = self.status()
        self.client.close()
        self.spool.close()
        return counts

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
