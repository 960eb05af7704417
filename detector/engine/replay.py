"""Exactly once after a restart: a replayed recording re-sends nothing it had already spooled.

A recording with ``started_at`` starts again from its first frame, and the pipeline is
deterministic, so it raises the same incidents with the same ids. The ticket service takes
an identical state twice without a second record, but an *older* state of an incident (its
first "raised" after its "ended") would be an update. So the worker keeps a checkpoint: the
media clock of the last frame whose incident states were all spooled. Up to that frame a
restarted camera goes through the frames again only to rebuild its tracker and background
models, and spools nothing; from the next frame on it sends as before. A live stream resumes
at "now" with new frames and needs no checkpoint.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from detector.evidence.bundle import Bundle
from detector.incidents.record import IncidentRecord
from detector.pipeline.camera import OutboxSink
from detector.sources.config import CameraConfig

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "checkpoint.json"


def _recording_key(camera: CameraConfig) -> str:
    """A checkpoint holds for the same recording started at the same moment only."""
    started = None if camera.started_at is None else camera.started_at.isoformat()
    return json.dumps([camera.source, started, camera.sampling.model_dump(mode="json")])


def load_checkpoint(path: Path, camera: CameraConfig) -> float | None:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable (%s); the recording is sent from its start", path, exc)
        return None
    if not isinstance(saved, dict) or saved.get("recording") != _recording_key(camera):
        return None
    clock_s = saved.get("clock_s")
    return float(clock_s) if isinstance(clock_s, int | float) else None


def save_checkpoint(path: Path, camera: CameraConfig, clock_s: float) -> None:
    temporary = path.with_suffix(".tmp")
    body = {"recording": _recording_key(camera), "clock_s": clock_s}
    temporary.write_text(json.dumps(body), encoding="utf-8")
    temporary.replace(path)


class ReplayGuard:
    """An outbox sink in front of the real one; call ``frame_done`` after every frame.

    Frame clocks of a replay are the same sequence as before, so the frame after one whose
    clock lies before the checkpoint lies at or before it: that is what ``replaying`` tests.
    """

    def __init__(self, sink: OutboxSink, folder: Path, camera: CameraConfig) -> None:
        self.sink = sink
        self.camera = camera
        self.path = folder / CHECKPOINT_NAME
        self.checkpoint_s = load_checkpoint(self.path, camera)
        self.replayed_frames = 0
        self._last_s: float | None = None
        self._dirty = False

    @property
    def replaying(self) -> bool:
        if self.checkpoint_s is None:
            return False
        return self._last_s is None or self._last_s < self.checkpoint_s

    def incident(self, record: IncidentRecord) -> None:
        if self.replaying:
            return
        self.sink.incident(record)
        self._dirty = True

    def bundle(self, incident: IncidentRecord, bundle: Bundle) -> None:
        # A bundle is written once (write_bundle never overwrites a folder), so one that
        # reaches here is new, even during a replay.
        self.sink.bundle(incident, bundle)

    def frame_done(self, clock_s: float) -> None:
        if self.replaying:
            self.replayed_frames += 1
        self._last_s = clock_s
        if self._dirty:
            save_checkpoint(self.path, self.camera, clock_s)
            self._dirty = False
