"""Per-camera evidence recorder: buffers packets and writes bundles once the post-roll is in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from detector.errors import EvidenceError
from detector.evidence.bundle import Bundle, Provenance, write_bundle
from detector.evidence.clip import decodes_alone
from detector.evidence.ring_buffer import PacketRingBuffer
from detector.incidents.record import IncidentRecord
from detector.sources.config import EvidenceConfig
from detector.sources.frames import EncodedPacket, Frame

log = logging.getLogger(__name__)

# Packets arrive in decode order: B-frames come after the later picture they refer to, so the
# newest timestamp runs ahead of the last complete one by a few frames.
REORDER_MARGIN_S = 0.5


@dataclass(frozen=True)
class _Pending:
    incident: IncidentRecord
    frame: Frame


class EvidenceRecorder:
    """Give it every packet (it is a packet sink) and ask for bundles with ``request``.

    A bundle is written as soon as the buffer holds ``post_roll_s`` past the incident moment,
    or at ``flush`` when the source ends first. Failures are logged and kept in ``failed``;
    one bad clip never stops the camera.
    """

    def __init__(
        self, root: Path, config: EvidenceConfig, provenance: Provenance | None = None
    ) -> None:
        self.root = root
        self.config = config
        self.provenance = provenance or Provenance()
        self.buffer = PacketRingBuffer(config.buffer_s)
        self.written: list[Bundle] = []
        self.failed: list[tuple[IncidentRecord, str]] = []
        self._pending: list[_Pending] = []

    def __call__(self, packet: EncodedPacket) -> None:
        self.buffer.push(packet)
        if self._pending:
            self._write_due()

    def request(self, incident: IncidentRecord, frame: Frame) -> None:
        """Cut a bundle for ``incident`` around ``frame`` (the frame that raised it)."""
        if frame.image_bgr is None:
            raise EvidenceError(f"incident {incident.id}: its frame has no decoded image")
        self._pending.append(_Pending(incident, frame))
        self._write_due()

    def flush(self) -> list[Bundle]:
        """Write every pending bundle with what is buffered (the source has ended)."""
        while self._pending:
            self._write(self._pending.pop(0))
        return self.written

    def _write_due(self) -> None:
        due = [
            item
            for item in self._pending
            if self.buffer.newest_media_time_s.get(item.frame.epoch, float("-inf"))
            >= item.frame.media_time_s + self.config.post_roll_s + REORDER_MARGIN_S
            or item.frame.epoch < max(self.buffer.newest_media_time_s, default=0)
        ]
        for item in due:
            self._pending.remove(item)
            self._write(item)

    def _write(self, item: _Pending) -> None:
        moment_s = item.frame.media_time_s
        try:
            packets = self.buffer.window(
                item.frame.epoch,
                moment_s - self.config.pre_roll_s,
                moment_s + self.config.post_roll_s,
                start_ok=decodes_alone,
            )
            assert item.frame.image_bgr is not None  # checked in request()
            bundle = write_bundle(
                self.root, item.incident, item.frame.image_bgr, packets, self.provenance
            )
        except EvidenceError as exc:
            log.error("incident %s: evidence bundle failed: %s", item.incident.id, exc)
            self.failed.append((item.incident, str(exc)))
            return
        log.info("incident %s: evidence bundle %s", item.incident.id, bundle.path)
        self.written.append(bundle)
