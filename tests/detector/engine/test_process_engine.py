"""`--engine processes`: the Ray engine's code with each camera in a local process, no Ray. A
killed camera process comes back and every incident reaches the service exactly once;
CAMERAS.yaml reloads leave untouched cameras alone; the command shows every camera."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from detector.engine.engine import CameraEngine
from detector.engine.processes import ProcessBackend
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

pytestmark = pytest.mark.slow


def test_a_killed_camera_process_comes_back_and_every_incident_arrives_once(
    tmp_path: Path, street_clip: Path, service: Service
) -> None:
    cameras = ["cam-a", "cam-b", "cam-c"]
    # Played at twice its pace, each recording lasts 8 s: long enough to be killed mid-way.
    cameras_file = write_cameras(tmp_path, street_clip, cameras, ray="{replay_speed: 2}")
    engine = CameraEngine(
        cameras_file,
        api_url=service.url,
        api_key=service.key,
        policy=FAST_PACING,
        backend=ProcessBackend(),
    )
    engine.start()
    try:
        # Killed between the raise (spooled, maybe sent) and the end of its incident.
        first = until_every_camera_raised(engine)
        assert set(first) == set(cameras)
        assert not first["cam-b"].ended
        os.kill(first["cam-b"].pid, signal.SIGKILL)

        last = until_every_camera_delivered(engine)
    finally:
        engine.stop()
    assert last["cam-b"].restarts >= 1 and last["cam-b"].pid != first["cam-b"].pid
    # It went through its first seconds again without sending them a second time.
    assert last["cam-b"].replayed_frames
    for untouched in ("cam-a", "cam-c"):
        assert last[untouched].restarts == 0 and last[untouched].pid == first[untouched].pid
    # One box per camera, seen under the same id after the restart.
    assert_each_incident_once(service, tmp_path / "out", last, incidents=3)


def test_an_edited_cameras_file_starts_and_stops_only_what_changed(
    tmp_path: Path, street_clip: Path
) -> None:
    # Played at a fifth of its pace, the recordings outlast the test.
    slow = "{replay_speed: 0.2}"
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"], ray=slow)
    engine = CameraEngine(cameras_file, policy=FAST_PACING, backend=ProcessBackend())
    engine.start()
    try:
        before = poll_until(engine, lambda r: all(row.frames for row in r.values()))
        removed = engine.cameras["cam-a"].actor
        write_cameras(tmp_path, street_clip, ["cam-b", "cam-c"], ray=slow)
        diff = engine.reload_if_changed()
        assert diff is not None
        assert (diff.added, diff.removed, diff.kept) == (("cam-c",), ("cam-a",), ("cam-b",))
        after = poll_until(engine, lambda r: "cam-c" in r and r["cam-c"].frames > 0)
        assert set(after) == {"cam-b", "cam-c"}
        assert not removed.process.is_alive()  # the removed camera's process is gone
        # The kept camera never noticed: same process, same start, still running.
        assert after["cam-b"].pid == before["cam-b"].pid
        assert after["cam-b"].started_at_utc == before["cam-b"].started_at_utc
        assert after["cam-b"].state is WorkerState.RUNNING and after["cam-b"].restarts == 0
    finally:
        running = [camera.actor for camera in engine.cameras.values()]
        final = engine.stop()
    assert {row.state for row in final} == {WorkerState.STOPPED}
    assert not any(camera.process.is_alive() for camera in running)


def test_the_cli_shows_every_camera_from_its_process(
    tmp_path: Path, street_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per camera
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"])
    args = ("watch", str(cameras_file), "--engine", "processes", "--seconds", "4")
    result = streetorder(*args)
    assert result.returncode == 0, result.stderr
    assert "StreetOrder watch (processes)" in result.stdout
    rows = [line for line in result.stdout.splitlines() if "│ cam-" in line]
    final = rows[-2:]  # the table printed after the stop
    assert [row.split("│")[1].strip() for row in final] == ["cam-a", "cam-b"]
    pids = set()
    for row in final:  # stopped at the end, whether the recording was read through or not
        match = re.search(r"│ \S+ / (\d+) +│ stopped +│", row)
        assert match, result.stdout
        pids.add(int(match.group(1)))
    assert len(pids) == 2  # a process of its own each
