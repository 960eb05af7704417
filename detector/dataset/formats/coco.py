"""COCO detection JSON (``instances``): images, annotations with ``bbox`` [x, y, w, h] in
pixels, categories. Crowd regions (``iscrowd: 1``) are left out, as Ultralytics' own COCO
converter does: they mark a group, not one object to find."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from detector.dataset.formats.common import (
    Imported,
    find_image,
    image_size,
    read_json,
    validate,
)
from detector.dataset.model import Box, DatasetError, Sample, box_from_xyxy


class _Lenient(BaseModel):
    # Exports carry many more fields (licenses, segmentation, area…) that do not matter here.
    model_config = ConfigDict(extra="ignore", frozen=True)


class CocoImage(_Lenient):
    id: int | str
    file_name: str = Field(min_length=1)
    width: int | None = Field(None, ge=0)
    height: int | None = Field(None, ge=0)


class CocoAnnotation(_Lenient):
    image_id: int | str
    category_id: int | str
    bbox: tuple[float, float, float, float]
    iscrowd: int = 0


class CocoCategory(_Lenient):
    id: int | str
    name: str = Field(min_length=1)


class CocoFile(_Lenient):
    images: list[CocoImage]
    annotations: list[CocoAnnotation] = []
    categories: list[CocoCategory]


def read_coco(path: Path) -> Imported:
    coco = validate(path, read_json(path), CocoFile)
    categories = {category.id: category.name for category in coco.categories}
    boxes: dict[int | str, list[Box]] = defaultdict(list)
    sizes = {image.id: image for image in coco.images}
    paths: dict[int | str, Path] = {}
    bases = [path.parent, path.parent / "images", path.parent.parent / "images"]
    for entry in coco.images:
        paths[entry.id] = find_image(entry.file_name, bases, path)
    for annotation in coco.annotations:
        if annotation.iscrowd:
            continue
        if annotation.category_id not in categories:
            raise DatasetError(f"{path}: annotation of unknown category {annotation.category_id}")
        listed = sizes.get(annotation.image_id)
        if listed is None:
            raise DatasetError(f"{path}: annotation of unknown image {annotation.image_id}")
        width, height = listed.width, listed.height
        if not width or not height:
            width, height = image_size(paths[listed.id])
        x, y, w, h = annotation.bbox
        box = box_from_xyxy(categories[annotation.category_id], x, y, x + w, y + h, width, height)
        if box is not None:
            boxes[listed.id].append(box)
    samples = tuple(Sample(paths[image.id], tuple(boxes[image.id])) for image in coco.images)
    names = tuple(category.name for category in sorted(coco.categories, key=_category_order))
    return Imported(samples, tuple(dict.fromkeys(names)))


def _category_order(category: CocoCategory) -> tuple[int, int, str]:
    return (0, category.id, "") if isinstance(category.id, int) else (1, 0, category.id)
