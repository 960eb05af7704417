"""Per-camera health: online/offline, since when, last error. Thread-safe and queryable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum


class CameraState(StrEnum):
    """Connection state of one camera source."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    FINISHED = "finished"
    """A file or image folder was read to its end."""
    STOPPED = "stopped"
    """Reading was stopped on request."""


@dataclass(frozen=True)
class CameraHealth:
    """A snapshot of one camera's health. Datetimes are UTC-aware."""

    camera_id: str
    state: CameraState
    since: datetime
    """When the camera entered ``state``."""
    last_error: str | None = None
    """The most recent failure, one line; kept after recovery so outages can be explained."""
    last_error_at: datetime | None = None
    reconnects: int = 0
    """Successful connections after the first one."""
    outages: int = 0
    """Times the camera went from online to offline."""
    frames: int = 0
    """Frames delivered to analysis since start."""
    last_frame_at: datetime | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class HealthBoard:
    """The health of every camera in this process; sources write, the API and CLI read."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._health: dict[str, CameraHealth] = {}

    def get(self, camera_id: str) -> CameraHealth | None:
        with self._lock:
            return self._health.get(camera_id)

    def snapshot(self) -> list[CameraHealth]:
        """All cameras, sorted by id."""
        with self._lock:
            return [self._health[key] for key in sorted(self._health)]

    def connecting(self, camera_id: str) -> None:
        with self._lock:
            current = self._health.get(camera_id)
            if current is None:
                self._health[camera_id] = CameraHealth(
                    camera_id, CameraState.CONNECTING, self._clock()
                )

    def online(self, camera_id: str) -> None:
        with self._lock:
            current = self._current(camera_id)
            if current.state is CameraState.ONLINE:
                return
            # A reconnect follows an outage; a camera that was down at start-up has had none.
            was_connected = current.state is CameraState.OFFLINE and current.outages > 0
            self._health[camera_id] = replace(
                current,
                state=CameraState.ONLINE,
                since=self._clock(),
                reconnects=current.reconnects + int(was_connected),
            )

    def offline(self, camera_id: str, error: str) -> None:
        with self._lock:
            current = self._current(camera_id)
            now = self._clock()
            went_down = current.state is CameraState.ONLINE
            self._health[camera_id] = replace(
                current,
                state=CameraState.OFFLINE,
                since=now if current.state is not CameraState.OFFLINE else current.since,
                last_error=error,
                last_error_at=now,
                outages=current.outages + int(went_down),
            )

    def finished(self, camera_id: str) -> None:
        with self._lock:
            current = self._current(camera_id)
            self._health[camera_id] = replace(
                current, state=CameraState.FINISHED, since=self._clock()
            )

    def stopped(self, camera_id: str) -> None:
        with self._lock:
            current = self._current(camera_id)
            if current.state is not CameraState.STOPPED:
                self._health[camera_id] = replace(
                    current, state=CameraState.STOPPED, since=self._clock()
                )

    def frame(self, camera_id: str) -> None:
        with self._lock:
            current = self._current(camera_id)
            self._health[camera_id] = replace(
                current, frames=current.frames + 1, last_frame_at=self._clock()
            )

    def _current(self, camera_id: str) -> CameraHealth:
        current = self._health.get(camera_id)
        if current is None:
            current = CameraHealth(camera_id, CameraState.CONNECTING, self._clock())
        return current
