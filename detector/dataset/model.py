"""The values every dataset stage shares: boxes, samples, content hashes, the split rule."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from detector.errors import StreetOrderError

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")
IMAGE_SUFFIXES = frozenset(
    {".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp", ".mpo", ".dng", ".pfm"}
)
"""What Ultralytics loads as images; anything else in an image folder is ignored."""
HASH_CHARS = 16
"""Image file names keep 64 bits of the SHA-256: collisions are out of reach for any dataset
a camera network produces, and names stay readable."""
CHUNK_BYTES = 1 << 20


class DatasetError(StreetOrderError):
    """A dataset or an annotation export cannot be read or written; names file and cause."""


@dataclass(frozen=True)
class Box:
    """One object: its class name and a YOLO box (centre, size), normalised to [0, 1]."""

    name: str
    cx: float
    cy: float
    w: float
    h: float


@dataclass(frozen=True)
class Sample:
    """An image of a source and its objects; ``split`` where the source says, else None."""

    image: Path
    boxes: tuple[Box, ...]
    split: Split | None = None


def box_from_xyxy(
    name: str, x1: float, y1: float, x2: float, y2: float, width: float, height: float
) -> Box | None:
    """A pixel box as a YOLO box, clipped to the image; None when nothing of it is left.

    Annotation tools let a box hang over the edge by a pixel or two; clipping keeps the part
    that is in the picture rather than refusing the whole export.
    """
    if width <= 0 or height <= 0 or not all(map(math.isfinite, (x1, y1, x2, y2))):
        return None
    left, right = sorted((min(max(x1 / width, 0.0), 1.0), min(max(x2 / width, 0.0), 1.0)))
    top, bottom = sorted((min(max(y1 / height, 0.0), 1.0), min(max(y2 / height, 0.0), 1.0)))
    if right - left <= 0.0 or bottom - top <= 0.0:
        return None
    return Box(name, (left + right) / 2, (top + bottom) / 2, right - left, bottom - top)


def yolo_line(class_id: int, box: Box) -> str:
    return f"{class_id} {box.cx:.6f} {box.cy:.6f} {box.w:.6f} {box.h:.6f}"


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
    except FileNotFoundError:
        raise DatasetError(f"image {path}: file not found") from None
    return digest.hexdigest()


def hashed_name(sha256: str, suffix: str) -> str:
    """The file name of an image in a dataset written here: its content hash, its kind."""
    suffix = suffix.lower()
    return sha256[:HASH_CHARS] + (".jpg" if suffix == ".jpeg" else suffix)


def split_of(sha256: str, val_fraction: float) -> Split:
    """``val`` for a fixed share of all possible contents, ``train`` otherwise.

    The hash alone decides: the same image lands in the same split whatever the order, the
    machine or the other images, so adding images never moves old ones between splits (and
    the val share is only approximately ``val_fraction`` on a small dataset).
    """
    # Whole numbers: the cut is the same on every machine and Python.
    cut = round(val_fraction * 16**HASH_CHARS)
    return "val" if int(sha256[:HASH_CHARS], 16) < cut else "train"
