"""Label Studio's JSON export: a list of tasks, each with ``data.image`` and annotations whose
``rectanglelabels`` results give x, y, width and height in percent of the image.

Choices: a task nobody annotated is left out (unlabelled is not "nothing there"); a task
annotated with no box is a negative image; of several annotations the last one that was not
cancelled counts (Label Studio lists them oldest first).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from detector.dataset.formats.common import (
    Imported,
    find_image,
    image_size,
    ordered_names,
    read_json,
    validate,
)
from detector.dataset.model import Box, DatasetError, Sample, box_from_xyxy


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Rectangle(_Lenient):
    x: float
    y: float
    width: float = Field(ge=0)
    height: float = Field(ge=0)
    rotation: float = 0.0
    rectanglelabels: list[str] = Field(min_length=1)


class Result(_Lenient):
    type: str
    value: dict[str, Any]
    original_width: int | None = Field(None, ge=1)
    original_height: int | None = Field(None, ge=1)


class Annotation(_Lenient):
    result: list[Result] = []
    was_cancelled: bool = False


class Task(_Lenient):
    id: int | str | None = None
    data: dict[str, Any]
    annotations: list[Annotation] = []


class Export(_Lenient):
    tasks: list[Task]


def read_labelstudio(path: Path) -> Imported:
    export = validate(path, {"tasks": read_json(path)}, Export)
    samples = []
    for index, task in enumerate(export.tasks):
        done = [annotation for annotation in task.annotations if not annotation.was_cancelled]
        if not done:
            continue
        where = f"task {task.id if task.id is not None else index}"
        reference = task.data.get("image")
        if not isinstance(reference, str) or not reference:
            raise DatasetError(f"{path}: {where}: data.image is missing")
        image = _local_image(reference, path)
        boxes = []
        for result in done[-1].result:
            if result.type != "rectanglelabels":
                continue
            rectangle = validate(path, result.value, Rectangle)
            box = _box(rectangle, result, image)
            if box is not None:
                boxes.append(box)
        samples.append(Sample(image, tuple(boxes)))
    return Imported(tuple(samples), ordered_names(samples))


def candidate_names(reference: str) -> list[str]:
    """Where an image Label Studio names may lie next to the export: the local-storage path
    (``/data/local-files/?d=…``), the path as given, and for uploads (``/data/upload/3/
    8f2a1b3c-street.jpg``) the file name without the 8-character prefix Label Studio adds."""
    parts = urlsplit(reference)
    names = parse_qs(parts.query).get("d", [])
    names.append(unquote(parts.path))
    file_name = Path(unquote(parts.path)).name
    head, dash, rest = file_name.partition("-")
    if dash and len(head) == 8 and all(c in "0123456789abcdef" for c in head):
        names.append(rest)
    return names


def _local_image(reference: str, export: Path) -> Path:
    bases = [export.parent, export.parent / "images"]
    for name in candidate_names(reference):
        try:
            return find_image(name, bases, export)
        except DatasetError:
            continue
    where = ", ".join(str(base) for base in bases)
    raise DatasetError(f"{export}: image {reference!r} not found (looked in {where})")


def _box(rectangle: Rectangle, result: Result, image: Path) -> Box | None:
    width, height = result.original_width, result.original_height
    if width is None or height is None:
        width, height = image_size(image)
    x, y = rectangle.x / 100 * width, rectangle.y / 100 * height
    w, h = rectangle.width / 100 * width, rectangle.height / 100 * height
    # Label Studio turns a box about its top-left corner, clockwise on screen: the YOLO box
    # is the upright one around the turned corners.
    angle = math.radians(rectangle.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    offsets = ((0.0, 0.0), (w, 0.0), (w, h), (0.0, h))
    corners = [(x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in offsets]
    xs, ys = [cx for cx, _ in corners], [cy for _, cy in corners]
    label = rectangle.rectanglelabels[0]
    return box_from_xyxy(label, min(xs), min(ys), max(xs), max(ys), width, height)
