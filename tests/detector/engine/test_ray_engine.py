"""`--engine ray` on a local Ray cluster started by the tests: cameras as actors, a killed actor
and a killed worker process come back and every incident reaches the service exactly once;
CAMERAS.yaml reloads leave untouched cameras alone."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from detector.engine.engine import RayEngine
from detector.engine.status import WorkerState
from tests.detector.cli.test_cli import streetorder
from tests.detector.engine.conftest import (
    FAST_PACING,
    Service,
    assert_each_incident_once,
    poll_until,
    until_every_camera_delivered,
    until_every_camera_raised,
    write_cameras,
)

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow


def test_killed_cameras_come_back_and_every_incident_arrives_once(
    cluster: None, tmp_path: Path, street_clip: Path, service: Service
) -> None:
    cameras = ["cam-a", "cam-b", "cam-c"]
    # Played at twice its pace, each recording lasts 8 s: long enough to be killed mid-way.
    cameras_file = write_cameras(
        tmp_path, street_clip, cameras, ray="{num_cpus: 0.5, replay_speed: 2}"
    )
    engine = RayEngine(cameras_file, api_url=service.url, api_key=service.key, policy=FAST_PACING)
    engine.start()
    try:
        # Killed between the raise (spooled, maybe sent) and the end of their incident.
        first = until_every_camera_raised(engine)
        assert {row.camera_id for row in first.values()} == set(cameras)
        assert not first["cam-a"].ended and not first["cam-b"].ended
        ray.kill(engine.cameras["cam-a"].actor, no_restart=False)
        os.kill(first["cam-b"].pid, signal.SIGKILL)

        last = until_every_camera_delivered(engine)
    finally:
        engine.stop()
    assert last["cam-a"].restarts >= 1 and last["cam-b"].restarts >= 1
    assert last["cam-c"].restarts == 0 and last["cam-c"].pid == first["cam-c"].pid
    assert last["cam-b"].pid != first["cam-b"].pid
    # The restarted ones went through their first seconds again without sending them.
    assert last["cam-a"].replayed_frames and last["cam-b"].replayed_frames
    # One box per camera, seen under the same id after the restart.
    assert_each_incident_once(service, tmp_path / "out", last, incidents=3)


def test_an_edited_cameras_file_starts_and_stops_only_what_changed(
    cluster: None, tmp_path: Path, street_clip: Path
) -> None:
    # Played at a fifth of its pace, the recordings outlast the test.
    slow = "{num_cpus: 0.5, replay_speed: 0.2}"
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"], ray=slow)
    engine = RayEngine(cameras_file, policy=FAST_PACING)
    engine.start()
    try:
        before = poll_until(engine, lambda r: all(row.frames for row in r.values()))
        kept_actor = engine.cameras["cam-b"].actor
        write_cameras(tmp_path, street_clip, ["cam-b", "cam-c"], ray=slow)
        diff = engine.reload_if_changed()
        assert diff is not None
        assert (diff.added, diff.removed, diff.kept) == (("cam-c",), ("cam-a",), ("cam-b",))
        after = poll_until(engine, lambda r: "cam-c" in r and r["cam-c"].frames > 0)
        assert set(after) == {"cam-b", "cam-c"}
        assert engine.cameras["cam-b"].actor is kept_actor
        assert after["cam-b"].pid == before["cam-b"].pid
        assert after["cam-b"].started_at_utc == before["cam-b"].started_at_utc
        assert after["cam-b"].state is WorkerState.RUNNING

        (tmp_path / "cameras.yaml").write_text("cameras: [oops\n", encoding="utf-8")
        assert engine.reload_if_changed() is None and engine.reload_error
        assert set(engine.cameras) == {"cam-b", "cam-c"}  # a broken file changes nothing
    finally:
        final = engine.stop()
    assert {row.state for row in final} == {WorkerState.STOPPED}


def test_the_cli_shows_every_camera_from_its_actor(
    cluster: None, tmp_path: Path, street_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per camera
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"])
    # --address auto: the command joins the cluster this module started.
    args = ("watch", str(cameras_file), "--engine", "ray", "--address", "auto", "--seconds", "4")
    result = streetorder(*args)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "│ cam-" in line]
    final = rows[-2:]  # the table printed after the stop
    assert [row.split("│")[1].strip() for row in final] == ["cam-a", "cam-b"]
    for row in final:  # stopped at the end, whether the recording was read through or not
        assert re.search(r"│ \S+ / \d+ +│ stopped +│", row), result.stdout  # node / pid
    assert ray.cluster_resources()["CPU"] == 2  # leaving, it did not stop the cluster it joined


def test_a_camera_no_node_has_memory_for_waits_and_the_others_run(
    cluster: None, tmp_path: Path, street_clip: Path
) -> None:
    slow = "{num_cpus: 0.5, replay_speed: 0.2}"
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"], ray=slow)
    text = cameras_file.read_text(encoding="utf-8")
    huge = "{num_cpus: 0.5, replay_speed: 0.2, memory_mb: 1000000}"  # a TiB: no node has it
    cameras_file.write_text(text.replace(slow, huge, 1), encoding="utf-8")
    engine = RayEngine(cameras_file, policy=FAST_PACING, answer_s=0.5)
    engine.start()
    try:
        rows = poll_until(engine, lambda r: r["cam-b"].frames > 0)
        time.sleep(1.0)
        rows = {row.camera_id: row for row in engine.poll()}
    finally:
        stopping = time.monotonic()
        final = {row.camera_id: row for row in engine.stop()}
    assert time.monotonic() - stopping < 15  # no waiting on the camera that never started
    assert final["cam-b"].state is WorkerState.STOPPED
    assert rows["cam-a"].state is WorkerState.STARTING and rows["cam-a"].pid == 0
    assert rows["cam-b"].state is WorkerState.RUNNING
