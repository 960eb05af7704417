"""What every importer shares: the imported value, reading the export, finding its images."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ValidationError

from detector.configfile import format_validation_error
from detector.dataset.model import DatasetError, Sample

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Imported:
    """An export read into samples; ``names`` in the order the source lists its classes."""

    samples: tuple[Sample, ...]
    names: tuple[str, ...]


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise DatasetError(f"{what} {path}: file not found")
    return path


def read_json(path: Path) -> Any:
    require_file(path, "export")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: not a JSON export: {exc}") from None


def validate(path: Path, raw: Any, model: type[ModelT]) -> ModelT:
    """``raw`` as ``model``; a malformed export is one line naming the field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DatasetError(format_validation_error(f"{path}: malformed", exc)) from None


def find_image(name: str, bases: Sequence[Path], export: Path) -> Path:
    """The image an export names: as given under each base folder, then by file name alone
    (tools often export paths from the machine they ran on)."""
    relative = Path(name.lstrip("/"))
    candidates = [base / relative for base in bases] + [base / relative.name for base in bases]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    where = ", ".join(str(base) for base in bases)
    raise DatasetError(f"{export}: image {name!r} not found (looked in {where})")


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file's header, without decoding the pixels."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError) as exc:
        raise DatasetError(f"image {path}: cannot read its size: {exc}") from None


def ordered_names(samples: Sequence[Sample]) -> tuple[str, ...]:
    """Class names for a source that does not list them: sorted, so runs agree."""
    return tuple(sorted({box.name for sample in samples for box in sample.boxes}))
