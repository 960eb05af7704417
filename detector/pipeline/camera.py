"""One camera's chain: source → analyzers → rules → incidents → evidence and the incident log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from detector.analyzers.base import Analyzer
from detector.analyzers.detections import Detections
from detector.errors import ConfigError
from detector.evidence.bundle import Bundle, Provenance
from detector.evidence.recorder import EvidenceRecorder
from detector.incidents.record import IncidentRecord
from detector.outbox.errors import OutboxError
from detector.pipeline.incident_log import IncidentLog
from detector.pipeline.sightings import SightingsFile
from detector.rules.scene import SceneConfig
from detector.rules.street import FrameEvidence, SceneRules
from detector.rules.tracker import EventKind, IncidentEvent, IncidentTracker
from detector.sources.config import CameraConfig
from detector.sources.factory import create_source
from detector.sources.frames import Frame
from detector.sources.health import HealthBoard
from detector.sources.locator import SourceKind, locate

log = logging.getLogger(__name__)


class OutboxSink(Protocol):
    """Where incidents and bundles go for the ticket service (``detector.outbox.Outbox``)."""

    def incident(self, record: IncidentRecord) -> None: ...

    def bundle(self, incident: IncidentRecord, bundle: Bundle) -> None: ...


@dataclass
class CameraStats:
    frames: int = 0
    raised: int = 0
    ended: int = 0
    analyzer_errors: int = 0
    last_time: float | None = None


class CameraPipeline:
    """Runs one camera end to end; ``run`` returns when its source ends or is stopped.

    Results go to ``out_dir``: ``incidents.jsonl`` and ``bundles/<incident id>/``; with an
    ``outbox``, every state of every incident and every bundle written also go there. The
    ticket service keeps UTC times only, so a recording needs ``started_at`` to use one. A
    live camera also keeps ``sightings.json`` (when it last saw each open incident), from
    which its next run resumes them.
    """

    def __init__(
        self,
        camera: CameraConfig,
        scene: SceneConfig,
        analyzers: Sequence[Analyzer],
        out_dir: Path,
        *,
        health: HealthBoard | None = None,
        provenance: Provenance | None = None,
        keep_going: bool = False,
        outbox: OutboxSink | None = None,
    ) -> None:
        live = locate(camera.id, camera.source).kind is SourceKind.STREAM
        utc = live or camera.started_at is not None
        if outbox is not None and not utc:
            raise ConfigError(
                f"camera {camera.id}: a recording has no UTC times for the ticket service; "
                "set its started_at (when its first frame was taken)"
            )
        self.camera = camera
        self.outbox = outbox
        self.analyzers = list(analyzers)
        self.keep_going = keep_going
        """Long-running watches log an analyzer failure and go on with the next frame."""
        self.bundles = out_dir / "bundles"
        self.recorder = EvidenceRecorder(
            self.bundles,
            camera.evidence,
            provenance,
            on_bundle=None if outbox is None else outbox.bundle,
        )
        self.log = IncidentLog(out_dir / "incidents.jsonl")
        self.rules = SceneRules(scene)
        self.tracker = IncidentTracker(scene, live=utc)
        self._resume: list[IncidentRecord] | None = None
        """Live incidents an earlier run left open, resumed at this run's first frame."""
        self.sightings = SightingsFile(out_dir / "sightings.json") if live else None
        if live:
            self._resume = [
                r for r in self.log.incidents if r.camera == camera.id and r.ended_at is None
            ]
        self._unbundled: set[str] = set()
        """Resumed incidents whose evidence the earlier run did not get to write."""
        self._failures_noted = 0
        self._touched: dict[str, None] = {}
        """Ids of the incidents this run raised or changed, in order (a set that keeps order)."""
        self.source = create_source(
            camera,
            packet_sink=self.recorder,
            health=health,
            on_connection_end=self.recorder.connection_ended,
        )
        self.stats = CameraStats()

    def stop(self) -> None:
        self.source.stop()

    def run(self, on_frame: Callable[[Frame], None] | None = None) -> list[IncidentRecord]:
        # Incidents still open when a recording ends stay open (ended_s null): the thing was
        # still there in the last frame.
        try:
            for frame in self.source.frames():
                self.process(frame)
                if on_frame is not None:
                    on_frame(frame)
        finally:
            self.recorder.close()
            self._note_failed_bundles()
            # Only after a frame: a run that saw none must keep the earlier run's sightings.
            if self.sightings is not None and self.stats.last_time is not None:
                self.sightings.save(self.stats.last_time, self.tracker.open_sightings())
        return [record for i in self._touched if (record := self.log.get(i)) is not None]

    def process(self, frame: Frame) -> list[IncidentEvent]:
        """Analyse one frame and act on the incidents it raises, updates or ends."""
        assert frame.image_bgr is not None
        height, width = frame.image_bgr.shape[:2]
        detections = {analyzer.name: self._analyze(analyzer, frame) for analyzer in self.analyzers}
        evidence = FrameEvidence(width, height, frame.clock_s, frame.captured_at, detections)
        if self._resume is not None:
            self._resume_open(self._resume, frame.clock_s)
            self._resume = None
        events = self.tracker.update(self.rules.observe(evidence), frame.clock_s)
        self.stats.frames += 1
        self.stats.last_time = frame.clock_s
        self._handle(events, frame)
        if self._unbundled:
            self._bundle_resumed(frame)
        if self.sightings is not None:
            self.sightings.note(frame.clock_s, self.tracker.open_sightings())
        return events

    def _resume_open(self, records: list[IncidentRecord], t_s: float) -> None:
        if not records:
            return
        self._unbundled = {r.id for r in records if not (self.bundles / r.id).is_dir()}
        for record in records:
            if record.id in self._unbundled and record.bundle:
                self.log.upsert(record.model_copy(update={"bundle": None}))
        last_seen_s = self.sightings.load() if self.sightings is not None else {}
        self.tracker.resume([self.log.get(r.id) or r for r in records], t_s, last_seen_s)
        log.info(
            "camera %s: %d incident(s) left open by its last run resumed from their last "
            "sightings: %s",
            self.camera.id,
            len(records),
            ", ".join(r.id for r in records),
        )

    def _bundle_resumed(self, frame: Frame) -> None:
        """A resumed incident whose bundle the dead run never wrote gets one when it is seen
        again: evidence from after the restart rather than none."""
        for incident in self.tracker.seen_at(frame.clock_s):
            if incident.id not in self._unbundled:
                continue
            self._unbundled.discard(incident.id)
            current = self.log.get(incident.id) or incident
            bundled = current.model_copy(update={"bundle": str(self.bundles / incident.id)})
            self.recorder.request(bundled, frame)
            self._touched[incident.id] = None
            self._record(bundled)

    def _analyze(self, analyzer: Analyzer, frame: Frame) -> Detections:
        if not self.keep_going:
            return analyzer.analyze(frame)
        try:
            return analyzer.analyze(frame)
        except Exception:  # the worker boundary: one bad frame must not stop a camera
            self.stats.analyzer_errors += 1
            log.exception("camera %s: analyzer %s failed", self.camera.id, analyzer.name)
            return Detections.empty()

    def _handle(self, events: list[IncidentEvent], frame: Frame) -> None:
        for event in events:
            incident = event.incident
            if event.kind is EventKind.RAISED:
                incident = incident.model_copy(update={"bundle": str(self.bundles / incident.id)})
                self.stats.raised += 1
                self.recorder.request(incident, frame)
                log.info("camera %s: %s raised (%s)", self.camera.id, incident.id, incident.type)
            elif event.kind is EventKind.ENDED:
                self.stats.ended += 1
                self._unbundled.discard(incident.id)  # never seen again: no later evidence
            previous = self.log.get(incident.id)
            if previous is not None and previous.bundle and not incident.bundle:
                incident = incident.model_copy(update={"bundle": previous.bundle})
            self._touched[incident.id] = None
            self._record(incident)
        self._note_failed_bundles()

    def _record(self, incident: IncidentRecord) -> None:
        self.log.upsert(incident)
        if self.outbox is None:
            return
        try:
            self.outbox.incident(incident)
        except OutboxError as exc:  # a full disk must not stop the camera; the log has it
            log.error("camera %s: incident %s not spooled: %s", self.camera.id, incident.id, exc)

    def _note_failed_bundles(self) -> None:
        """An incident whose bundle could not be written must not point at a missing folder."""
        failures = self.recorder.failed[self._failures_noted :]
        self._failures_noted += len(failures)
        for failed, reason in failures:
            current = self.log.get(failed.id)
            if current is not None and current.bundle and not Path(current.bundle).is_dir():
                self._record(current.model_copy(update={"bundle": None}))
                log.warning("incident %s has no evidence bundle: %s", failed.id, reason)
