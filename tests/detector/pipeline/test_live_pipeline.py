"""A live camera end to end: HTTP MPEG-TS in, a clutter incident with UTC times and a bundle out."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detector.demo.street import StreetScript
from detector.pipeline.analyzers import build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.rules.scene import SceneConfig
from detector.sources.config import CameraConfig
from tests.factories import make_camera, render_clip
from tests.live_server import LiveTsServer

CLIP_S = 40.0


@pytest.fixture(scope="module")
def live_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Nobody walks here: this test is about the live plumbing (UTC times, ids, bundles); the
    # analyzer's robustness to passers-by is tested on files.
    script = StreetScript(duration_s=CLIP_S, fps=10, box_put_s=3.0, people=0)
    return render_clip(tmp_path_factory.mktemp("live-street") / "street.ts", script)


def live_scene(**clutter: float) -> SceneConfig:
    return SceneConfig.model_validate(
        {
            "camera": {"id": "live-cam", "key_point": "school"},
            "zones": [
                {
                    "name": "pavement",
                    "type": "pavement",
                    "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
                }
            ],
            "rules": {"clutter": clutter},
        }
    )


def live_camera(url: str, roll_s: float) -> CameraConfig:
    """The test stream as camera ``live-cam``, reconnecting quickly, ``roll_s`` of evidence
    either side of a raise."""
    return make_camera(
        url,
        id="live-cam",
        live={"backoff_initial_s": 0.2, "open_timeout_s": 5},
        evidence={"buffer_s": 12, "pre_roll_s": roll_s, "post_roll_s": roll_s},
    )


def test_a_live_camera_raises_an_incident_with_utc_times(live_clip: Path, tmp_path: Path) -> None:
    scene = live_scene(dwell_s=8)
    server = LiveTsServer(live_clip, CLIP_S)
    server.start()
    camera = live_camera(server.url, roll_s=3)
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


def _run_until(pipeline: CameraPipeline, done: Callable[[], bool], timeout_s: float) -> None:
    worker = threading.Thread(target=pipeline.run, daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout_s
    try:
        while not done() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        pipeline.stop()
        worker.join(20)
    assert not worker.is_alive()


def test_a_restarted_live_camera_goes_on_with_the_incident_it_left_open(
    live_clip: Path, tmp_path: Path
) -> None:
    scene = live_scene(dwell_s=4, clear_s=30)
    server = LiveTsServer(live_clip, CLIP_S)
    server.start()
    camera = live_camera(server.url, roll_s=2)
    try:
        first = CameraPipeline(camera, scene, build_analyzers(scene), tmp_path, keep_going=True)
        _run_until(first, lambda: first.stats.raised > 0, 30)
        (raised,) = first.log.incidents
        # Where the next run resumes it from: its last sighting, not the restart.
        sightings = json.loads((tmp_path / "sightings.json").read_text())
        assert list(sightings["last_seen_s"]) == [raised.id]
        assert raised.raised_at is not None
        last_seen_s = sightings["last_seen_s"][raised.id]
        assert raised.raised_at.timestamp() <= last_seen_s <= sightings["clock_s"]
        # The camera died before its evidence was written.
        shutil.rmtree(tmp_path / "bundles" / raised.id)

        again = CameraPipeline(camera, scene, build_analyzers(scene), tmp_path, keep_going=True)
        _run_until(again, lambda: bool(again.recorder.written), 30)
    finally:
        server.stop()
    assert again.stats.raised == 0  # the box is the one already reported
    (line,) = (tmp_path / "incidents.jsonl").read_text().splitlines()
    incident = json.loads(line)
    assert incident["id"] == raised.id and incident["ended_at"] is None
    assert incident["raised_at"] == raised.model_dump(mode="json")["raised_at"]
    assert Path(incident["bundle"], "clip.mp4").is_file()  # evidence from after the restart
