"""What the engine needs from whatever runs its cameras: start one, ask every one its status,
stop some. Ray actors are one backend, local processes (``processes``) the other."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

from detector.engine.cluster import import_ray, start_actor
from detector.engine.restarts import RestartPolicy
from detector.engine.specs import WorkerSpec
from detector.engine.status import CameraStatus

log = logging.getLogger(__name__)

CAPTION_EVERY_S = 5.0


class CameraBackend(Protocol):
    """Runs ``CameraWorker``s and brings back any that dies; handles are by camera id."""

    label: str
    """How the live table names it: ``Ray``, ``processes``."""

    def start(self, spec: WorkerSpec, policy: RestartPolicy) -> Any:
        """A running camera's handle."""
        ...

    def statuses(
        self, handles: Mapping[str, Any], timeout_s: float
    ) -> dict[str, CameraStatus | None]:
        """Each camera's status; None for one that did not answer within ``timeout_s``."""
        ...

    def stop(self, handles: Mapping[str, Any], timeout_s: float) -> dict[str, CameraStatus | None]:
        """Stop these cameras for good (each outbox drains first); their last statuses."""
        ...

    def close(self) -> list[str]:
        """Release what the cameras shared; names of what was stopped, for the log."""
        ...

    def caption(self) -> str | None:
        """A line for the live table about what the cameras share, if anything."""
        ...


class RayBackend:
    """One Ray actor per camera (``cluster.start_actor``); Ray restarts dead ones. Ray must be
    connected first (``cluster.connect``)."""

    label = "Ray"

    def __init__(self) -> None:
        self._ray = import_ray()
        self._caption: str | None = None
        self._caption_due_s = 0.0

    def start(self, spec: WorkerSpec, policy: RestartPolicy) -> Any:
        return start_actor(spec, policy)

    def statuses(
        self, handles: Mapping[str, Any], timeout_s: float
    ) -> dict[str, CameraStatus | None]:
        ray = self._ray
        if not handles:
            return {}
        refs = {camera_id: actor.status.remote() for camera_id, actor in handles.items()}
        ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
        answered = set(ready)
        result: dict[str, CameraStatus | None] = {}
        for camera_id, ref in refs.items():
            result[camera_id] = None
            if ref in answered:
                try:
                    result[camera_id] = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    log.warning("camera %s: no status (%s)", camera_id, type(exc).__name__)
        return result

    def stop(self, handles: Mapping[str, Any], timeout_s: float) -> dict[str, CameraStatus | None]:
        ray = self._ray
        if not handles:
            return {}
        refs = {camera_id: actor.stop.remote() for camera_id, actor in handles.items()}
        ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
        result: dict[str, CameraStatus | None] = {}
        for camera_id, ref in refs.items():
            try:
                result[camera_id] = ray.get(ref, timeout=0)
            except ray.exceptions.RayError as exc:  # GetTimeoutError is one too
                log.warning("camera %s: not stopped cleanly (%s)", camera_id, exc)
                result[camera_id] = None
            ray.kill(handles[camera_id], no_restart=True)
        return result

    def caption(self) -> str | None:
        """The node model actors' frames and batches, asked every few seconds."""
        from detector.engine.shared_model import counts_line, model_counts

        now_s = time.monotonic()
        if now_s >= self._caption_due_s:
            self._caption_due_s = now_s + CAPTION_EVERY_S
            self._caption = counts_line(model_counts(timeout_s=0.5))
        return self._caption

    def close(self) -> list[str]:
        """The nodes' shared model actors."""
        # Imported here: shared_model imports cluster, and the process backend needs neither.
        from detector.engine.shared_model import stop_model_actors

        return stop_model_actors()
