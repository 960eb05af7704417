"""`streetorder demo`: render a street, watch it as a camera, raise an incident, cut evidence."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from detector.analyzers.static_change import StaticChangeAnalyzer
from detector.demo.encode import write_video
from detector.demo.street import StreetScript, render_frames
from detector.errors import EvidenceError
from detector.evidence.bundle import Bundle, Provenance
from detector.evidence.manifest import VerifyReport, verify_bundle
from detector.incidents.record import IncidentRecord
from detector.pipeline.camera import CameraPipeline, OutboxSink
from detector.rules.scene import SceneConfig
from detector.sources.config import CameraConfig

DEMO_CAMERA_ID = "demo-street-01"
DEMO_DWELL_S = 10.0
"""Short for the demo; the bureau's default for clutter is 300 s."""


@dataclass(frozen=True)
class DemoResult:
    clip_path: Path
    """The rendered camera recording."""
    frames_analysed: int
    incident: IncidentRecord
    bundle: Bundle
    report: VerifyReport
    incidents_file: Path
    started_at: datetime
    """When the recording "began" (UTC): incidents carry UTC times from it."""

    def recording_s(self, moment: datetime | None) -> float | None:
        """``moment`` as seconds into the recording."""
        return None if moment is None else (moment - self.started_at).total_seconds()


def demo_script() -> StreetScript:
    return StreetScript(duration_s=40.0, box_put_s=10.0)


def demo_scene() -> SceneConfig:
    """The rendered street's zones, as an operator would draw them (fractions of the frame)."""
    return SceneConfig.model_validate(
        {
            "camera": {
                "id": DEMO_CAMERA_ID,
                "name": "Demo street (rendered)",
                "key_point": "school",
                "squad": "Demo squad",
            },
            "zones": [
                {
                    "name": "facade",
                    "type": "wall",
                    "polygon": [[0, 0], [1, 0], [1, 0.42], [0, 0.42]],
                },
                {
                    "name": "pavement-north",
                    "type": "pavement",
                    "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
                },
                {
                    "name": "road",
                    "type": "roadway",
                    "polygon": [[0, 0.68], [1, 0.68], [1, 1], [0, 1]],
                },
            ],
            "rules": {
                "clutter": {"dwell_s": DEMO_DWELL_S, "clear_s": 10},
                "illegal_ad": {"enabled": False},
            },
        }
    )


def run_demo(
    out_dir: Path,
    script: StreetScript | None = None,
    on_frame: Callable[[float], None] | None = None,
    outbox: OutboxSink | None = None,
) -> DemoResult:
    """Render, watch and bundle. ``on_frame`` receives each analysed frame's media time; with
    an ``outbox`` the incident and its bundle also go there (for the ticket service)."""
    script = script or demo_script()
    out_dir.mkdir(parents=True, exist_ok=True)
    recording = out_dir / "street.mp4"
    write_video(render_frames(script), recording, fps=script.fps)
    results = out_dir / "run"
    shutil.rmtree(results, ignore_errors=True)

    # The recording "ended" now, so its incidents get UTC times a ticket service accepts.
    started_at = datetime.now(UTC) - timedelta(seconds=script.duration_s)
    camera = CameraConfig(
        id=DEMO_CAMERA_ID, name="Demo street", source=str(recording), started_at=started_at
    )
    scene = demo_scene()
    config_sha = hashlib.sha256(
        (camera.model_dump_json() + scene.model_dump_json()).encode()
    ).hexdigest()
    provenance = Provenance(
        model={"name": "static_change", "weights": None},
        config={"camera_and_scene_sha256": config_sha},
    )
    pipeline = CameraPipeline(
        camera, scene, [StaticChangeAnalyzer()], results, provenance=provenance, outbox=outbox
    )
    pipeline.run(on_frame=None if on_frame is None else lambda f: on_frame(f.media_time_s))
    raised = pipeline.log.incidents
    bundles = pipeline.recorder.written
    if not raised or not bundles:
        failures = "; ".join(reason for _, reason in pipeline.recorder.failed)
        raise EvidenceError(f"demo produced no evidence bundle: {failures or 'no incident raised'}")
    bundle = bundles[0]
    incident = next(i for i in raised if i.id == bundle.path.name)
    return DemoResult(
        recording,
        pipeline.stats.frames,
        incident,
        bundle,
        verify_bundle(bundle.path, bundle.manifest_sha256),
        pipeline.log.path,
        started_at,
    )
