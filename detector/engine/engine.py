"""The camera engine: one worker per camera (a Ray actor, or a local process), their status,
restarts seen, and the camera list kept current from CAMERAS.yaml and the ticket service's
streams."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detector.engine.backends import CameraBackend, RayBackend
from detector.engine.reload import CameraDiff, FileWatcher, diff_cameras
from detector.engine.restarts import RestartPolicy
from detector.engine.service_streams import ServiceStreams
from detector.engine.specs import WorkerSpec, load_watch_specs, stream_specs
from detector.engine.status import CameraStatus, WorkerState
from detector.errors import StreetOrderError
from detector.outbox.client import ServiceError
from detector.pipeline.streams import AssignedStream
from detector.pipeline.watch import WatchConfig

log = logging.getLogger(__name__)

NEVER_STARTED_STOP_S = 2.0


@dataclass
class CameraActor:
    spec: WorkerSpec
    actor: Any
    """The backend's handle: a Ray actor, or a ``processes.CameraProcess``."""
    last: CameraStatus | None = None
    instances: set[tuple[int, datetime]] = field(default_factory=set)
    """(pid, start time) of every worker instance seen: more than one means restarts."""


class CameraEngine:
    """Start with ``start``; call ``poll`` (statuses) and ``reload_if_changed`` in a loop;
    ``stop`` ends every camera. The backend runs the workers: Ray by default, which must be
    connected first (``cluster.connect``), or ``processes.ProcessBackend``.

    With ``streams``, the cameras the ticket service assigns to the group run beside the
    file's; a camera in both runs as the file says."""

    def __init__(
        self,
        cameras_file: Path,
        *,
        api_url: str | None = None,
        api_key: str | None = None,
        policy: RestartPolicy | None = None,
        answer_s: float = 2.0,
        streams: ServiceStreams | None = None,
        backend: CameraBackend | None = None,
    ) -> None:
        self.cameras_file = cameras_file
        self.api_url = api_url
        self.api_key = api_key
        self.policy = policy or RestartPolicy()
        self.answer_s = answer_s
        """How long one poll waits for the actors' answers."""
        self.cameras: dict[str, CameraActor] = {}
        self.latest: list[CameraStatus] = []
        """The statuses of the last ``poll`` (the health reporter reads them)."""
        self.reload_error: str | None = None
        self.streams_error: str | None = None
        self.start_errors: dict[str, str] = {}
        """Cameras the backend refused to start, with the reason; tried again on a change."""
        self._retired: list[CameraStatus] = []
        """Final statuses of cameras taken out since the health reporter last took them."""
        self._retired_lock = threading.Lock()
        self.streams = streams
        self._assigned: list[AssignedStream] = []
        self._watcher = FileWatcher(cameras_file)
        self._file: tuple[WatchConfig, dict[str, WorkerSpec]] = self._load_file()
        self.backend = backend if backend is not None else RayBackend()

    @property
    def note(self) -> str | None:
        """What the live table should say about the camera list, if anything."""
        notes = [self.reload_error, self.streams_error, *self.start_errors.values()]
        shown = [n for n in (*notes, self.backend.caption()) if n]
        return " · ".join(shown) or None

    def start(self) -> None:
        if self.streams is not None:
            self._refresh_streams(first=True)
        for spec in self._wanted().values():
            self._start(spec)

    def _load_file(self) -> tuple[WatchConfig, dict[str, WorkerSpec]]:
        return load_watch_specs(self.cameras_file, api_url=self.api_url, api_key=self.api_key)

    def _wanted(self) -> dict[str, WorkerSpec]:
        config, from_file = self._file
        assigned = stream_specs(config, self._assigned, api_url=self.api_url, api_key=self.api_key)
        both = sorted(assigned.keys() & from_file.keys())
        if both:
            log.warning(
                "%s and the service both list %s: the file's settings run", self.cameras_file, both
            )
        return assigned | from_file

    def _refresh_streams(self, *, first: bool = False) -> bool:
        """Ask the service; True when its list differs from the one running."""
        assert self.streams is not None
        try:
            assigned = self.streams.fetch()
        except ServiceError as exc:
            cached = self.streams.cached() if first else None
            kept = "the last list it gave" if cached or not first else "none"
            self.streams_error = f"cameras from the service not refreshed ({kept} run): {exc}"
            log.warning("%s", self.streams_error)
            if cached is None:
                return False
            assigned = cached
        else:
            self.streams_error = None
        changed = assigned != self._assigned
        self._assigned = assigned
        return changed

    def _start(self, spec: WorkerSpec) -> None:
        try:
            handle = self.backend.start(spec, self.policy)
        except (ValueError, TypeError) as exc:  # settings the backend refuses: this camera only
            self.start_errors[spec.camera_id] = f"camera {spec.camera_id} not started: {exc}"
            log.error("%s", self.start_errors[spec.camera_id])
            return
        self.start_errors.pop(spec.camera_id, None)
        self.cameras[spec.camera_id] = CameraActor(spec, handle)
        log.info("camera %s: started (%s)", spec.camera_id, self.backend.label)

    def poll(self) -> list[CameraStatus]:
        """Every camera's status, by id; a worker that does not answer in time (being
        restarted, or waiting for resources) shows its last status as restarting or starting."""
        handles = {camera_id: camera.actor for camera_id, camera in self.cameras.items()}
        answers = self.backend.statuses(handles, self.answer_s)
        rows = [self._row(self.cameras[k], answers.get(k)) for k in sorted(self.cameras)]
        self.latest = rows
        return rows

    def _row(self, camera: CameraActor, status: CameraStatus | None) -> CameraStatus:
        if status is None:
            last = camera.last
            if last is None:
                now = datetime.now(UTC)
                return CameraStatus(
                    camera_id=camera.spec.camera_id,
                    node="-",
                    pid=0,
                    state=WorkerState.STARTING,
                    since_utc=now,
                    started_at_utc=now,
                )
            return last.model_copy(update={"state": WorkerState.RESTARTING})
        camera.instances.add((status.pid, status.started_at_utc))
        camera.last = status.model_copy(update={"restarts": len(camera.instances) - 1})
        return camera.last

    def reload_if_changed(self) -> CameraDiff | None:
        """After CAMERAS.yaml or the service's streams changed: start new cameras, stop
        removed ones, restart changed ones; the others go on untouched. A broken file or an
        unreachable service changes nothing of its part (``note`` says why)."""
        changed = self._reload_file()
        if self.streams is not None and self.streams.due():
            changed = self._refresh_streams() or changed
        if not changed:
            return None
        wanted = self._wanted()
        self.start_errors = {k: v for k, v in self.start_errors.items() if k in wanted}
        diff = diff_cameras({k: c.spec for k, c in self.cameras.items()}, wanted)
        # A changed camera's old actor lets go of its spool before the new one opens it.
        stopped = self._stop([*diff.removed, *diff.changed])
        with self._retired_lock:
            # Taken out for good, whether or not it answered the stop in time.
            self._retired += [
                row.model_copy(update={"state": WorkerState.STOPPED})
                for row in stopped
                if row.camera_id in diff.removed
            ]
        for camera_id in (*diff.added, *diff.changed):
            self._start(wanted[camera_id])
        if not diff.empty:
            log.info(
                "camera list changed: added %s, removed %s, restarted %s",
                list(diff.added),
                list(diff.removed),
                list(diff.changed),
            )
        return diff

    def _reload_file(self) -> bool:
        if not self._watcher.changed():
            return False
        try:
            self._file = self._load_file()
        except StreetOrderError as exc:
            self.reload_error = f"{self.cameras_file} not reloaded: {exc}"
            log.error("%s", self.reload_error)
            return False
        self.reload_error = None
        return True

    def take_retired(self) -> list[CameraStatus]:
        """The final statuses of cameras taken out since the last call (then forgotten)."""
        with self._retired_lock:
            retired, self._retired = self._retired, []
        return retired

    def stop(self, timeout_s: float = 60.0) -> list[CameraStatus]:
        """Stop every camera (each outbox drains for its grace period) and what they shared
        (on Ray, the nodes' model actors); the cameras' last statuses."""
        final = self._stop(list(self.cameras), timeout_s)
        stopped = self.backend.close()
        if stopped:
            log.info("shared model actors stopped: %s", ", ".join(stopped))
        return final

    def _stop(self, camera_ids: list[str], timeout_s: float = 60.0) -> list[CameraStatus]:
        cameras = {camera_id: self.cameras.pop(camera_id) for camera_id in camera_ids}
        started = {k: c.actor for k, c in cameras.items() if c.last is not None}
        # One that never answered (no node has room for it) has nothing to drain: waiting
        # for it would only hold up the stop.
        waiting = {k: c.actor for k, c in cameras.items() if c.last is None}
        answers = self.backend.stop(started, timeout_s) | self.backend.stop(
            waiting, min(timeout_s, NEVER_STARTED_STOP_S)
        )
        return [self._row(camera, answers.get(k)) for k, camera in cameras.items()]


RayEngine = CameraEngine
"""The name from before there was a second backend; Ray is still the default."""
