"""Settings of the weights-free static-change analyzer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StaticChangeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    work_width_px: int = Field(
        320, ge=96, le=1280, description="Frames are analysed at this width (aspect kept)."
    )
    diff_threshold: float = Field(
        26.0,
        gt=0.0,
        le=255.0,
        description="Per-pixel colour difference (0-255, after blur and light compensation) "
        "that counts as a change.",
    )
    short_time_constant_s: float = Field(
        1.5,
        gt=0.0,
        le=60.0,
        description="Memory of the short-term background: a thing that stays this long stops "
        "being 'moving'.",
    )
    long_time_constant_s: float = Field(
        120.0,
        gt=0.0,
        le=86400.0,
        description="Memory of the long-term background for pixels that show background "
        "(follows slow light changes).",
    )
    min_area_frac: float = Field(
        0.0015, ge=0.0, le=0.5, description="Smallest still region, as a fraction of the frame."
    )
    confirm_s: float = Field(
        1.0, ge=0.0, le=60.0, description="A region must stay this long before it is reported."
    )
    clear_after_s: float = Field(
        3.0,
        gt=0.0,
        le=600.0,
        description="A region neither seen nor hidden behind moving things for this long is gone.",
    )
    min_visible_fraction: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="A region must be seen (not hidden behind moving things) in at least this "
        "fraction of frames; lanes of passing traffic are hidden most of the time.",
    )
    max_occlusion_s: float = Field(
        120.0,
        gt=0.0,
        le=3600.0,
        description="A region hidden behind moving things longer than this is dropped.",
    )
    stability_threshold: float = Field(
        18.0,
        gt=0.0,
        le=255.0,
        description="Mean colour change of a region's visible pixels above which it is not a "
        "still object (swaying trees, screens, clocks) and its stillness starts again.",
    )
    relearn_fraction: float = Field(
        0.45,
        gt=0.0,
        le=1.0,
        description="A frame where more than this fraction changed at once is a global light "
        "jump (lamps, exposure): both backgrounds are re-learned, no regions raised.",
    )
    absorb_after_s: float = Field(
        86400.0,
        gt=0.0,
        le=604800.0,
        description="A still region older than this becomes part of the background.",
    )
