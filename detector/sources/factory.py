"""Builds the right source for a camera's configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from detector.sources.config import CameraConfig
from detector.sources.demux import ReadOptions
from detector.sources.file import FileSource
from detector.sources.frames import Frame, PacketSink
from detector.sources.health import HealthBoard
from detector.sources.live import LiveSource
from detector.sources.locator import SourceKind, locate


class VideoSource(Protocol):
    """Anything that yields a camera's sampled frames and can be asked to stop."""

    camera_id: str

    def frames(self) -> Iterator[Frame]: ...

    def stop(self) -> None: ...


def create_source(
    camera: CameraConfig,
    *,
    packet_sink: PacketSink | None = None,
    health: HealthBoard | None = None,
    want_images: bool = True,
    on_connection_end: Callable[[], None] | None = None,
) -> VideoSource:
    """A file, image-folder or live source for ``camera``; raises ``SourceError`` if unusable."""
    location = locate(camera.id, camera.source)
    options = ReadOptions(
        camera_id=camera.id,
        mode=camera.sampling.mode,
        rate_fps=camera.sampling.rate_fps,
        want_images=want_images,
        decoder_threads=camera.decoder_threads,
    )
    if location.kind is SourceKind.STREAM:
        return LiveSource(
            location,
            options,
            camera.live,
            packet_sink=packet_sink,
            health=health,
            on_connection_end=on_connection_end,
        )
    # A file's end is its only connection end; callers flush their evidence after it.
    return FileSource(
        location,
        options,
        images_fps=camera.images_fps,
        packet_sink=packet_sink,
        health=health,
        started_at=camera.started_at,
    )
