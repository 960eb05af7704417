"""Settings of the text and poster analyzer (OCR text regions on wall zones)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TextConfig(BaseModel):
    """What the text analyzer looks for, how often, and when a text region counts as new."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    long_side_px: int = Field(
        1600,
        ge=1280,
        le=1920,
        description="Each wall zone is resized so its long side has this many pixels before "
        "text detection: small posters on small frames need upscaling to be found.",
    )
    max_upscale: float = Field(
        6.0,
        ge=1.0,
        le=8.0,
        description="Largest enlargement of a zone for detection; tiny zones stop here instead "
        "of reaching long_side_px.",
    )
    recognize: bool = Field(
        False,
        description="Also read the text of new regions (phone numbers, time stamps); off by "
        "default because recognition costs time.",
    )
    time_text_is_osd: bool = Field(
        True,
        description="With recognition on, a region that reads mostly as a time or date "
        "(12:04:11, 2024-05-01) is an on-screen display, never an ad.",
    )
    min_box_area_px: float = Field(
        48.0,
        ge=0.0,
        le=1_000_000.0,
        description="Text lines smaller than this (square source pixels) are ignored.",
    )
    learn_s: float = Field(
        60.0,
        ge=0.0,
        le=86_400.0,
        description="Seconds from the first frame during which text that stays in place joins "
        "the camera's reference inventory (shop signs, street names); such text is never new.",
    )
    stable_s: float = Field(
        10.0,
        gt=0.0,
        le=86_400.0,
        description="A new text region is reported once its pixels stayed the same this long.",
    )
    ocr_interval_s: float = Field(
        2.0,
        ge=0.0,
        le=600.0,
        description="Least seconds between two text detections on one zone.",
    )
    ocr_refresh_s: float = Field(
        30.0,
        ge=1.0,
        le=3600.0,
        description="A zone whose pixels did not change is still re-detected this often, so a "
        "missed poster is found and a removed one forgotten.",
    )
    forget_s: float = Field(
        60.0,
        ge=1.0,
        le=86_400.0,
        description="A reported region that detection has not found again for this long is "
        "dropped (the poster was removed).",
    )
    volatile_changes: int = Field(
        3,
        ge=2,
        le=50,
        description="A region whose text changed in place this many times within "
        "volatile_window_s is a clock or caption: its place is ignored for good.",
    )
    volatile_window_s: float = Field(
        30.0,
        ge=1.0,
        le=3600.0,
        description="Window in seconds for counting in-place changes (see volatile_changes).",
    )
    content_change: float = Field(
        0.3,
        gt=0.0,
        le=5.0,
        description="Change of a region's normalized grey pixels (largest 8×8 cell mean, in "
        "units of the region's contrast) above which its content counts as changed.",
    )
    det_box_thresh: float = Field(
        0.5,
        ge=0.1,
        le=0.95,
        description="Least mean text probability inside a detected box (RapidOCR box_thresh).",
    )
    det_pixel_thresh: float = Field(
        0.3,
        ge=0.05,
        le=0.9,
        description="Text probability above which a pixel is text (RapidOCR thresh).",
    )
    match_iou: float = Field(
        0.3,
        gt=0.0,
        le=1.0,
        description="Least IoU for two boxes to be the same text place (jitter tolerance).",
    )
    match_coverage: float = Field(
        0.6,
        gt=0.0,
        le=1.0,
        description="Least share of a box inside another for both to be the same text place "
        "(detection splits and merges lines from frame to frame).",
    )
    threads: int = Field(
        0,
        ge=0,
        le=64,
        description="ONNX Runtime threads for OCR; 0 lets it use every core.",
    )

    @model_validator(mode="after")
    def _window_holds_changes(self) -> TextConfig:
        if self.volatile_window_s <= self.ocr_interval_s:
            raise ValueError("volatile_window_s must be longer than ocr_interval_s")
        return self
