"""Cameras added and removed through the ticket service's API reach a running Ray watch within
seconds, and the cameras already running go on untouched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api.security.users import Role, add_user
from detector.engine.engine import RayEngine
from detector.engine.restarts import RestartPolicy
from detector.engine.service_streams import ServiceStreams
from detector.engine.status import CameraStatus, WorkerState
from detector.outbox.client import ServiceClient
from tests.detector.engine.conftest import Service, poll_until, write_cameras

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"
SLOW = {"num_cpus": 0.5, "replay_speed": 0.2}  # the recording outlasts the test


def poll_reloading(
    engine: RayEngine, done: Callable[[dict[str, CameraStatus]], bool]
) -> dict[str, CameraStatus]:
    """Poll as the driver does: the camera list is refreshed between polls."""

    def check(rows: dict[str, CameraStatus]) -> bool:
        engine.reload_if_changed()
        return done(rows)

    return poll_until(engine, check)


def _admin(service: Service) -> httpx.Client:
    with service.database.session() as session:
        add_user(session, "root", PASSWORD, Role.ADMIN, now=datetime.now(UTC))
    http = httpx.Client(base_url=service.url)
    token = http.post("/api/v1/auth/token", json={"username": "root", "password": PASSWORD})
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def _stream(clip: Path) -> dict[str, object]:
    return {
        "source": str(clip),
        "group": "default",
        "started_at": "2026-11-27T08:00:00+08:00",
        "sampling": {"mode": "rate", "rate_fps": 2},
        "ray": SLOW,
        "scene": {
            "zones": [
                {
                    "name": "pavement",
                    "type": "pavement",
                    "polygon": [[0, 0.42], [1, 0.42], [1, 0.68], [0, 0.68]],
                }
            ],
            "rules": {"clutter": {"dwell_s": 4, "clear_s": 2}},
        },
    }


def test_a_camera_put_and_taken_out_through_the_api_leaves_the_others_running(
    cluster: None, tmp_path: Path, street_clip: Path, service: Service
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a"], ray=str(SLOW))
    client = ServiceClient(service.url, service.key)
    streams = ServiceStreams(client, "default", tmp_path / "out", every_s=0.2)
    engine = RayEngine(
        cameras_file,
        api_url=service.url,
        api_key=service.key,
        policy=RestartPolicy(),
        streams=streams,
    )
    admin = _admin(service)
    engine.start()
    try:
        before = poll_until(engine, lambda r: set(r) == {"cam-a"} and r["cam-a"].frames > 0)
        put = admin.put("/api/v1/cameras/cam-b/stream", json=_stream(street_clip))
        assert put.status_code == 201, put.text

        poll_reloading(engine, lambda r: "cam-b" in r and r["cam-b"].frames > 0)
        assert engine.cameras["cam-b"].spec.scene.camera.key_point == "market"
        assert admin.delete("/api/v1/cameras/cam-b/stream").status_code == 204
        after = poll_reloading(engine, lambda r: set(r) == {"cam-a"})
        [retired] = engine.take_retired()
        assert (retired.camera_id, retired.state) == ("cam-b", WorkerState.STOPPED)
        assert engine.take_retired() == []
        # The file's camera never noticed: same process, same start, still running.
        assert after["cam-a"].pid == before["cam-a"].pid
        assert after["cam-a"].started_at_utc == before["cam-a"].started_at_utc
        assert after["cam-a"].state is WorkerState.RUNNING
        assert engine.note is None
    finally:
        engine.stop()
        admin.close()
        client.close()
