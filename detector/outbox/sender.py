"""The sender: one thread that delivers spooled messages in order, retrying forever.

Failures of the service as a whole (no connection, timeouts, gateway errors, a key not
accepted) pause the whole sender with exponential, jittered backoff; a message the service
cannot take yet (unknown camera, 5xx on it) waits on its own so it never blocks the others; a
message refused for good is marked dead. Clock and sleep are injectable, so tests can live
through an hour-long outage in milliseconds.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from detector.outbox.client import Answer, Outcome, ServiceClient, bundle_archive
from detector.outbox.config import OutboxConfig
from detector.outbox.errors import OutboxError
from detector.outbox.messages import BundleRef, MessageKind, OutboxMessage
from detector.outbox.spool import OutboxSpool
from detector.sources.backoff import ExponentialBackoff

log = logging.getLogger(__name__)

IDLE_S = 60.0
"""With nothing due, look at the spool again after this long anyway."""
MAX_DOUBLINGS = 32
"""Past this many failures the delay is long at its cap; keeps 2**n finite."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current UTC time (aware)."""
        ...

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        """Wait ``seconds``, or less when ``wake`` is set."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        wake.wait(seconds)


class OutboxSender:
    """Delivers ``spool``'s messages through ``client``; ``start`` runs it on its own thread,
    ``step`` runs one round on the caller's (for tests with a simulated clock)."""

    def __init__(
        self,
        spool: OutboxSpool,
        client: ServiceClient,
        config: OutboxConfig,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.spool = spool
        self.client = client
        self.config = config
        self.clock = clock or SystemClock()
        self.resume_at: datetime | None = None
        """While the service is unreachable: when the sender tries again."""
        self._rng = rng or random.Random()
        self._failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._drain_until: datetime | None = None
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Something was spooled: look now rather than at the next planned time."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, grace_s: float = 0.0) -> bool:
        """Deliver what is due for up to ``grace_s``, then stop; True if the thread ended.

        A request in flight runs to its end or its timeout; what is left stays spooled.
        """
        thread = self._thread
        if thread is None:
            return True
        self._drain_until = self.clock.now() + timedelta(seconds=grace_s)
        self._wake.set()
        thread.join(grace_s)
        self._stop.set()
        self._wake.set()
        thread.join(self.config.timeout_s + 1.0)
        return not thread.is_alive()

    def step(self) -> float:
        """Send every message that is due, in spool order; returns seconds until the next try."""
        while not self._stop.is_set():
            now = self.clock.now()
            if self._drain_until is not None and now >= self._drain_until:
                return 0.0
            if self.resume_at is not None and now < self.resume_at:
                return (self.resume_at - now).total_seconds()
            message = self.spool.next_due(now)
            if message is None:
                break
            self._attempt(message)
        return self._idle_delay_s()

    def next_attempt_at(self) -> datetime | None:
        """When the sender will try next; None when nothing is pending."""
        due = self.spool.next_attempt_at()
        if due is None or self.resume_at is None:
            return due
        return max(due, self.resume_at)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                delay_s = self.step()
            except Exception:  # the sender's boundary: log, pause, and go on
                log.exception("outbox: the sender failed; trying again later")
                delay_s = self._pause("the sender failed (see the log)")
            if self._drain_until is not None and (
                delay_s > 0 or self.clock.now() >= self._drain_until
            ):
                return  # stopping: nothing more is due now, or the grace period is over
            self.clock.sleep(delay_s, self._wake)

    def _idle_delay_s(self) -> float:
        due = self.spool.next_attempt_at()
        if due is None:
            return IDLE_S
        return min(IDLE_S, max(0.0, (due - self.clock.now()).total_seconds()))

    def _send(self, message: OutboxMessage) -> Answer:
        if message.kind is MessageKind.INCIDENT:
            return self.client.post_incident(message.payload)
        try:
            archive = bundle_archive(BundleRef.model_validate_json(message.payload))
        except OutboxError as exc:
            return Answer(Outcome.REFUSED, str(exc))
        except OSError as exc:
            return Answer(Outcome.NOT_YET, f"cannot read the bundle: {exc}")
        return self.client.put_bundle(message.incident_id, archive)

    def _attempt(self, message: OutboxMessage) -> None:
        answer = self._send(message)
        now = self.clock.now()
        name = f"{message.kind.value} {message.incident_id}"
        if answer.outcome is Outcome.UNREACHABLE:
            self.spool.mark_failed(message, answer.detail, now, None)
            self._pause(answer.detail)
            return
        self._answered()
        if answer.outcome is Outcome.DELIVERED:
            if self.spool.mark_sent(message, now):
                log.info("outbox: %s delivered (%s)", name, answer.detail)
            else:
                log.info("outbox: %s delivered; a newer state goes next", name)
        elif answer.outcome is Outcome.NOT_YET:
            delay_s = self._delay_s(message.attempts)
            self.spool.mark_failed(message, answer.detail, now, now + timedelta(seconds=delay_s))
            log.warning(
                "outbox: %s not taken yet (%s); again in %.0f s", name, answer.detail, delay_s
            )
        else:
            self.spool.mark_dead(message, answer.detail, now)
            log.error(
                "outbox: %s refused for good, kept as dead in %s: %s",
                name,
                self.spool.path,
                answer.detail,
            )

    def _pause(self, reason: str) -> float:
        delay_s = self._delay_s(self._failures)
        self._failures += 1
        self.resume_at = self.clock.now() + timedelta(seconds=delay_s)
        level = logging.WARNING if self._failures == 1 else logging.INFO
        log.log(
            level, "outbox: ticket service unreachable (%s); next try in %.0f s", reason, delay_s
        )
        return delay_s

    def _answered(self) -> None:
        if self._failures:
            log.warning("outbox: the ticket service answers again after %d tries", self._failures)
        self._failures = 0
        self.resume_at = None

    def _delay_s(self, failures: int) -> float:
        backoff = ExponentialBackoff(
            self.config.backoff_initial_s,
            self.config.backoff_max_s,
            jitter=self.config.backoff_jitter,
            rng=self._rng,
        )
        backoff.failures = min(failures, MAX_DOUBLINGS)
        return backoff.next_delay_s()
