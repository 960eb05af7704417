"""A camera's stream settings, as CAMERAS.yaml lists them or the ticket service keeps them.

A watch takes its cameras from two places: its CAMERAS.yaml (each entry names a scene file) and,
under ``--engine ray`` with ``--api``, the streams the ticket service assigns to its group
(``PUT /api/v1/cameras/{id}/stream``), whose scene layout travels inline and whose name and key
point come from the camera's registration. Both become the same ``CameraConfig``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from detector.engine.options import RayOptions
from detector.rules.scene import CameraInfo, SceneConfig, SceneLayout
from detector.sources.config import (
    CameraConfig,
    EvidenceConfig,
    LiveConfig,
    SamplingConfig,
    is_stream_url,
)

GROUP_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
GroupName = Annotated[str, StringConstraints(pattern=GROUP_PATTERN)]
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")


class StreamSettings(BaseModel):
    """How one camera is read and analysed, whoever lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1, description="Stream URL, video file or image folder.")
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    live: LiveConfig = Field(default_factory=LiveConfig)
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)
    images_fps: float = Field(1.0, gt=0.0, le=60.0, description="Image-folder frame rate.")
    decoder_threads: int = Field(1, ge=0, le=16, description="Decoder threads (0 = auto).")
    started_at: AwareDatetime | None = Field(
        None,
        description="A recording replayed as a camera: when its first frame was taken, with "
        "its zone; its incidents then carry UTC times and can go to the ticket service.",
    )
    ray: RayOptions = Field(
        default_factory=RayOptions, description="Resources of its actor under --engine ray."
    )

    @model_validator(mode="after")
    def _started_at_for_recordings(self) -> StreamSettings:
        if self.started_at is not None and is_stream_url(self.source):
            raise ValueError("started_at is for recordings; a live stream carries the clock's time")
        return self

    def camera_config(self, camera_id: str, name: str, source: str | None = None) -> CameraConfig:
        """The camera as a watch runs it: a watch's cameras never give up reconnecting."""
        return CameraConfig(
            id=camera_id,
            name=name,
            source=self.source if source is None else source,
            sampling=self.sampling,
            live=self.live.model_copy(update={"max_connect_attempts": None}),
            evidence=self.evidence,
            images_fps=self.images_fps,
            decoder_threads=self.decoder_threads,
            started_at=self.started_at,
        )


class CameraStream(StreamSettings):
    """The body of ``PUT /api/v1/cameras/{id}/stream``: which watch runs the camera, how, and
    the zones and rules of its view."""

    group: GroupName = Field(
        description="The watch that runs it: `streetorder watch --engine ray --group NAME` "
        "(one per cluster or district). Always named: a camera never lands on a group by "
        "default.",
    )
    scene: SceneLayout = Field(description="Zones and rules of the camera's view.")

    @model_validator(mode="after")
    def _source_the_nodes_can_open(self) -> CameraStream:
        # The service does not read the source; the cluster's nodes do, from any folder.
        if _URL_START.match(self.source) and not _parses(self.source):
            raise ValueError(
                "source is not a URL the nodes can parse (no host, or a [ ] / ? or # in its user "
                "name or password: write them as %5B %5D %2F %3F %23)"
            )
        if not is_stream_url(self.source) and not Path(self.source).is_absolute():
            raise ValueError(
                "source must be a stream URL (rtsp://, http://…) or an absolute path that every "
                "node can read"
            )
        return self


class AssignedStream(BaseModel):
    """One entry of ``GET /api/v1/cameras/streams``: a registered camera and its stream."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera: CameraInfo = Field(description="The camera as registered (key point category).")
    stream: CameraStream
    revision: int = Field(ge=1, description="Goes up by one with every change of the stream.")

    def scene_config(self) -> SceneConfig:
        return SceneConfig(camera=self.camera, **dict(self.stream.scene))

    def camera_config(self) -> CameraConfig:
        return self.stream.camera_config(self.camera.id, self.camera.name)


def _parses(url: str) -> bool:
    # What urlsplit cannot take apart (an unclosed "[", a port that is not a number because a
    # raw "/" or "#" cut the password short) would reach the nodes and the audit trail garbled.
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises when it is not a number
        return bool(parts.hostname)
    except ValueError:
        return False
