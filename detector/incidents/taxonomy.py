"""Loads ``datasets/taxonomy.yaml``, the single source of violation codes and key points."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from detector.configfile import load_yaml_model

TAXONOMY_ENV = "STREETORDER_TAXONOMY"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "datasets" / "taxonomy.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ViolationType(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z_]{1,31}$", description="Stable code.")
    zh: str = Field(min_length=1, description="Chinese name used by the bureau.")
    en: str = Field(min_length=1, description="English name.")
    detectable: bool = Field(description="Whether any analyzer can raise it.")
    detected_by: tuple[str, ...] = Field(description="Analyzers that contribute evidence.")
    zone_types: tuple[str, ...] = Field(description="Zone types where it applies.")
    rule: str | None = Field(
        default=None,
        max_length=500,
        description="The regulation and article it breaks (zh), quoted on supervision notices.",
    )


class KeyPointCategory(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z_]{1,31}$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Taxonomy(_Strict):
    version: int = Field(ge=1)
    violations: tuple[ViolationType, ...]
    key_points: tuple[KeyPointCategory, ...]

    def violation(self, code: str) -> ViolationType:
        for violation in self.violations:
            if violation.code == code:
                return violation
        raise KeyError(code)

    @property
    def violation_codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.violations)

    @property
    def key_point_codes(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.key_points)


@cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy from ``path``, ``$STREETORDER_TAXONOMY`` or the repository's copy."""
    chosen = path or Path(os.environ.get(TAXONOMY_ENV, DEFAULT_PATH))
    return load_yaml_model(chosen, Taxonomy)
