"""Scene configuration: the camera, its zones and the rules per violation type (YAML → pydantic)."""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from detector.configfile import load_yaml_model
from detector.incidents.taxonomy import load_taxonomy

Point = tuple[float, float]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ZoneType(StrEnum):
    PAVEMENT = "pavement"
    ROADWAY = "roadway"
    NO_VENDING = "no_vending"
    STOREFRONT = "storefront"
    GREEN_BELT = "green_belt"
    WALL = "wall"
    MASK = "mask"
    """Ignored: nothing inside raises anything (captions, the sky, private ground)."""


class CameraInfo(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Camera id.")
    name: str = Field("", max_length=200, description="Human-readable name.")
    key_point: str = Field(description="Key-point category code from datasets/taxonomy.yaml.")
    squad: str = Field("", max_length=100, description="Squad (中队) responsible for the place.")

    @field_validator("key_point")
    @classmethod
    def _known_key_point(cls, value: str) -> str:
        codes = load_taxonomy().key_point_codes
        if value not in codes:
            raise ValueError(f"unknown key point; expected one of {', '.join(codes)}")
        return value


class Zone(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Zone name.")
    type: ZoneType = Field(description="What the zone is; decides which rules apply.")
    polygon: tuple[Point, ...] = Field(
        min_length=3,
        max_length=256,
        description="Vertices in source pixels, or all in 0-1 as fractions of width/height.",
    )
    door_line: tuple[Point, Point] | None = Field(
        None,
        description="Storefront only: the shop's door line, same units as the polygon; goods "
        "on the street side of it are business spilling out.",
    )

    @model_validator(mode="after")
    def _door_line_for_storefront(self) -> Zone:
        if self.type is ZoneType.STOREFRONT and self.door_line is None:
            raise ValueError("a storefront zone needs a door_line")
        if any(x < 0 or y < 0 for x, y in self.polygon):
            raise ValueError("polygon coordinates must not be negative")
        if self.door_line is not None:
            door_normalized = all(x <= 1.0 and y <= 1.0 for x, y in self.door_line)
            if door_normalized != self.normalized:
                raise ValueError("door_line must use the polygon's units (pixels or 0-1 fractions)")
        return self

    @property
    def normalized(self) -> bool:
        """Whether the coordinates are fractions of the frame rather than pixels."""
        return all(x <= 1.0 and y <= 1.0 for x, y in self.polygon)


class TimeWindow(_Strict):
    start: time = Field(description="Local time of day the window opens (HH:MM).")
    end: time = Field(description="Local time it closes; before start means past midnight.")

    @model_validator(mode="after")
    def _not_empty(self) -> TimeWindow:
        if self.start == self.end:
            raise ValueError("start and end are equal: the window would never be open")
        return self

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class RuleConfig(_Strict):
    enabled: bool = Field(True, description="Whether this violation type is watched.")
    zones: tuple[str, ...] | None = Field(
        None, description="Zone names it applies to; default: every zone of a fitting type."
    )
    dwell_s: float = Field(
        300.0, ge=1.0, le=86400.0, description="Seconds evidence must persist to raise."
    )
    min_area_frac: float = Field(
        0.001, ge=0.0, le=1.0, description="Smallest box, as a fraction of the frame area."
    )
    min_score: float = Field(0.2, ge=0.0, le=1.0, description="Lowest evidence score counted.")
    active: tuple[TimeWindow, ...] = Field(
        (), description="Local time windows when it applies (live sources); empty = always."
    )
    cooldown_s: float = Field(
        1800.0,
        ge=0.0,
        le=604800.0,
        description="A new incident at the same place within this time is linked as a repeat.",
    )
    clear_s: float = Field(
        60.0,
        ge=1.0,
        le=86400.0,
        description="Seconds without evidence before an incident ends.",
    )


DEFAULT_DWELL_S = {"illegal_ad": 30.0}


class SceneLayout(_Strict):
    """What a camera's view holds, without naming the camera: its zones and rules. A scene
    file adds ``camera``; a camera stream kept by the ticket service takes it from there."""

    zones: tuple[Zone, ...] = Field(min_length=1, description="Named zones of this view.")
    rules: dict[str, RuleConfig] = Field(
        default_factory=dict, description="Per violation code; missing codes use defaults."
    )
    timezone: str = Field("Asia/Shanghai", description="IANA zone for active time windows.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name such as Asia/Shanghai") from None
        return value

    @field_validator("rules")
    @classmethod
    def _known_codes(cls, rules: dict[str, RuleConfig]) -> dict[str, RuleConfig]:
        taxonomy = load_taxonomy()
        for code in rules:
            if code not in taxonomy.violation_codes:
                raise ValueError(
                    f"unknown violation code {code!r}; expected one of "
                    f"{', '.join(taxonomy.violation_codes)}"
                )
            if not taxonomy.violation(code).detectable:
                raise ValueError(f"{code!r} cannot be detected yet")
        return rules

    @model_validator(mode="after")
    def _zone_references(self) -> SceneLayout:
        names = [zone.name for zone in self.zones]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"zone names must be unique: {', '.join(duplicates)}")
        for code, rule in self.rules.items():
            for name in rule.zones or ():
                if name not in names:
                    raise ValueError(f"rules.{code}.zones names unknown zone {name!r}")
        return self

    def rule(self, code: str) -> RuleConfig:
        if code in self.rules:
            return self.rules[code]
        return RuleConfig(dwell_s=DEFAULT_DWELL_S.get(code, 300.0))

    def zones_for(self, code: str) -> tuple[Zone, ...]:
        """Zones where ``code`` applies: the rule's own list, else every zone of a fitting type."""
        rule = self.rule(code)
        if rule.zones is not None:
            return tuple(zone for zone in self.zones if zone.name in rule.zones)
        types = load_taxonomy().violation(code).zone_types
        return tuple(zone for zone in self.zones if zone.type.value in types)


class SceneConfig(SceneLayout):
    camera: CameraInfo

    def layout(self) -> SceneLayout:
        return SceneLayout.model_validate(self.model_dump(exclude={"camera"}))


def load_scene(path: Path) -> SceneConfig:
    """Read and validate a scene file; errors name the file, the field and the value."""
    return load_yaml_model(path, SceneConfig)
