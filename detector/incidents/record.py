"""The incident message passed from rules to evidence and the outbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class IncidentRecord(BaseModel):
    """One street-order incident at one camera. Times: media seconds for files, UTC for live."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", description="Unique id.")
    camera: str = Field(description="Camera id.")
    type: str = Field(description="Taxonomy code, e.g. clutter, stall, illegal_ad.")
    box_xyxy: tuple[float, float, float, float] = Field(
        description="Incident box (x1, y1, x2, y2) in pixels of the source frame."
    )
    score: float = Field(ge=0.0, le=1.0, description="Confidence that the incident is real.")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Per-analyzer scores behind ``score``."
    )
    zone: str | None = Field(None, description="Scene zone the incident lies in.")
    epoch: int = Field(0, ge=0, description="Source connection the media times refer to.")
    first_seen_s: float | None = Field(
        None, ge=0.0, description="Media time when the thing first appeared still."
    )
    raised_s: float | None = Field(
        None, ge=0.0, description="Media time when the incident was raised."
    )
    ended_s: float | None = Field(None, ge=0.0, description="Media time it ended; null if open.")
    repeat_of: str | None = Field(
        None, description="Id of the earlier incident at the same place, within the cool-down."
    )
    bundle: str | None = Field(None, description="Path of the incident's evidence bundle.")
    first_seen_at: AwareDatetime | None = Field(None, description="UTC, live sources.")
    raised_at: AwareDatetime | None = Field(None, description="UTC, live sources.")
    ended_at: AwareDatetime | None = Field(None, description="UTC, live sources.")

    @model_validator(mode="after")
    def _has_raise_time(self) -> IncidentRecord:
        if self.raised_s is None and self.raised_at is None:
            raise ValueError("an incident needs raised_s (media time) or raised_at (UTC)")
        x1, y1, x2, y2 = self.box_xyxy
        if x2 <= x1 or y2 <= y1:
            raise ValueError(f"box_xyxy must have x2 > x1 and y2 > y1, got {self.box_xyxy}")
        return self

    @property
    def raised(self) -> datetime | float:
        return self.raised_at if self.raised_at is not None else float(self.raised_s or 0.0)
