"""Per-camera evidence recorder: buffers packets and writes bundles once the post-roll is in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from detector.errors import EvidenceError
from detector.evidence.bundle import Bundle, Provenance, remove_partials, write_bundle
from detector.evidence.clip import decodes_alone
from detector.evidence.ring_buffer import PacketRingBuffer
from detector.incidents.record import IncidentRecord
from detector.sources.config import EvidenceConfig
from detector.sources.frames import EncodedPacket, Frame, ImageBGR

log = logging.getLogger(__name__)

# Packets arrive in decode order: B-frames come after the later picture they refer to, so the
# newest timestamp runs ahead of the last complete one by a few frames.
REORDER_MARGIN_S = 0.5

BundleCallback = Callable[[IncidentRecord, Bundle], None]
"""Told about each bundle once it is complete under its real name (the outbox spools it)."""


@dataclass(frozen=True)
class _Pending:
    incident: IncidentRecord
    frame: Frame


class EvidenceRecorder:
    """Give it every packet (it is a packet sink) and ask for bundles with ``request``.

    A bundle is cut as soon as the buffer holds ``post_roll_s`` past the incident moment, or at
    ``flush`` when the source ends first. With ``background`` (the default) the clip is written
    on a worker thread, so a slow transcode never stops the camera's reads; the packets are
    immutable, so the worker needs no lock. Failures are logged and kept in ``failed``.
    ``on_bundle`` is called for each bundle written, on the thread that wrote it.
    """

    def __init__(
        self,
        root: Path,
        config: EvidenceConfig,
        provenance: Provenance | None = None,
        *,
        background: bool = True,
        on_bundle: BundleCallback | None = None,
    ) -> None:
        self.root = root
        self.on_bundle = on_bundle
        self.config = config
        self.provenance = provenance or Provenance()
        self.buffer = PacketRingBuffer(config.buffer_s)
        self.written: list[Bundle] = []
        self.failed: list[tuple[IncidentRecord, str]] = []
        self._pending: list[_Pending] = []
        self._writer = ThreadPoolExecutor(1, "evidence") if background else None
        self._in_flight: list[Future[None]] = []
        remove_partials(root)

    def __call__(self, packet: EncodedPacket) -> None:
        self.buffer.push(packet)
        if self._pending:
            self._cut_due()

    def request(self, incident: IncidentRecord, frame: Frame) -> None:
        """Cut a bundle for ``incident`` around ``frame`` (the frame that raised it)."""
        if frame.image_bgr is None:
            raise EvidenceError(f"incident {incident.id}: its frame has no decoded image")
        self._pending.append(_Pending(incident, frame))
        self._cut_due()

    def connection_ended(self) -> None:
        """The source's connection ended: no more post-roll will come for pending bundles."""
        while self._pending:
            self._cut(self._pending.pop(0))

    def flush(self) -> list[Bundle]:
        """Cut every pending bundle with what is buffered and wait until all are written."""
        self.connection_ended()
        for future in self._in_flight:
            future.result()  # _write records its own failures; this only waits
        self._in_flight.clear()
        return self.written

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown()

    def __enter__(self) -> EvidenceRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cut_due(self) -> None:
        newest = self.buffer.newest_media_time_s
        latest_epoch = max(newest, default=0)
        due = [
            item
            for item in self._pending
            if item.frame.epoch < latest_epoch
            or newest.get(item.frame.epoch, float("-inf"))
            >= item.frame.media_time_s + self.config.post_roll_s + REORDER_MARGIN_S
        ]
        for item in due:
            self._pending.remove(item)
            self._cut(item)

    def _cut(self, item: _Pending) -> None:
        moment_s = item.frame.media_time_s
        try:
            packets = self.buffer.window(
                item.frame.epoch,
                moment_s - self.config.pre_roll_s,
                moment_s + self.config.post_roll_s,
                start_ok=decodes_alone,
            )
        except EvidenceError as exc:
            self._failed(item.incident, exc)
            return
        if packets[0].media_time_s > moment_s:
            log.warning(
                "incident %s: the buffer no longer holds the moment %.1f s; the clip starts at "
                "%.1f s (buffer_s too short for the pre- and post-roll?)",
                item.incident.id,
                moment_s,
                packets[0].media_time_s,
            )
        assert item.frame.image_bgr is not None  # checked in request()
        args = (item.incident, item.frame.image_bgr, packets, moment_s)
        if self._writer is None:
            self._write(*args)
        else:
            future = self._writer.submit(self._write, *args)
            self._in_flight = [f for f in self._in_flight if not f.done()] + [future]

    def _write(
        self,
        incident: IncidentRecord,
        image: ImageBGR,
        packets: list[EncodedPacket],
        moment_s: float,
    ) -> None:
        try:
            bundle = write_bundle(self.root, incident, image, packets, self.provenance, moment_s)
        except (EvidenceError, OSError) as exc:
            self._failed(incident, exc)
            return
        except Exception as exc:  # the writer's boundary: every failure is recorded, none lost
            log.exception("incident %s: evidence bundle failed", incident.id)
            self.failed.append((incident, f"{type(exc).__name__}: {exc}"))
            return
        log.info("incident %s: evidence bundle %s", incident.id, bundle.path)
        self.written.append(bundle)
        if self.on_bundle is not None:
            try:
                self.on_bundle(incident, bundle)
            except Exception:  # the writer's boundary: the bundle itself is safe on disk
                log.exception(
                    "incident %s: handing on evidence bundle %s failed", incident.id, bundle.path
                )

    def _failed(self, incident: IncidentRecord, exc: Exception) -> None:
        log.error("incident %s: evidence bundle failed: %s", incident.id, exc)
        self.failed.append((incident, str(exc)))
