"""A model card: YAML front matter (between ``---`` lines at the top of ``models/<name>.md``)
that tools read, then prose for people. One markdown file per model keeps the two together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detector.analyzers.objects.classmap import Label
from detector.errors import ConfigError

SHA256 = r"^[0-9a-f]{64}$"
FENCE = "---"


class CardError(ConfigError):
    """A model card is unreadable or incomplete; the message names the card and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainingData(_Strict):
    description: str = Field(min_length=1, max_length=500, description="What it was trained on.")
    sha256: str | None = Field(
        pattern=SHA256,
        description="detector.models.dataset_sha256 of the training data folder; null for "
        "third-party weights whose data this project never held.",
    )


class Metrics(_Strict):
    dataset: str = Field(min_length=1, max_length=200, description="What they were measured on.")
    imgsz: int = Field(ge=32, le=4096, description="Input size of the measurement.")
    map50: float | None = Field(ge=0.0, le=1.0, description="mAP at IoU 0.5.")
    map50_95: float | None = Field(ge=0.0, le=1.0, description="mAP at IoU 0.5:0.95.")
    source: str = Field(
        min_length=1, max_length=200, description="Who measured: 'streetorder eval', a vendor…"
    )


class Thresholds(_Strict):
    min_confidence: float = Field(gt=0.0, le=1.0)
    iou_threshold: float = Field(gt=0.0, le=1.0)
    imgsz: int = Field(ge=32, le=1920, multiple_of=32)


class ModelCard(_Strict):
    """What the registry knows about one weights file."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="= card stem.")
    file: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$",
        description="Weights file name in the models directory (no folders).",
    )
    sha256: str = Field(pattern=SHA256)
    size: int = Field(gt=0, description="Bytes.")
    classes: dict[str, Label | None] = Field(
        min_length=1,
        max_length=10_000,
        description="Every class the model has, in index order → the role or taxonomy code "
        "the default class map gives it (null: dropped).",
    )
    training_data: TrainingData
    metrics: Metrics
    thresholds: Thresholds
    source: str = Field(min_length=1, max_length=500, description="Where the weights come from.")
    licence: str = Field(min_length=1, max_length=300)

    def class_map(self) -> dict[str, Label]:
        """The ``ObjectsConfig.class_map`` this card recommends."""
        return {name: label for name, label in self.classes.items() if label is not None}


def front_matter(text: str) -> str | None:
    """The YAML between a leading ``---`` line and the next one; None if there is none."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        return None
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == FENCE:
            return "\n".join(lines[1:index])
    return None


def _problem(error: ValidationError) -> str:
    item = error.errors()[0]
    field = ".".join(str(part) for part in item["loc"]) or "(top level)"
    if item["type"] == "missing":
        return f"missing field {field!r}"
    if item["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    return f"field {field!r}: {item['msg']}"


def parse_card(text: str, source: str) -> ModelCard:
    """Validate a card's front matter; ``source`` names it in the one-line ``CardError``."""
    matter = front_matter(text)
    if matter is None:
        raise CardError(f"{source}: no front matter (a '---' line, YAML, a '---' line on top)")
    try:
        raw: Any = yaml.safe_load(matter)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise CardError(f"{source}: front matter is not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise CardError(f"{source}: front matter must be a mapping")
    try:
        card = ModelCard.model_validate(raw)
    except ValidationError as exc:
        raise CardError(f"{source}: {_problem(exc)}") from None
    return card


def load_card(path: Path) -> ModelCard:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CardError(f"{path}: cannot read: {exc}") from None
    card = parse_card(text, str(path))
    if card.name != path.stem:
        raise CardError(f"{path}: field 'name' is {card.name!r}, the card file says {path.stem!r}")
    return card
