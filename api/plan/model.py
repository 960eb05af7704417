"""The yearly supervision plan file (``docs/plan-2026.yaml`` is an example).

Every target is a per-squad count over a calendar period in the plan's time zone: "at least
``at_least`` ``metric`` per squad per ``period``". The district bureau's coverage of every squad
is the same shape: at least one coverage visit per squad per month.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.domain import REPEAT_THRESHOLD, REPEAT_WINDOW


class PeriodKind(StrEnum):
    WEEK = "week"
    """Monday 00:00 to the next Monday 00:00 (ISO weeks)."""
    MONTH = "month"
    QUARTER = "quarter"


class Metric(StrEnum):
    STREET_INSPECTIONS = "street_inspections"
    """On-street inspections by the squad (no data source yet)."""
    PROBLEMS_RECTIFIED = "problems_rectified"
    """Tickets whose rectification was recorded in the period (``api.plan.loader``)."""
    VIDEO_CHECKS = "video_checks"
    """Checks through the city video platform (no data source yet)."""
    DISTRICT_COVERAGE = "district_coverage"
    """District-bureau visits covering the squad (no data source yet)."""


class Target(BaseModel):
    """At least ``at_least`` of ``metric`` per squad in every ``period``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Metric = Field(description="What is counted.")
    period: PeriodKind = Field(description="week (Monday–Sunday), month or quarter.")
    at_least: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="The smallest count per squad and period that meets the target."
    )
    description: Annotated[str, Field(max_length=200)] = Field(
        default="", description="The plan's own wording, shown next to the numbers."
    )


class RepeatRule(BaseModel):
    """Repeat problems: ``threshold`` or more problems at one place within ``window_days``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: Annotated[int, Field(ge=2, le=100)] = Field(
        default=REPEAT_THRESHOLD, description="Problems at one place that make it a repeat."
    )
    window_days: Annotated[int, Field(ge=1, le=366)] = Field(
        default=REPEAT_WINDOW.days, description="Days the problems must fall within."
    )


class Plan(BaseModel):
    """One year's supervision plan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: Annotated[int, Field(ge=2000, le=2100)] = Field(description="The plan's calendar year.")
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        default="Asia/Shanghai", description="IANA time zone whose calendar defines the periods."
    )
    warn_days_before_end: Annotated[int, Field(ge=0, le=31)] = Field(
        default=3,
        description="Warn when a period ends within this many days and a count is still short.",
    )
    repeat: RepeatRule = Field(
        default_factory=RepeatRule, description="The repeat-problem rule (not wired in yet)."
    )
    targets: Annotated[list[Target], Field(min_length=1, max_length=50)] = Field(
        description="The per-squad targets."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)"
            ) from None
        return value

    @model_validator(mode="after")
    def _one_target_per_metric_and_period(self) -> Plan:
        seen: set[tuple[Metric, PeriodKind]] = set()
        for target in self.targets:
            key = (target.metric, target.period)
            if key in seen:
                raise ValueError(
                    f"targets: {target.metric.value!r} per {target.period.value} given twice"
                )
            seen.add(key)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
