"""`streetorder watch CAMERAS.yaml`: many cameras, one worker thread each, long-running."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detector.configfile import load_yaml_model
from detector.errors import StreetOrderError
from detector.outbox.camera_reports import CameraReport, RunState, report_of
from detector.outbox.client import ServiceClient
from detector.outbox.config import OutboxConfig
from detector.outbox.messages import OutboxCounts
from detector.outbox.outbox import SPOOL_NAME, Outbox
from detector.pipeline.analyzers import AnalyzerSettings, build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.pipeline.streams import StreamSettings
from detector.rules.scene import SceneConfig, load_scene
from detector.sources.config import CameraConfig
from detector.sources.health import HealthBoard

log = logging.getLogger(__name__)


class WatchedCamera(StreamSettings):
    """One camera of a watch: its source and its scene file (which names the camera)."""

    scene: Path = Field(description="Scene YAML, relative to the cameras file.")


class WatchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    out: Path = Field(
        Path("var/watch"), description="Results: one folder per camera, and the outbox spool."
    )
    analyzers: AnalyzerSettings = Field(default_factory=AnalyzerSettings)
    outbox: OutboxConfig = Field(
        default_factory=OutboxConfig, description="Sending to the ticket service (--api)."
    )
    cameras: tuple[WatchedCamera, ...] = Field(
        (),
        max_length=256,
        description="May be empty for `--engine ray --api`, which also runs the cameras the "
        "ticket service assigns to its group.",
    )

    @model_validator(mode="after")
    def _unique_scenes(self) -> WatchConfig:
        scenes = [str(c.scene) for c in self.cameras]
        duplicates = sorted({s for s in scenes if scenes.count(s) > 1})
        if duplicates:
            raise ValueError(f"each camera needs its own scene file: {', '.join(duplicates)}")
        return self


def load_watch(path: Path) -> tuple[WatchConfig, list[tuple[CameraConfig, SceneConfig]]]:
    """The watch file and, per camera, its camera and scene configs (paths resolved)."""
    config = load_yaml_model(path, WatchConfig)
    cameras = []
    seen_ids: set[str] = set()
    for entry in config.cameras:
        scene = load_scene(path.parent / entry.scene)
        if scene.camera.id in seen_ids:
            raise StreetOrderError(f"{path}: camera id {scene.camera.id!r} appears twice")
        seen_ids.add(scene.camera.id)
        camera = entry.camera_config(scene.camera.id, scene.camera.name)
        cameras.append((camera, scene))
    return config, cameras


class Watch:
    """Runs every camera in its own thread until stopped; a failing camera never stops others.

    With a ``service`` client, incidents and bundles go through one outbox (``out/outbox.sqlite``
    and one sender thread) to the ticket service; ``close`` lets it drain briefly and stop.
    """

    def __init__(
        self,
        config: WatchConfig,
        cameras: list[tuple[CameraConfig, SceneConfig]],
        *,
        service: ServiceClient | None = None,
    ) -> None:
        self.outbox: Outbox | None = None
        if service is not None:
            self.outbox = Outbox(config.out / SPOOL_NAME, service, config.outbox)
        self.health = HealthBoard()
        self.pipelines: list[CameraPipeline] = []
        self.errors: dict[str, str] = {}
        if config.analyzers.objects is not None:
            import torch

            # One worker per camera: intra-op threads would only fight each other for cores.
            torch.set_num_threads(1)
        self.camera_ids = [camera.id for camera, _ in cameras]
        for camera, scene in cameras:
            try:
                analyzers = build_analyzers(scene, config.analyzers)
                pipeline = CameraPipeline(
                    camera,
                    scene,
                    analyzers,
                    config.out / camera.id,
                    health=self.health,
                    keep_going=True,
                    outbox=self.outbox,
                )
            except StreetOrderError as exc:
                # One unusable camera (a missing file, a broken model) must not keep the
                # others from starting; it shows in the table with its reason.
                self.errors[camera.id] = str(exc)
                log.error("%s", exc)
                continue
            self.pipelines.append(pipeline)
        self._threads = [
            threading.Thread(target=self._run, args=(p,), name=f"camera-{p.camera.id}", daemon=True)
            for p in self.pipelines
        ]

    def start(self) -> None:
        if self.outbox is not None:
            self.outbox.start()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for pipeline in self.pipelines:
            pipeline.stop()

    def join(self, timeout_s: float) -> list[str]:
        """Wait for the workers, ``timeout_s`` in all; returns the cameras still running."""
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t.name.removeprefix("camera-") for t in self._threads if t.is_alive()]

    def close(self) -> OutboxCounts | None:
        """After ``join``: the outbox delivers what is due for its grace period, then stops;
        returns what it left pending for the next start (None without a service)."""
        return None if self.outbox is None else self.outbox.close()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def camera_reports(self) -> list[tuple[str, CameraReport]]:
        """Every camera's health for the ticket service: the running ones from their sources'
        health and counts, the ones that could not start as failed, with their reason."""
        node = f"{socket.gethostname()}:{os.getpid()}"
        health = {h.camera_id: h for h in self.health.snapshot()}
        reports = []
        for pipeline in self.pipelines:
            seen = health.get(pipeline.camera.id)
            if seen is not None:
                report = report_of(seen, node, incidents=pipeline.stats.raised)
                reports.append((pipeline.camera.id, report))
        now = datetime.now(UTC)
        for camera_id, error in sorted(self.errors.items()):
            if camera_id not in health:
                failed = CameraReport(
                    node=node, state=RunState.FAILED, since=now, last_error=error[:500]
                )
                reports.append((camera_id, failed))
        return reports

    def _run(self, pipeline: CameraPipeline) -> None:
        try:
            pipeline.run()
        except StreetOrderError as exc:
            self.errors[pipeline.camera.id] = str(exc)
            log.error("%s", exc)
        except Exception as exc:  # the worker boundary: one camera's bug must not end the rest
            self.errors[pipeline.camera.id] = f"{type(exc).__name__}: {exc}"
            log.exception("camera %s stopped on an unexpected error", pipeline.camera.id)
