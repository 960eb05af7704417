"""The yearly supervision plan file (``docs/plan-2026.yaml`` is an example).

Every target is a per-squad count over a calendar period in the plan's time zone: "at least
``at_least`` ``metric`` per squad per ``period``". The district bureau's coverage of every squad
is the same shape: at least one coverage visit per squad per month.
"""

from __future__ import annotations

import itertools
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
    """On-street inspections of the squad's key points (inspections of kind ``street``)."""
    PROBLEMS_RECTIFIED = "problems_rectified"
    """Tickets whose rectification was recorded in the period (``api.plan.loader``)."""
    VIDEO_CHECKS = "video_checks"
    """Checks through the city video platform (inspections of kind ``video``)."""
    DISTRICT_COVERAGE = "district_coverage"
    """District-bureau visits covering the squad (inspections of kind ``district``)."""


class InspectionKind(StrEnum):
    """How a key point was inspected; each kind counts toward one metric (``metric``)."""

    STREET = "street"
    VIDEO = "video"
    DISTRICT = "district"

    @property
    def metric(self) -> Metric:
        return INSPECTION_METRIC[self]


INSPECTION_METRIC: dict[InspectionKind, Metric] = {
    InspectionKind.STREET: Metric.STREET_INSPECTIONS,
    InspectionKind.VIDEO: Metric.VIDEO_CHECKS,
    InspectionKind.DISTRICT: Metric.DISTRICT_COVERAGE,
}
"""The target each inspection kind counts toward (an inspection counts for its key point's
squad, by its start time)."""


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


class LookBackRule(BaseModel):
    """Look back (回头看): a rectified ticket's camera is checked again ``delays_days`` after
    each rectification; a violation seen back reopens the ticket with a new deadline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delays_days: Annotated[
        list[Annotated[int, Field(ge=1, le=90)]], Field(min_length=1, max_length=5)
    ] = Field(
        default_factory=lambda: [1, 7],
        description="Days after the rectification of each look-back round, strictly increasing.",
    )
    reopen_deadline_days: Annotated[int, Field(ge=1, le=60)] = Field(
        default=3, description="Days a reopened ticket's squad gets to rectify it again."
    )

    @field_validator("delays_days")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if any(later <= earlier for earlier, later in itertools.pairwise(value)):
            raise ValueError(f"must be strictly increasing, got {value}")
        return value


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
    look_back: LookBackRule = Field(
        default_factory=LookBackRule, description="When rectified tickets are checked again."
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
