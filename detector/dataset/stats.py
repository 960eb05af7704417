"""``streetorder dataset stats``: images and objects per split and class, and box sizes.

Sizes use COCO's thresholds (small under 32² pixels, large from 96²) measured after the
image's long side is scaled to 640, as training letterboxes it: a box that is "small" here
is small for the model, whatever the camera's resolution.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from detector.dataset.formats.common import image_size
from detector.dataset.model import DatasetError
from detector.dataset.yolo import SplitFiles, label_path, parse_line, read_dataset, read_label_text

REFERENCE_SIZE = 640
SMALL_AREA = 32**2
LARGE_AREA = 96**2


class SizeBucket(StrEnum):
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


def size_bucket(w: float, h: float, width: int, height: int) -> SizeBucket:
    """The COCO size class of a normalised ``w`` × ``h`` box in a ``width`` × ``height``
    image once its long side is ``REFERENCE_SIZE``."""
    scale = REFERENCE_SIZE / max(width, height)
    area = (w * width * scale) * (h * height * scale)
    if area < SMALL_AREA:
        return SizeBucket.SMALL
    return SizeBucket.MEDIUM if area < LARGE_AREA else SizeBucket.LARGE


@dataclass(frozen=True)
class SplitStats:
    split: str
    images: int
    without_labels: int
    """Images with no label file or an empty one: background for training."""
    instances: Counter[str]
    """Objects per class name (``?N`` for an id the dataset does not name)."""
    images_with: Counter[str]
    """Images showing each class at least once."""
    sizes: Counter[SizeBucket]
    unreadable: int
    """Label lines that do not parse and images whose size cannot be read: left out."""


@dataclass(frozen=True)
class DatasetStats:
    names: tuple[str, ...]
    splits: tuple[SplitStats, ...]


def dataset_stats(yaml_path: Path) -> DatasetStats:
    dataset = read_dataset(yaml_path)
    return DatasetStats(
        dataset.names, tuple(_split_stats(files, dataset.names) for files in dataset.splits)
    )


def _split_stats(files: SplitFiles, names: tuple[str, ...]) -> SplitStats:
    instances: Counter[str] = Counter()
    images_with: Counter[str] = Counter()
    sizes: Counter[SizeBucket] = Counter()
    without_labels = unreadable = 0
    for image in files.images:
        lines = [line for line in (read_label_text(label_path(image)) or "").splitlines()]
        lines = [line for line in lines if line.strip()]
        without_labels += not lines
        if not lines:
            continue
        try:
            width, height = image_size(image)
        except DatasetError:
            unreadable += 1
            width = height = 0
        shown: set[str] = set()
        for text in lines:
            try:
                line = parse_line(text)
            except ValueError:
                unreadable += 1
                continue
            name = names[line.class_id] if 0 <= line.class_id < len(names) else f"?{line.class_id}"
            instances[name] += 1
            shown.add(name)
            if width and height and line.w > 0 and line.h > 0:
                sizes[size_bucket(line.w, line.h, width, height)] += 1
        images_with.update(shown)
    return SplitStats(
        files.split, len(files.images), without_labels, instances, images_with, sizes, unreadable
    )
