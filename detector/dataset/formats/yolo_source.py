"""A YOLO dataset as a source: its ``data.yaml`` (or the folder holding one), or a bare
folder of images and label files such as CVAT's "YOLO 1.1" export, whose class names come
from ``classes.txt`` / ``obj.names`` or ``--names``.

Labels are normalised on the way: polygons become boxes, boxes are clipped to the image and
written with fixed precision, boxes with nothing left inside the image are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from detector.dataset.formats.common import Imported
from detector.dataset.model import (
    IMAGE_SUFFIXES,
    Box,
    DatasetError,
    Sample,
    Split,
    box_from_xyxy,
)
from detector.dataset.yolo import label_path, parse_line, read_dataset, read_label_text

NAME_FILES = ("classes.txt", "obj.names")
FOLDER_SPLITS: dict[str, Split] = {
    "train": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
}


def read_yolo(source: Path, given_names: Sequence[str]) -> Imported:
    if source.is_dir() and (source / "data.yaml").is_file():
        source = source / "data.yaml"
    if source.is_file():
        dataset = read_dataset(source)
        samples = [
            _sample(image, dataset.names, files.split)
            for files in dataset.splits
            for image in files.images
        ]
        return Imported(tuple(samples), dataset.names)
    if not source.is_dir():
        raise DatasetError(f"dataset {source}: file not found")
    names = _folder_names(source) or tuple(given_names)
    if not names:
        raise DatasetError(
            f"export {source}: no class names: add data.yaml or classes.txt, or give --names"
        )
    images = sorted(path for path in source.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise DatasetError(f"export {source}: no images in it")
    return Imported(
        tuple(_sample(image, names, _folder_split(image, source)) for image in images), names
    )


def _folder_names(folder: Path) -> tuple[str, ...]:
    for name in NAME_FILES:
        path = folder / name
        if path.is_file():
            return tuple(
                line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()
            )
    return ()


def _folder_split(image: Path, root: Path) -> Split | None:
    for part in image.relative_to(root).parts[:-1]:
        if part.lower() in FOLDER_SPLITS:
            return FOLDER_SPLITS[part.lower()]
    return None


def _sample(image: Path, names: Sequence[str], split: Split | None) -> Sample:
    labels = label_path(image)
    text = read_label_text(labels)
    if text is None and labels != image.with_suffix(".txt"):
        text = read_label_text(image.with_suffix(".txt"))
    boxes: list[Box] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed = parse_line(line)
        except ValueError as exc:
            raise DatasetError(f"labels {labels}:{number}: {exc}") from None
        if not 0 <= parsed.class_id < len(names):
            raise DatasetError(
                f"labels {labels}:{number}: class {parsed.class_id} is not one of the "
                f"{len(names)} names"
            )
        half_w, half_h = parsed.w / 2, parsed.h / 2
        box = box_from_xyxy(
            names[parsed.class_id],
            parsed.cx - half_w,
            parsed.cy - half_h,
            parsed.cx + half_w,
            parsed.cy + half_h,
            1.0,
            1.0,
        )
        if box is not None:
            boxes.append(box)
    return Sample(image, tuple(boxes), split)
