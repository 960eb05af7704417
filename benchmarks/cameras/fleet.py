"""One measured case: N cameras in one ``Watch`` (the ``streetorder watch`` code path), paced.

Runs in a fresh process per case, so each case's memory starts from the same state. The
watch is built from YAML files by ``load_watch`` exactly as the CLI builds it; the only
additions are around each camera's source:

- **pacing**: a file source reads as fast as it can, a camera delivers in real time. Each
  pipeline's source is wrapped so that a frame is handed on no earlier than its media time
  after the camera's start; camera ``i`` of ``N`` starts ``i/N`` s later than camera 0 so that
  the cameras' key frames do not all fall on the same instant;
- **byte count**: the source's packet sink (the camera's evidence recorder) is wrapped to
  count the bytes it reads, i.e. the stream's bitrate as the camera receives it.

The process's CPU time (``getrusage``, all threads) and resident memory (``VmRSS``) are read
at the start and end of a fixed window after a warm-up.
"""

from __future__ import annotations

import logging
import os
import resource
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from detector.evidence.recorder import EvidenceRecorder
from detector.sources.factory import VideoSource
from detector.sources.frames import EncodedPacket, Frame

log = logging.getLogger("bench.cameras")

FULL_FRAME = [[0, 0], [1, 0], [1, 1], [0, 1]]
# The wall zone of the text case: the upper 40 % of the frame, where a facade would be.
UPPER_PART = [[0, 0], [1, 0], [1, 0.4], [0, 0.4]]
# The motorway camera's burned-in caption (lower left), masked as an operator would.
MOTORWAY_CAPTION_MASK = [[0, 70], [90, 70], [90, 100], [0, 100]]


@dataclass(frozen=True)
class FleetCase:
    """What one worker process runs; ``cameras == 0`` measures the idle process."""

    name: str
    clip: str
    cameras: int
    analyzers: str
    """``static`` (static change), ``static+text`` or ``static+yolo``."""
    model: str | None
    warmup_s: float
    window_s: float


class PacedSource:
    """Hands on the inner source's frames no earlier than their media time after ``start``."""

    def __init__(self, inner: VideoSource, start: float) -> None:
        self.inner = inner
        self.camera_id = inner.camera_id
        self.start = start
        self.late_s: list[tuple[float, float]] = []
        """(monotonic time, seconds late) for each frame: how far reading fell behind."""
        self._stop = threading.Event()

    def frames(self) -> Iterator[Frame]:
        for frame in self.inner.frames():
            now = time.monotonic()
            due = self.start + frame.media_time_s
            self.late_s.append((now, max(0.0, now - due)))
            if due > now and self._stop.wait(due - now):
                return
            yield frame

    def stop(self) -> None:
        self._stop.set()
        self.inner.stop()


class CountingSink:
    """The evidence recorder as packet sink, counting the bytes that pass through."""

    def __init__(self, recorder: EvidenceRecorder) -> None:
        self.recorder = recorder
        self.bytes = 0

    def __call__(self, packet: EncodedPacket) -> None:
        self.bytes += packet.size
        self.recorder(packet)


def _scene(camera_id: str, case: FleetCase) -> dict[str, Any]:
    zones: list[dict[str, Any]] = [{"name": "pavement", "type": "pavement", "polygon": FULL_FRAME}]
    rules: dict[str, Any] = {"clutter": {"dwell_s": 10}, "stall": {"dwell_s": 10}}
    if "text" in case.analyzers:
        zones.append({"name": "wall", "type": "wall", "polygon": UPPER_PART})
        rules["illegal_ad"] = {"dwell_s": 10}
    if "motorway" in Path(case.clip).name:
        zones.append({"name": "caption", "type": "mask", "polygon": MOTORWAY_CAPTION_MASK})
    return {"camera": {"id": camera_id, "key_point": "key_road"}, "zones": zones, "rules": rules}


