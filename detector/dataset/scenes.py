"""One image per scene: tickets raised on the same view of a camera share one training image.

A camera that watches a street sends near-identical frames for every ticket at one place, and
a dataset with the same picture ten times over is weighted toward it (and leaks between train
and val). Frames with equal content are one scene (whichever camera sent them); two frames of
one camera are also one scene when their 32×32 grey thumbnails differ nowhere by
``SCENE_THRESHOLD`` grey levels or more.

The rule is strict on purpose: the kept image carries the boxes of every ticket in its group,
so frames that differ by any visible object must stay apart. A cell is 1/1024 of the frame,
where encoder and sensor noise average out to a level or two but an object that fills the
cell moves it by tens. Mean differences were not used: they let a small new object through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

THUMB_SIZE = 32
SCENE_THRESHOLD = 10.0
"""Largest thumbnail-cell difference (grey levels, of 255) between frames of one scene."""

Thumbnail = npt.NDArray[np.float32]


def thumbnail(image_bgr: npt.NDArray[Any]) -> Thumbnail:
    grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY) if image_bgr.ndim == 3 else image_bgr
    small = cv2.resize(grey, (THUMB_SIZE, THUMB_SIZE), interpolation=cv2.INTER_AREA)
    return np.asarray(small, dtype=np.float32)


def thumbnail_distance(a: Thumbnail, b: Thumbnail) -> float:
    return float(np.abs(a - b).max())


@dataclass(frozen=True, eq=False)
class Frame:
    """What the grouping needs of one ticket's frame."""

    camera: str
    sha256: str
    size: tuple[int, int]
    """(width, height): frames of different sizes are never one scene."""
    thumb: Thumbnail = field(repr=False)


def same_scene(a: Frame, b: Frame, threshold: float = SCENE_THRESHOLD) -> bool:
    if a.camera != b.camera or a.size != b.size:
        return False
    return a.sha256 == b.sha256 or thumbnail_distance(a.thumb, b.thumb) < threshold


def group_scenes(frames: Sequence[Frame], threshold: float = SCENE_THRESHOLD) -> list[list[int]]:
    """Indexes of ``frames`` in groups of one scene; each group's first index is the frame to
    keep. Equal content is one image whatever the camera; otherwise a frame is compared with
    the kept frame of each of its camera's groups, in the order given, so the result depends
    only on the frames and their order."""
    groups: list[list[int]] = []
    by_hash: dict[str, list[int]] = {}
    by_camera: dict[str, list[list[int]]] = {}
    for index, frame in enumerate(frames):
        group = by_hash.get(frame.sha256)
        if group is None:
            candidates = by_camera.setdefault(frame.camera, [])
            group = next(
                (g for g in candidates if same_scene(frames[g[0]], frame, threshold)), None
            )
            if group is None:
                group = []
                groups.append(group)
                candidates.append(group)
        group.append(index)
        by_hash.setdefault(frame.sha256, group)
    return groups
