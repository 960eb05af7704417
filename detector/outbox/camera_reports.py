"""Camera health reports to the ticket service, so the bureau sees every camera's state.

Health is a view of now, so nothing here is spooled: every ``interval_s`` the reporter sends
each camera's latest state (``PUT /api/v1/cameras/{id}/health``), and a report that cannot be
sent is simply replaced by the next one. The service marks a camera stale when its reports
stop, which is how a dead node shows up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from detector.outbox.client import ServiceClient
from detector.sources.health import CameraHealth

log = logging.getLogger(__name__)


class RunState(StrEnum):
    """What a node says its camera is doing."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    """The source cannot be read; the node keeps retrying with a growing delay."""
    BACKING_OFF = "backing_off"
    """The camera's worker died more than once in a short time; it waits before restarting."""
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"
    """The camera cannot run as configured (a missing scene, a broken model)."""


Count = Annotated[int, Field(ge=0, le=10**12)]


class CameraReport(BaseModel):
    """One node's report on one camera: the message from the detector to the ticket service
    (the body of ``PUT /api/v1/cameras/{id}/health``). Times carry their zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    node: str = Field(min_length=1, max_length=200, description="host, process or actor.")
    state: RunState = Field(description="What the camera is doing.")
    since: AwareDatetime = Field(description="When it entered that state.")
    frames: Count = Field(0, description="Frames analysed since the worker started.")
    last_frame_at: AwareDatetime | None = Field(None, description="The newest analysed frame.")
    incidents: Count = Field(0, description="Incidents raised since the worker started.")
    reconnects: Count = Field(0, description="Reconnections after the first connection.")
    outages: Count = Field(0, description="Times the source went from online to offline.")
    restarts: Count = Field(0, description="Times the camera's worker was restarted.")
    outbox_pending: Count | None = Field(None, description="Messages not yet delivered.")
    last_error: str | None = Field(None, max_length=500, description="The latest failure.")
    last_error_at: AwareDatetime | None = Field(None, description="When it happened.")


def report_of(
    health: CameraHealth,
    node: str,
    *,
    incidents: int = 0,
    restarts: int = 0,
    outbox_pending: int | None = None,
) -> CameraReport:
    """A source's health (``detector.sources.health``) as a report."""
    error = health.last_error[:500] if health.last_error else None
    return CameraReport(
        node=node,
        state=RunState(health.state.value),
        since=health.since,
        frames=health.frames,
        last_frame_at=health.last_frame_at,
        incidents=incidents,
        reconnects=health.reconnects,
        outages=health.outages,
        restarts=restarts,
        outbox_pending=outbox_pending,
        last_error=error,
        last_error_at=health.last_error_at,
    )


Collect = Callable[[], Sequence[tuple[str, CameraReport]]]
"""``(camera id, report)`` for every camera this node runs, as of now."""


class CameraReporter:
    """Sends ``collect()``'s reports every ``interval_s`` from a daemon thread."""

    def __init__(self, client: ServiceClient, collect: Collect, interval_s: float = 15.0) -> None:
        self._client = client
        self._collect = collect
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="camera-reports", daemon=True)
        self._failing = False

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Send one last round (a stopped camera should say so), then end the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._interval_s + 5.0)

    def report_once(self) -> int:
        """One round; returns how many reports the service took."""
        taken = 0
        for camera_id, report in self._collect():
            refusal = self._client.put_camera_report(camera_id, report.model_dump_json())
            if refusal is None:
                taken += 1
            elif not self._failing:  # once per failing streak, not every round
                log.warning("camera %s: health report not taken: %s", camera_id, refusal)
                self._failing = True
        if taken:
            self._failing = False
        return taken

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.report_once()
        self.report_once()
