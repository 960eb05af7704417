"""Camera source configuration (YAML → pydantic). Bounds reflect what a street camera needs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
