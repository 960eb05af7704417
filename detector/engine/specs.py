"""Everything one camera worker needs, read from CAMERAS.yaml: picklable, comparable."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from detector.engine.options import RayOptions
from detector.outbox.config import OutboxConfig
from detector.pipeline.analyzers import AnalyzerSettings
from detector.pipeline.streams import AssignedStream
from detector.pipeline.watch import WatchConfig, load_watch
from detector.rules.scene import SceneConfig
from detector.sources.config import CameraConfig, is_stream_url


class WorkerSpec(BaseModel):
    """One camera's worker. ``out_dir`` must be on storage every node shares (NFS, a mounted
    bucket): a camera restarted on another node resumes from the spool and checkpoint there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera: CameraConfig
    scene: SceneConfig
    analyzers: AnalyzerSettings
    out_dir: Path
    outbox: OutboxConfig
    ray: RayOptions
    api_url: str | None = None
    api_key: str | None = Field(None, repr=False)

    @property
    def camera_id(self) -> str:
        return self.camera.id


def _absolute_source(source: str, base: Path) -> str:
    # Workers run in other folders (and on other nodes): a relative file path would not hold.
    if is_stream_url(source) or Path(source).is_absolute():
        return source
    return str((base / source).resolve())


def _spec(
    config: WatchConfig,
    camera: CameraConfig,
    scene: SceneConfig,
    ray: RayOptions,
    *,
    api_url: str | None,
    api_key: str | None,
) -> WorkerSpec:
    camera = camera.model_copy(update={"source": _absolute_source(camera.source, Path.cwd())})
    return WorkerSpec(
        camera=camera,
        scene=scene,
        analyzers=config.analyzers,
        out_dir=config.out.resolve() / camera.id,
        outbox=config.outbox,
        ray=ray,
        api_url=api_url,
        api_key=api_key,
    )


def load_watch_specs(
    path: Path, *, api_url: str | None = None, api_key: str | None = None
) -> tuple[WatchConfig, dict[str, WorkerSpec]]:
    """The watch file and the worker of each of its cameras, by camera id, paths made
    absolute."""
    config, cameras = load_watch(path)
    specs = {
        camera.id: _spec(config, camera, scene, entry.ray, api_url=api_url, api_key=api_key)
        for entry, (camera, scene) in zip(config.cameras, cameras, strict=True)
    }
    return config, specs


def load_specs(
    path: Path, *, api_url: str | None = None, api_key: str | None = None
) -> dict[str, WorkerSpec]:
    """The worker of every camera in the watch file, by camera id, paths made absolute."""
    return load_watch_specs(path, api_url=api_url, api_key=api_key)[1]


def stream_specs(
    config: WatchConfig,
    streams: list[AssignedStream],
    *,
    api_url: str | None = None,
    api_key: str | None = None,
) -> dict[str, WorkerSpec]:
    """The workers of the cameras the ticket service assigns, with the watch file's analyzers,
    outbox and out folder."""
    return {
        assigned.camera.id: _spec(
            config,
            assigned.camera_config(),
            assigned.scene_config(),
            assigned.stream.ray,
            api_url=api_url,
            api_key=api_key,
        )
        for assigned in streams
    }
