"""The camera worker without Ray: its own spool per camera, status, and a restarted recording
that re-sends nothing it had sent (exactly once through the ticket service's idempotent ingest)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from detector.engine.restarts import RestartPolicy
from detector.engine.specs import load_specs
from detector.engine.status import CameraStatus, WorkerState
from detector.engine.worker import CameraWorker
from tests.detector.engine.conftest import Service, write_cameras
from tests.factories import service_rows

NO_PACING = RestartPolicy(quick_s=0.001)


def run_to_the_end(worker: CameraWorker, timeout_s: float = 60.0) -> CameraStatus:
    """Wait until the recording is read and its outbox delivered everything; then stop."""
    assert worker.join(timeout_s), "the camera did not finish its recording"
    deadline = time.monotonic() + timeout_s
    while worker.status().outbox_pending and time.monotonic() < deadline:
        time.sleep(0.1)
    status = worker.status()
    worker.stop()
    return status


def logged_incidents(out: Path) -> dict[str, dict[str, object]]:
    lines = (out / "incidents.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


def test_a_restarted_recording_sends_nothing_twice(
    tmp_path: Path, street_clip: Path, service: Service
) -> None:
    cameras_file = write_cameras(tmp_path, street_clip, ["cam-a"])
    (spec,) = load_specs(cameras_file, api_url=service.url, api_key=service.key).values()
    assert spec.out_dir == tmp_path / "out" / "cam-a"

    first = run_to_the_end(CameraWorker(spec, NO_PACING))
    assert first.state is WorkerState.FINISHED and first.last_error is None
    assert (spec.out_dir / "outbox.sqlite").is_file()  # the camera's own spool
    (incident_id,) = logged_incidents(spec.out_dir)
    assert first.raised == first.ended == 1 and first.outbox_dead == 0
    tickets, audit = service_rows(service.database)
    assert list(tickets) == [incident_id]
    assert audit.get("ingest") == 1 and audit.get("evidence") == 1

    # The same camera starts again (a node died, Ray placed it elsewhere): the recording plays
    # from its start, the same incident is raised with the same id, and nothing goes out.
    second = run_to_the_end(CameraWorker(spec, NO_PACING))
    assert second.state is WorkerState.FINISHED and second.raised == 1
    assert service_rows(service.database) == (tickets, audit)
    assert second.replayed_frames > 0 and second.outbox_sent == first.outbox_sent
