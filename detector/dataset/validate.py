"""``streetorder dataset validate``: what would make training silently wrong.

Errors: label lines that do not parse, boxes outside the image or of no size, class ids the
dataset does not name, label files without an image, images missing or not decodable, the
same image twice in a split, the same image in two splits (validation would score images the
model trained on). Warnings: images without a label file (Ultralytics reads them as
background; an empty label file says so on purpose).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np

from detector.dataset.model import sha256_bytes
from detector.dataset.yolo import (
    SplitFiles,
    label_path,
    parse_line,
    read_dataset,
    read_label_text,
    relative,
)

EDGE_TOLERANCE = 1e-3
"""How far a box edge may pass the image border: six-decimal rounding of centre and size
moves an edge by a few millionths, and a pixel or so of overhang is harmless."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Kind(StrEnum):
    MALFORMED = "malformed line"
    OUT_OF_RANGE = "box out of range"
    EMPTY_BOX = "empty box"
    UNKNOWN_CLASS = "unknown class"
    ORPHAN_LABEL = "label without image"
    MISSING_IMAGE = "missing image"
    UNDECODABLE = "undecodable image"
    DUPLICATE = "duplicate image"
    SHARED = "image in two splits"
    NO_LABELS = "no label file"


SEVERITY = {kind: Severity.ERROR for kind in Kind} | {Kind.NO_LABELS: Severity.WARNING}


@dataclass(frozen=True)
class Problem:
    kind: Kind
    split: str
    file: str
    detail: str

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]


def check_line(text: str, class_count: int) -> list[tuple[Kind, str]]:
    """What is wrong with one label line (nothing: an empty list)."""
    try:
        line = parse_line(text)
    except ValueError as exc:
        return [(Kind.MALFORMED, str(exc))]
    found: list[tuple[Kind, str]] = []
    if not 0 <= line.class_id < class_count:
        found.append((Kind.UNKNOWN_CLASS, f"class {line.class_id}; names has {class_count}"))
    if line.w <= 0 or line.h <= 0:
        found.append((Kind.EMPTY_BOX, f"width {line.w:g}, height {line.h:g}"))
        return found
    values = (line.cx, line.cy, line.w, line.h)
    edges = (line.cx - line.w / 2, line.cy - line.h / 2, line.cx + line.w / 2, line.cy + line.h / 2)
    low, high = -EDGE_TOLERANCE, 1 + EDGE_TOLERANCE
    if any(not 0 <= v <= 1 for v in values) or any(not low <= e <= high for e in edges):
        shown = ", ".join(f"{edge:.4f}" for edge in edges)
        found.append((Kind.OUT_OF_RANGE, f"edges {shown} leave [0, 1]"))
    return found


def decodes(content: bytes) -> bool:
    try:
        image = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_2)
    except cv2.error:
        return False
    return image is not None and image.size > 0


def validate_dataset(yaml_path: Path) -> list[Problem]:
    dataset = read_dataset(yaml_path)
    base = yaml_path.parent.resolve()
    problems: list[Problem] = []
    hashes: dict[str, dict[str, Path]] = {}
    expected: set[Path] = set()
    label_dirs: dict[Path, str] = {}
    for files in dataset.splits:
        seen = _check_split(files, len(dataset.names), base, problems)
        hashes[files.split] = seen
        expected.update(label_path(image) for image in files.images)
        label_dirs.update(dict.fromkeys(files.label_dirs, files.split))
    for folder, split in label_dirs.items():
        for labels in sorted(folder.rglob("*.txt")) if folder.is_dir() else []:
            if labels not in expected:
                detail = "no image of the same name in the split"
                problems.append(Problem(Kind.ORPHAN_LABEL, split, relative(labels, base), detail))
    for (first, a), (second, b) in combinations(hashes.items(), 2):
        for digest in sorted(a.keys() & b.keys()):
            detail = f"same content as {relative(a[digest], base)} in {first}"
            problems.append(Problem(Kind.SHARED, second, relative(b[digest], base), detail))
    return problems


def _check_split(
    files: SplitFiles, class_count: int, base: Path, problems: list[Problem]
) -> dict[str, Path]:
    """Check each image and its labels; returns the split's images by content hash."""
    seen: dict[str, Path] = {}

    def report(kind: Kind, path: Path, detail: str) -> None:
        problems.append(Problem(kind, files.split, relative(path, base), detail))

    for image in files.images:
        try:
            content = image.read_bytes()
        except FileNotFoundError:
            report(Kind.MISSING_IMAGE, image, "listed but not there")
            continue
        digest = sha256_bytes(content)
        if digest in seen:
            report(Kind.DUPLICATE, image, f"same content as {relative(seen[digest], base)}")
        else:
            seen[digest] = image
        if not decodes(content):
            report(Kind.UNDECODABLE, image, "OpenCV cannot decode it")
        labels = label_path(image)
        text = read_label_text(labels)
        if text is None:
            report(Kind.NO_LABELS, image, "read as background")
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                for kind, detail in check_line(line, class_count):
                    report(kind, labels, f"line {number}: {detail}")
    return seen


def has_errors(problems: Sequence[Problem]) -> bool:
    return any(problem.severity is Severity.ERROR for problem in problems)