def write_watch_files(case: FleetCase, folder: Path) -> Path:
    """A cameras file and one scene file per camera, as an operator would write them."""
    cameras = []
    for i in range(case.cameras):
        scene = folder / f"cam-{i}.yaml"
        scene.write_text(yaml.safe_dump(_scene(f"cam-{i}", case)), encoding="utf-8")
        cameras.append(
            {"scene": scene.name, "source": case.clip, "sampling": {"mode": "keyframes"}}
        )
    analyzers: dict[str, Any] = {}
    if case.model is not None:
        analyzers["objects"] = {"model_path": case.model, "runtime": "pytorch"}
    watch = {"out": str(folder / "out"), "analyzers": analyzers, "cameras": cameras}
    path = folder / "cameras.yaml"
    path.write_text(yaml.safe_dump(watch), encoding="utf-8")
    return path


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def _wait_for_frames(watch: Any, since: float, timeout_s: float = 90.0) -> float:
    """Seconds until every camera has analysed two frames: models that load on the first
    frame (the text analyzer's OCR engine) must not fall into the measured window."""
    if watch is None:
        return 0.0
    while any(p.stats.frames < 2 for p in watch.pipelines):
        if time.monotonic() - since > timeout_s:
            raise RuntimeError(f"cameras not analysing after {timeout_s:g} s: {watch.errors}")
        time.sleep(0.1)
    return time.monotonic() - since


def run_case(case: FleetCase) -> dict[str, Any]:
    """Measure ``case``; the returned figures are JSON-ready."""
    # Imported here so the idle case pays for the same modules as the others.
    from detector.pipeline.watch import Watch, load_watch

    if case.model is not None:
        import torch

        torch.set_num_threads(1)  # what Watch does when it has an objects model
    with tempfile.TemporaryDirectory(prefix="bench-cameras-") as tmp:
        folder = Path(tmp)
        watch = None
        paced: list[PacedSource] = []
        sinks: list[CountingSink] = []
        rss_before = rss_bytes()
        if case.cameras:
            config, cameras = load_watch(write_watch_files(case, folder))
            watch = Watch(config, cameras)
            if watch.errors:
                raise RuntimeError(f"cameras failed to start: {watch.errors}")
            start = time.monotonic() + 0.5
            for i, pipeline in enumerate(watch.pipelines):
                sink = CountingSink(pipeline.recorder)
                inner: Any = pipeline.source
                inner.packet_sink = sink  # a FileSource hands it to its reader when it opens
                source = PacedSource(pipeline.source, start + i / case.cameras)
                pipeline.source = source
                paced.append(source)
                sinks.append(sink)
            watch.start()
        rss_built = rss_bytes()
        ready_s = _wait_for_frames(watch, time.monotonic())
        time.sleep(case.warmup_s)
        frames0 = [p.stats.frames for p in watch.pipelines] if watch else []
        bytes0 = [s.bytes for s in sinks]
        cpu0, wall0, machine0 = cpu_s(), time.monotonic(), machine_busy_s()
        load0 = os.getloadavg()[0]
        time.sleep(case.window_s)
        cpu1, wall1, machine1 = cpu_s(), time.monotonic(), machine_busy_s()
        frames1 = [p.stats.frames for p in watch.pipelines] if watch else []
        bytes1 = [s.bytes for s in sinks]
        rss_end = rss_bytes()
        buffers = [p.recorder.buffer.size_bytes for p in watch.pipelines] if watch else []
        still_running = len(watch.join(0.0)) if watch else 0
        errors = dict(watch.errors) if watch else {}
        if watch is not None:
            watch.stop()
            watch.join(10.0)
    window = wall1 - wall0
    late = [s for p in paced for (t, s) in p.late_s if wall0 <= t <= wall1]
    return {
        "case": asdict(case),
        "window_s": window,
        "cpu_s": cpu1 - cpu0,
        "cores": (cpu1 - cpu0) / window,
        "machine_cores_busy": (machine1[0] - machine0[0]) / window,
        "others_cores_busy": (machine1[0] - machine0[0] - (cpu1 - cpu0)) / window,
        "loadavg_1m_start": load0,
        "loadavg_1m_end": os.getloadavg()[0],
        "frames": sum(frames1) - sum(frames0),
        "bytes_read": sum(bytes1) - sum(bytes0),
        "rss_before": rss_before,
        "rss_built": rss_built,
        "ready_s": ready_s,
        "rss_end": rss_end,
        "ring_buffer_bytes": buffers,
        "max_late_s": max(late, default=0.0),
        "cameras_running": still_running,
        "errors": errors,
    }
