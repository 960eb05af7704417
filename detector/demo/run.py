"""`streetorder demo`: render a street, ingest it as a camera, cut and verify an evidence bundle."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from detector.demo.encode import write_video
from detector.demo.street import StreetScript, render_frames
from detector.errors import EvidenceError
from detector.evidence.bundle import Bundle, Provenance
from detector.evidence.manifest import VerifyReport, verify_bundle
from detector.evidence.recorder import EvidenceRecorder
from detector.incidents.record import IncidentRecord
from detector.sources.config import CameraConfig
from detector.sources.factory import create_source

DEMO_CAMERA_ID = "demo-street-01"


@dataclass(frozen=True)
class DemoResult:
    clip_path: Path
    """The rendered camera recording."""
    frames_analysed: int
    incident: IncidentRecord
    bundle: Bundle
    report: VerifyReport


def run_demo(
    out_dir: Path,
    script: StreetScript | None = None,
    on_frame: Callable[[float], None] | None = None,
) -> DemoResult:
    """Render, ingest and bundle. ``on_frame`` receives each analysed frame's media time."""
    script = script or StreetScript()
    if script.box_put_s is None:
        raise ValueError("the demo script must put a box down")
    out_dir.mkdir(parents=True, exist_ok=True)
    recording = out_dir / "street.mp4"
    write_video(render_frames(script), recording, fps=script.fps)
    bundles = out_dir / "bundles"
    shutil.rmtree(bundles, ignore_errors=True)

    camera = CameraConfig(id=DEMO_CAMERA_ID, name="Demo street", source=str(recording))
    config_sha = hashlib.sha256(camera.model_dump_json().encode()).hexdigest()
    provenance = Provenance(
        # Until the analyzers land, the incident moment comes from the scene script itself.
        model={"name": "scripted-truth", "version": "1"},
        config={"camera_sha256": config_sha},
    )
    recorder = EvidenceRecorder(bundles, camera.evidence, provenance)
    source = create_source(camera, packet_sink=recorder)
    analysed = 0
    incident: IncidentRecord | None = None
    for frame in source.frames():
        analysed += 1
        if on_frame is not None:
            on_frame(frame.media_time_s)
        if incident is None and script.box_visible(frame.media_time_s):
            incident = IncidentRecord(
                id=f"{DEMO_CAMERA_ID}-{frame.index:06d}",
                camera=DEMO_CAMERA_ID,
                type="clutter",
                box_xyxy=script.box_xyxy,
                score=1.0,
                zone="pavement",
                first_seen_s=script.box_put_s,
                raised_s=frame.media_time_s,
            )
            recorder.request(incident, frame)
    recorder.close()
    if incident is None or not recorder.written:
        failures = "; ".join(reason for _, reason in recorder.failed) or "no incident raised"
        raise EvidenceError(f"demo produced no evidence bundle: {failures}")
    bundle = recorder.written[0]
    return DemoResult(recording, analysed, incident, bundle, verify_bundle(bundle.path))
