"""The engine's camera bookkeeping with a stand-in backend: no Ray, no processes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from detector.engine.engine import CameraEngine
from detector.engine.restarts import RestartPolicy
from detector.engine.specs import WorkerSpec
from detector.engine.status import CameraStatus, WorkerState
from tests.detector.engine.conftest import write_cameras

STARTED = datetime(2026, 11, 27, 8, tzinfo=UTC)


class StandInBackend:
    """Starts every camera but those in ``refuse``; ``silent`` ones never answer a stop."""

    label = "stand-in"

    def __init__(
        self, refuse: frozenset[str] = frozenset(), silent: frozenset[str] = frozenset()
    ) -> None:
        self.refuse, self.silent = refuse, silent

    def start(self, spec: WorkerSpec, policy: RestartPolicy) -> str:
        if spec.camera_id in self.refuse:
            raise ValueError("Resource quantities of district_east must be whole numbers")
        return spec.camera_id

    def _status(self, camera_id: str, state: WorkerState) -> CameraStatus:
        return CameraStatus(
            camera_id=camera_id,
            node="n",
            pid=os.getpid(),
            state=state,
            since_utc=STARTED,
            started_at_utc=STARTED,
        )

    def statuses(
        self, handles: Mapping[str, str], timeout_s: float
    ) -> dict[str, CameraStatus | None]:
        return {k: self._status(k, WorkerState.RUNNING) for k in handles}

    def stop(self, handles: Mapping[str, str], timeout_s: float) -> dict[str, CameraStatus | None]:
        return {
            k: None if k in self.silent else self._status(k, WorkerState.STOPPED) for k in handles
        }

    def close(self) -> list[str]:
        return []

    def caption(self) -> str | None:
        return None


def test_a_camera_the_backend_refuses_shows_why_and_the_others_run(
    tmp_path: Path, street_clip: Path
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"])
    engine = CameraEngine(cameras_file, backend=StandInBackend(refuse=frozenset({"cam-a"})))
    engine.start()
    assert [row.camera_id for row in engine.poll()] == ["cam-b"]
    assert engine.note == (
        "camera cam-a not started: Resource quantities of district_east must be whole numbers"
    )
    write_cameras(tmp_path, street_clip, ["cam-b"])  # taken out of the file: the note goes
    os.utime(cameras_file, (1, 1))  # a new mtime, whatever the clock's resolution
    engine.reload_if_changed()
    assert engine.note is None


def test_a_removed_camera_reports_stopped_even_when_it_did_not_answer(
    tmp_path: Path, street_clip: Path
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a", "cam-b"])
    engine = CameraEngine(cameras_file, backend=StandInBackend(silent=frozenset({"cam-a"})))
    engine.start()
    engine.poll()
    write_cameras(tmp_path, street_clip, ["cam-b"])
    os.utime(cameras_file, (1, 1))
    diff = engine.reload_if_changed()
    assert diff is not None and diff.removed == ("cam-a",)
    [retired] = engine.take_retired()  # what the health report tells /cameras
    assert (retired.camera_id, retired.state) == ("cam-a", WorkerState.STOPPED)
