"""Camera source configuration (YAML → pydantic). Bounds reflect what a street camera needs."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from detector.sources.locator import STREAM_SCHEMES
from detector.sources.sampling import SamplingMode


class StrictModel(BaseModel):
    """Base for config models: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SamplingConfig(StrictModel):
    mode: SamplingMode = Field(
        SamplingMode.RATE,
        description="rate: decode all, analyse rate_fps; keyframes: decode key frames only; "
        "all: analyse every frame.",
    )
    rate_fps: float = Field(
        1.0, gt=0.0, le=60.0, description="Analysis frames per second of media time (mode rate)."
    )


class LiveConfig(StrictModel):
    open_timeout_s: float = Field(
        10.0, gt=0.0, le=120.0, description="Seconds to wait for a stream to open."
    )
    stall_timeout_s: float = Field(
        10.0,
        gt=0.0,
        le=300.0,
        description="A live stream that delivers no packet for this many seconds counts as "
        "disconnected and is reopened.",
    )
    backoff_initial_s: float = Field(
        1.0, gt=0.0, le=60.0, description="First reconnect delay in seconds."
    )
    backoff_max_s: float = Field(
        60.0, gt=0.0, le=3600.0, description="Longest reconnect delay in seconds."
    )
    max_connect_attempts: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="Give up after this many failed attempts in a row; null retries forever "
        "(the default for long-running watches).",
    )
    rtsp_transport: str = Field(
        "tcp", pattern="^(tcp|udp)$", description="RTSP transport; tcp survives packet loss."
    )

    @model_validator(mode="after")
    def _backoff_order(self) -> LiveConfig:
        if self.backoff_max_s < self.backoff_initial_s:
            raise ValueError("backoff_max_s must be at least backoff_initial_s")
        return self


BUFFER_MARGIN_S = 4.0
"""Room for the key frame before the pre-roll (a GOP of up to ~3 s) and late B-frames."""


class EvidenceConfig(StrictModel):
    buffer_s: float = Field(
        30.0,
        ge=5.0,
        le=120.0,
        description="Seconds of compressed packets kept per camera for pre-roll.",
    )
    pre_roll_s: float = Field(
        10.0, ge=0.0, le=60.0, description="Seconds of clip before the incident moment."
    )
    post_roll_s: float = Field(
        10.0, ge=0.0, le=60.0, description="Seconds of clip after the incident moment."
    )

    @model_validator(mode="after")
    def _fits_buffer(self) -> EvidenceConfig:
        needed = self.pre_roll_s + self.post_roll_s + BUFFER_MARGIN_S
        if self.buffer_s < needed:
            raise ValueError(
                f"buffer_s ({self.buffer_s}) must be at least pre_roll_s + post_roll_s + "
                f"{BUFFER_MARGIN_S:g} s ({needed:g}): the clip is cut after the post-roll, and "
                "the key frame before the pre-roll must still be buffered then"
            )
        return self


class CameraConfig(StrictModel):
    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="Stable camera id used in incidents, bundles and tickets.",
    )
    name: str = Field("", max_length=200, description="Human-readable name (any language).")
    source: str = Field(
        min_length=1,
        max_length=2000,
        description="A video file path, a folder of images, or an rtsp/rtsps/rtmp/rtmps/http/"
        "https stream URL.",
    )
    images_fps: float = Field(
        1.0, gt=0.0, le=60.0, description="Frame rate of an image-folder source."
    )
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    live: LiveConfig = Field(default_factory=LiveConfig)
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)
    decoder_threads: int = Field(
        1,
        ge=0,
        le=16,
        description="Decoder threads per camera; 1 serves many cameras per core best, "
        "0 lets FFmpeg choose.",
    )
    started_at: AwareDatetime | None = Field(
        None,
        description="Recordings only: when the file's (or image folder's) first frame was "
        "taken, with its zone, e.g. 2026-11-27T08:00:00+08:00. Frames and incidents then carry "
        "UTC times, as a live camera's do, so they can go to the ticket service; without it "
        "a recording has media seconds only. Live streams use the clock and refuse it.",
    )

    @field_validator("started_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _started_at_for_recordings(self) -> CameraConfig:
        if self.started_at is not None and is_stream_url(self.source):
            raise ValueError(
                "started_at is for recorded files and image folders; a live stream's frames "
                "carry the clock's time"
            )
        return self


def is_stream_url(source: str) -> bool:
    """Whether ``source`` names a live stream (by its URL scheme), without checking more."""
    try:
        return urlsplit(source).scheme.lower() in STREAM_SCHEMES
    except ValueError:
        return False
