"""A camera worker's status as the health report the ticket service keeps (``/cameras``)."""

from __future__ import annotations

from detector.engine.status import CameraStatus, WorkerState
from detector.outbox.camera_reports import CameraReport, RunState

RUN_STATE = {
    WorkerState.STARTING: RunState.CONNECTING,
    WorkerState.RUNNING: RunState.ONLINE,
    WorkerState.BACKING_OFF: RunState.BACKING_OFF,
    WorkerState.FINISHED: RunState.FINISHED,
    WorkerState.STOPPED: RunState.STOPPED,
    WorkerState.FAILED: RunState.FAILED,
    # The actor does not answer while Ray brings it back: the camera is not being watched.
    WorkerState.RESTARTING: RunState.BACKING_OFF,
}


def report_of_status(status: CameraStatus) -> CameraReport:
    return CameraReport(
        node=f"{status.node}:{status.pid}",
        state=RUN_STATE[status.state],
        since=status.since_utc,
        frames=status.frames,
        incidents=status.raised,
        restarts=status.restarts,
        outbox_pending=status.outbox_pending if status.outbox else None,
        last_error=status.last_error[:500] if status.last_error else None,
    )
