"""`streetorder watch CAMERAS.yaml`: many cameras, one worker thread each, long-running."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detector.configfile import load_yaml_model
from detector.errors import StreetOrderError
from detector.pipeline.analyzers import AnalyzerSettings, build_analyzers
from detector.pipeline.camera import CameraPipeline
from detector.rules.scene import SceneConfig, load_scene
from detector.sources.config import (
    CameraConfig,
    EvidenceConfig,
    LiveConfig,
    SamplingConfig,
)
from detector.sources.health import HealthBoard

log = logging.getLogger(__name__)


class WatchedCamera(BaseModel):
    """One camera of a watch: its source and its scene file (which names the camera)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scene: Path = Field(description="Scene YAML, relative to the cameras file.")
    source: str = Field(min_length=1, description="Stream URL, video file or image folder.")
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    live: LiveConfig = Field(default_factory=LiveConfig)
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)
    images_fps: float = Field(1.0, gt=0.0, le=60.0, description="Image-folder frame rate.")
    decoder_threads: int = Field(1, ge=0, le=16, description="Decoder threads (0 = auto).")


class WatchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    out: Path = Field(Path("var/watch"), description="Results: one folder per camera.")
    analyzers: AnalyzerSettings = Field(default_factory=AnalyzerSettings)
    cameras: tuple[WatchedCamera, ...] = Field(min_length=1, max_length=256)

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
        camera = CameraConfig(
            id=scene.camera.id,
            name=scene.camera.name,
            source=entry.source,
            sampling=entry.sampling,
            live=entry.live.model_copy(update={"max_connect_attempts": None}),
            evidence=entry.evidence,
            images_fps=entry.images_fps,
            decoder_threads=entry.decoder_threads,
        )
        cameras.append((camera, scene))
    return config, cameras


class Watch:
    """Runs every camera in its own thread until stopped; a failing camera never stops others."""

    def __init__(self, config: WatchConfig, cameras: list[tuple[CameraConfig, SceneConfig]]):
        self.health = HealthBoard()
        self.pipelines: list[CameraPipeline] = []
        self.errors: dict[str, str] = {}
        for camera, scene in cameras:
            out = config.out / camera.id
            analyzers = build_analyzers(scene, config.analyzers)
            self.pipelines.append(
                CameraPipeline(camera, scene, analyzers, out, health=self.health, keep_going=True)
            )
        self._threads = [
            threading.Thread(target=self._run, args=(p,), name=f"camera-{p.camera.id}", daemon=True)
            for p in self.pipelines
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for pipeline in self.pipelines:
            pipeline.stop()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the workers; True when all have ended."""
        for thread in self._threads:
            thread.join(timeout_s)
        return not any(thread.is_alive() for thread in self._threads)

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def _run(self, pipeline: CameraPipeline) -> None:
        try:
            pipeline.run()
        except StreetOrderError as exc:
            self.errors[pipeline.camera.id] = str(exc)
            log.error("%s", exc)
        except Exception as exc:  # the worker boundary: one camera's bug must not end the rest
            self.errors[pipeline.camera.id] = f"{type(exc).__name__}: {exc}"
            log.exception("camera %s stopped on an unexpected error", pipeline.camera.id)
