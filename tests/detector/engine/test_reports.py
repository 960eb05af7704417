"""A camera worker's status as the ticket service's health report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from detector.engine.reports import report_of_status
from detector.engine.status import CameraStatus, WorkerState
from detector.outbox.camera_reports import RunState

SINCE = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (WorkerState.STARTING, RunState.CONNECTING),
        (WorkerState.RUNNING, RunState.ONLINE),
        (WorkerState.BACKING_OFF, RunState.BACKING_OFF),
        (WorkerState.RESTARTING, RunState.BACKING_OFF),
        (WorkerState.FINISHED, RunState.FINISHED),
        (WorkerState.STOPPED, RunState.STOPPED),
        (WorkerState.FAILED, RunState.FAILED),
    ],
)
def test_every_worker_state_has_a_service_state(state: WorkerState, expected: RunState) -> None:
    status = CameraStatus(
        camera_id="cam-a",
        node="node-3",
        pid=812,
        state=state,
        since_utc=SINCE,
        started_at_utc=SINCE,
        frames=40,
        raised=2,
        outbox=True,
        outbox_pending=5,
        restarts=1,
        last_error="x" * 900,
    )
    report = report_of_status(status)
    assert report.state is expected and report.node == "node-3:812"
    assert (report.frames, report.incidents, report.restarts) == (40, 2, 1)
    assert report.outbox_pending == 5 and report.last_error == "x" * 500


def test_a_camera_without_the_service_reports_no_outbox() -> None:
    status = CameraStatus(
        camera_id="cam-a",
        node="n",
        pid=1,
        state=WorkerState.RUNNING,
        since_utc=SINCE,
        started_at_utc=SINCE,
    )
    assert report_of_status(status).outbox_pending is None
