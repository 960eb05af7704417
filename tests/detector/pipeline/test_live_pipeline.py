"""A live camera end to end: HTTP MPEG-TS in, a clutter incident with UTC times and a bundle out."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detector.demo.street import StreetScript
from detector.pipeline.analyzers import build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.rules.scene import SceneConfig
from tests.factories import make_camera, render_clip
from tests.live_server import LiveTsServer

CLIP_S = 40.0


@pytest.fixture(scope="module")
def live_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Nobody walks here: this test is about the live plumbing (UTC times, ids, bundles); the
    # analyzer's robustness to passers-by is tested on files.
    script = StreetScript(duration_s=CLIP_S, fps=10, box_put_s=3.0, people=0)
    return render_clip(tmp_path_factory.mktemp("live-street") / "street.ts", script)


def test_a_live_camera_raises_an_incident_with_utc_times(live_clip: Path, tmp_path: Path) -> None:
    scene = SceneConfig.model_validate(
        {
            "camera": {"id": "live-cam", "key_point": "school"},
            "zones": [
                {
                    "name": "pavement",
                    "type": "pavement",
                    "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
                }
            ],
            "rules": {"clutter": {"dwell_s": 8}},
        }
    )
    server = LiveTsServer(live_clip, CLIP_S)
    server.start()
    camera = make_camera(
        server.url,
        id="live-cam",
        live={"backoff_initial_s": 0.2, "open_timeout_s": 5},
        evidence={"buffer_s": 12, "pre_roll_s": 3, "post_roll_s": 3},
    )
    pipeline = CameraPipeline(camera, scene, build_analyzers(scene), tmp_path, keep_going=True)
    started = datetime.now(UTC)
    worker = threading.Thread(target=pipeline.run, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 35
        while not pipeline.recorder.written and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        pipeline.stop()
        server.stop()
        worker.join(20)
    assert not worker.is_alive()
    (line,) = (tmp_path / "incidents.jsonl").read_text().splitlines()
    incident = json.loads(line)
    assert incident["type"] == "clutter"
    assert incident["raised_s"] is None and incident["first_seen_s"] is None
    raised = datetime.fromisoformat(incident["raised_at"])
    first_seen = datetime.fromisoformat(incident["first_seen_at"])
    assert raised.tzinfo is not None and started <= first_seen < raised <= datetime.now(UTC)
    assert (raised - first_seen).total_seconds() >= 8.0
    assert incident["id"].endswith("Z")
    assert Path(incident["bundle"], "clip.mp4").is_file()
