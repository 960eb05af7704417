"""What one camera worker reports to the engine and the live table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict


class WorkerState(StrEnum):
    STARTING = "starting"
    """Engine side only: the actor is placed (or waits for resources) and has not answered."""
    RUNNING = "running"
    BACKING_OFF = "backing-off"
    """Waiting before the next try: its source reconnects, or it was restarted too soon."""
    FINISHED = "finished"
    """A recording was read to its end; the outbox still delivers what is pending."""
    STOPPED = "stopped"
    FAILED = "failed"
    """Cannot run (a missing file, a broken model): it stays so, without retrying."""
    RESTARTING = "restarting"
    """Engine side only: the actor does not answer while Ray brings it back."""


class CameraStatus(BaseModel):
    """One camera worker at one moment. Datetimes are UTC-aware."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera_id: str
    node: str
    """Host name of the machine the worker runs on."""
    ray_node_id: str | None = None
    """The Ray node the actor runs on (hex id), None outside Ray: several nodes may share a
    host name, and a camera that came back after its node died runs on another id."""
    pid: int
    state: WorkerState
    since_utc: AwareDatetime
    """When it entered ``state``."""
    started_at_utc: AwareDatetime
    """When this worker instance started: a new value means the camera was restarted."""
    frames: int = 0
    """Frames analysed by this instance."""
    raised: int = 0
    ended: int = 0
    replayed_frames: int = 0
    """Frames a restarted recording went through again without sending what it had sent."""
    outbox: bool = False
    """Whether it sends to the ticket service (--api) through its own outbox."""
    outbox_pending: int = 0
    outbox_sent: int = 0
    outbox_dead: int = 0
    last_error: str | None = None
    restarts: int = 0
    """Filled in by the engine: times this camera came back after a death or a restart."""

    def restarted_since(self, earlier: CameraStatus) -> bool:
        return (self.pid, self.started_at_utc) != (earlier.pid, earlier.started_at_utc)


def since_for(previous: CameraStatus | None, state: WorkerState, now: datetime) -> datetime:
    """Keep the time a state began while it lasts."""
    if previous is not None and previous.state is state:
        return previous.since_utc
    return now
