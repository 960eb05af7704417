"""One camera, end to end, with its own outbox: the body of a Ray actor, plain Python here."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime

from detector.engine.replay import ReplayGuard
from detector.engine.restarts import RestartPolicy, record_start
from detector.engine.specs import WorkerSpec
from detector.engine.status import CameraStatus, WorkerState, since_for
from detector.errors import StreetOrderError
from detector.outbox.client import ServiceClient
from detector.outbox.messages import OutboxCounts
from detector.outbox.outbox import SPOOL_NAME, Outbox
from detector.pipeline.camera import CameraPipeline
from detector.sources.frames import Frame
from detector.sources.health import CameraState, HealthBoard

log = logging.getLogger(__name__)


class CameraWorker:
    """Builds the camera's pipeline with its own spool at ``out/<camera id>/outbox.sqlite`` and
    runs it in a thread; ``status`` may be called at any time, ``stop`` ends it for good."""

    def __init__(
        self,
        spec: WorkerSpec,
        policy: RestartPolicy | None = None,
        *,
        start: bool = True,
        on_ray: bool = False,
    ) -> None:
        self.spec = spec
        self.on_ray = on_ray
        """Inside a Ray actor: the objects model may be the node's shared one."""
        self.ray_node_id = _ray_node_id() if on_ray else None
        self.started_at = datetime.now(UTC)
        self.health = HealthBoard()
        self.outbox: Outbox | None = None
        self.pipeline: CameraPipeline | None = None
        self.guard: ReplayGuard | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._state = WorkerState.RUNNING
        self._error: str | None = None
        self._last: CameraStatus | None = None
        self._final_counts: OutboxCounts | None = None
        self._paced_from: tuple[float, float] | None = None
        """Wall clock and media time of the first paced frame."""
        self._delay_s = record_start(
            spec.out_dir, self.started_at.timestamp(), policy or RestartPolicy()
        )
        self._thread = threading.Thread(
            target=self._run, name=f"camera-{spec.camera_id}", daemon=True
        )
        if start:
            self.start()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> CameraStatus:
        """Stop the camera, let the outbox deliver for its grace period, and close it."""
        self._stopping.set()
        if self.pipeline is not None:
            self.pipeline.stop()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        if self.outbox is not None and self._final_counts is None:
            self._final_counts = self.outbox.close()
        self._set(WorkerState.STOPPED)
        return self.status()

    def join(self, timeout_s: float) -> bool:
        """Wait for the camera's thread; True when it has ended."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def status(self) -> CameraStatus:
        now = datetime.now(UTC)
        stats = self.pipeline.stats if self.pipeline is not None else None
        health = self.health.get(self.spec.camera_id)
        state = self._state
        if state is WorkerState.RUNNING and health and health.state is CameraState.OFFLINE:
            state = WorkerState.BACKING_OFF  # the source waits before reconnecting
        counts = self._final_counts
        if counts is None and self.outbox is not None:
            counts = self.outbox.status()
        error = self._error or (health.last_error if health else None)
        status = CameraStatus(
            camera_id=self.spec.camera_id,
            node=socket.gethostname(),
            ray_node_id=self.ray_node_id,
            pid=os.getpid(),
            state=state,
            since_utc=since_for(self._last, state, now),
            started_at_utc=self.started_at,
            frames=stats.frames if stats else 0,
            raised=stats.raised if stats else 0,
            ended=stats.ended if stats else 0,
            replayed_frames=self.guard.replayed_frames if self.guard else 0,
            outbox=self.spec.api_url is not None,
            outbox_pending=counts.pending if counts else 0,
            outbox_sent=counts.sent if counts else 0,
            outbox_dead=counts.dead if counts else 0,
            last_error=error if error is None else error.splitlines()[0],
        )
        self._last = status
        return status

    def _set(self, state: WorkerState, error: str | None = None) -> None:
        with self._lock:
            if self._state is not WorkerState.STOPPED:
                self._state = state
            if error is not None:
                self._error = error

    def _run(self) -> None:
        camera_id = self.spec.camera_id
        if self._delay_s > 0:
            log.warning("camera %s restarted soon again: waits %.0f s", camera_id, self._delay_s)
            self._set(WorkerState.BACKING_OFF, f"restarted soon again; waited {self._delay_s:g} s")
            if self._stopping.wait(self._delay_s):
                return
            self._set(WorkerState.RUNNING)
        try:
            pipeline = self._build()
            if self._stopping.is_set():
                return
            pipeline.run(on_frame=self._frame_done)
        except StreetOrderError as exc:
            log.error("%s", exc)
            self._set(WorkerState.FAILED, str(exc))
        except Exception as exc:  # the worker boundary: report it rather than crash-loop
            log.exception("camera %s stopped on an unexpected error", camera_id)
            self._set(WorkerState.FAILED, f"{type(exc).__name__}: {exc}")
        else:
            self._set(WorkerState.STOPPED if self._stopping.is_set() else WorkerState.FINISHED)

    def _build(self) -> CameraPipeline:
        # Imported here: shared_model reaches Ray through cluster, which imports this module.
        from detector.engine.shared_model import camera_analyzers

        spec = self.spec
        if spec.api_url is not None:
            client = ServiceClient(
                spec.api_url, spec.api_key or "", timeout_s=spec.outbox.timeout_s
            )
            self.outbox = Outbox(spec.out_dir / SPOOL_NAME, client, spec.outbox)
            self.outbox.start()
            self.guard = ReplayGuard(self.outbox, spec.out_dir, spec.camera)
        self.pipeline = CameraPipeline(
            spec.camera,
            spec.scene,
            camera_analyzers(spec, on_ray=self.on_ray),
            spec.out_dir,
            health=self.health,
            keep_going=True,
            outbox=self.guard,
        )
        return self.pipeline

    def _frame_done(self, frame: Frame) -> None:
        if self.guard is not None:
            self.guard.frame_done(frame.clock_s)
            if self.guard.replaying:
                return  # catching up goes as fast as it decodes
        speed = self.spec.ray.replay_speed
        if speed is None:
            return
        # Pace a recording like the camera it stands for: frame n waits until its media time.
        if self._paced_from is None:
            self._paced_from = (time.monotonic(), frame.media_time_s)
        wall_s, media_s = self._paced_from
        wait_s = wall_s + (frame.media_time_s - media_s) / speed - time.monotonic()
        if wait_s > 0:
            self._stopping.wait(wait_s)


def _ray_node_id() -> str | None:
    # Imported here: cluster imports this module to make it an actor.
    from detector.engine.cluster import current_node_id

    return current_node_id()
