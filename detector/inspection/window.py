"""A short look at a camera: its next ``seconds`` (live) or its frames (a recording).

Both commands look the same way: through the scene's analyzers and rules. An inspection runs
the whole chain (incidents, evidence, the outbox) as ``watch`` does; a look-back only needs
each frame's observations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from detector.analyzers.detections import Detections
from detector.errors import StreetOrderError
from detector.incidents.record import IncidentRecord
from detector.inspection.look_back import Sighting
from detector.pipeline.analyzers import AnalyzerSettings, build_analyzers
from detector.pipeline.camera import CameraPipeline, OutboxSink
from detector.rules.scene import SceneConfig
from detector.rules.street import RULES, FrameEvidence, SceneRules
from detector.sources.config import CameraConfig, is_stream_url
from detector.sources.factory import create_source
from detector.sources.frames import Frame

CONNECT_ATTEMPTS = 2
"""A live camera that fails this many times in a row is reported unreadable: a person waits."""
WALL_MARGIN_S = 5.0
PARALLEL_CAMERAS = 8
"""Cameras looked at at once: a live window takes its seconds whatever the load, so one
camera after another would make an hourly look-back of many cameras last hours."""
INSPECTION_DWELL_SHARE = 0.5
"""An inspection raises on evidence that lasts this share of its window: a scene's dwell is
meant for round-the-clock watching (a stall standing five minutes) and would outlast a
one-minute look, which could then never find anything."""


@dataclass
class Window:
    """What one camera showed during its window."""

    camera_id: str
    frames: int = 0
    span_s: float = 0.0
    """Seconds between the first and last analysed frame."""
    sightings: list[list[Sighting]] = field(default_factory=list)
    """Per analysed frame, the rules' observations (look-backs)."""
    incidents: list[IncidentRecord] = field(default_factory=list)
    """Incidents raised or changed (inspections)."""


def for_window(camera: CameraConfig) -> CameraConfig:
    """The camera with a bounded number of reconnects: a window must end."""
    if not is_stream_url(camera.source):
        return camera
    live = camera.live.model_copy(update={"max_connect_attempts": CONNECT_ATTEMPTS})
    return camera.model_copy(update={"live": live})


def _wall_limit_s(camera: CameraConfig, seconds: float) -> float:
    """How long a window may take by the clock: a stalled stream yields no frame to stop on."""
    live = camera.live
    reconnecting_s = CONNECT_ATTEMPTS * (live.open_timeout_s + live.backoff_initial_s)
    return seconds + reconnecting_s + WALL_MARGIN_S


class _Limit:
    """Stops a source once ``seconds`` of frames were seen, or the clock ran out."""

    def __init__(self, window: Window, seconds: float, stop: Callable[[], None]) -> None:
        self.window, self.seconds, self.stop = window, seconds, stop
        self._first: float | None = None

    def frame(self, frame: Frame) -> None:
        if self._first is None:
            self._first = frame.clock_s
        self.window.frames += 1
        self.window.span_s = frame.clock_s - self._first
        if self.window.span_s >= self.seconds:
            self.stop()


@contextmanager
def _timer(limit_s: float, stop: Callable[[], None]) -> Iterator[None]:
    timer = threading.Timer(limit_s, stop)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def for_inspection(scene: SceneConfig, seconds: float) -> SceneConfig:
    """The scene with every rule's dwell at most ``INSPECTION_DWELL_SHARE`` of the window."""
    cap = max(1.0, seconds * INSPECTION_DWELL_SHARE)
    rules = {}
    for code in RULES:
        rule = scene.rule(code)
        rules[code] = rule.model_copy(update={"dwell_s": min(rule.dwell_s, cap)})
    return scene.model_copy(update={"rules": rules})


def inspect_camera(
    camera: CameraConfig,
    scene: SceneConfig,
    settings: AnalyzerSettings,
    out_dir: Path,
    seconds: float,
    outbox: OutboxSink,
) -> Window:
    """Run the full chain on ``camera`` for ``seconds`` (dwell times capped to fit the
    window); incidents and bundles go to ``outbox``. Raises ``StreetOrderError`` when the
    camera cannot be read or used."""
    camera = for_window(camera)
    scene = for_inspection(scene, seconds)
    pipeline = CameraPipeline(
        camera, scene, build_analyzers(scene, settings), out_dir, keep_going=True, outbox=outbox
    )
    window = Window(camera.id)
    limit = _Limit(window, seconds, pipeline.stop)
    with _timer(_wall_limit_s(camera, seconds), pipeline.stop):
        window.incidents = pipeline.run(on_frame=limit.frame)
    return window


def observe_camera(
    camera: CameraConfig, scene: SceneConfig, settings: AnalyzerSettings, seconds: float
) -> Window:
    """Each analysed frame's rule observations over ``seconds``, with no incidents raised.
    Raises ``StreetOrderError`` when the camera cannot be read."""
    camera = for_window(camera)
    analyzers = build_analyzers(scene, settings)
    rules = SceneRules(scene)
    source = create_source(camera)
    window = Window(camera.id)
    limit = _Limit(window, seconds, source.stop)
    with _timer(_wall_limit_s(camera, seconds), source.stop):
        for frame in source.frames():
            assert frame.image_bgr is not None
            height, width = frame.image_bgr.shape[:2]
            detections: dict[str, Detections] = {a.name: a.analyze(frame) for a in analyzers}
            # No time of day: whether the rule applies now is decided per ticket beforehand
            # (look_back.blind_spot), and the window's frames must all count.
            evidence = FrameEvidence(width, height, frame.clock_s, None, detections)
            window.sightings.append(
                [Sighting(obs.type, obs.box_xyxy) for obs in rules.observe(evidence)]
            )
            limit.frame(frame)
    return window


def look_at_all(looks: Mapping[str, Callable[[], Window]]) -> dict[str, Window | StreetOrderError]:
    """Run each camera's look (``inspect_camera`` or ``observe_camera`` bound to its
    arguments) in parallel; a camera that cannot be read gives its error, never stops others."""
    results: dict[str, Window | StreetOrderError] = {}
    if not looks:
        return results
    with ThreadPoolExecutor(min(PARALLEL_CAMERAS, len(looks)), "look") as pool:
        futures = {camera_id: pool.submit(look) for camera_id, look in looks.items()}
        for camera_id, future in futures.items():
            try:
                results[camera_id] = future.result()
            except StreetOrderError as exc:
                results[camera_id] = exc
    return results
