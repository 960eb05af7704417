"""How a text region looks: contrast-normalized grey signatures and what changed around it.

Everything here works on grey frames in source pixels and boxes ``(x0, y0, x1, y1)``.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from detector.sources.frames import ImageBGR

Gray = npt.NDArray[np.uint8]
"""H×W grey image in source pixels."""
Signature = npt.NDArray[np.float32]
"""A region's pixels, resized to a standard scale, zero mean and unit contrast."""
Box = tuple[float, float, float, float]

_SHORT_SIDE = 24
"""Signature pixels across a region's short side: enough for a digit to span whole cells."""
_LONG_SIDE_MAX = 256
_CELL = 8
_CONTRAST_FLOOR = 10.0
"""Grey levels: a blank region's noise must not be blown up into a change."""
_RING_DIFF = 24
"""Grey levels a ring pixel must move by to count as changed (above sensor and codec noise)."""
_RING_STILL_SHARE = 0.04


def to_gray(image: ImageBGR) -> Gray:
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), np.uint8)


def int_box(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """``box`` rounded outwards and clipped to the frame; None when less than 2×2 pixels."""
    x0 = max(0, int(np.floor(box[0])))
    y0 = max(0, int(np.floor(box[1])))
    x1 = min(width, int(np.ceil(box[2])))
    y1 = min(height, int(np.ceil(box[3])))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def signature(gray: Gray, box: Box) -> Signature | None:
    """The region's standardized look, or None when the box is off the frame."""
    clipped = int_box(box, gray.shape[1], gray.shape[0])
    if clipped is None:
        return None
    x0, y0, x1, y1 = clipped
    crop = gray[y0:y1, x0:x1]
    h, w = crop.shape
    scale = min(_SHORT_SIDE / min(h, w), _LONG_SIDE_MAX / max(h, w))
    size = (max(_CELL, round(w * scale)), max(_CELL, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    resized = np.asarray(cv2.resize(crop, size, interpolation=interpolation), np.float32)
    small = np.asarray(cv2.GaussianBlur(resized, (3, 3), 0), np.float32)
    contrast = max(float(small.std()), _CONTRAST_FLOOR)
    standardized: Signature = ((small - small.mean()) / contrast).astype(np.float32)
    return standardized


def content_distance(a: Signature, b: Signature) -> float:
    """Largest mean difference over 8×8 cells: one changed digit among many still shows."""
    if a.shape != b.shape:
        return float("inf")
    diff = np.abs(a - b)
    h, w = diff.shape
    rows, cols = -(-h // _CELL), -(-w // _CELL)
    padded = np.zeros((rows * _CELL, cols * _CELL), np.float32)
    counts = np.zeros_like(padded)
    padded[:h, :w] = diff
    counts[:h, :w] = 1.0
    cell_sum = padded.reshape(rows, _CELL, cols, _CELL).sum(axis=(1, 3))
    cell_n = counts.reshape(rows, _CELL, cols, _CELL).sum(axis=(1, 3))
    # Edge cells that are mostly padding would be all noise: they need half their pixels.
    full = cell_n >= _CELL * _CELL / 2
    if not full.any():
        return float(diff.mean())
    return float((cell_sum[full] / cell_n[full]).max())


def ring_box(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The box grown by half its height on every side: the region with its surroundings."""
    pad = max(3.0, 0.5 * (box[3] - box[1]))
    grown = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
    return int_box(grown, width, height)


def surroundings(gray: Gray, box: Box) -> Gray | None:
    """The grey pixels of ``ring_box``, kept to tell later whether anything moved around."""
    outer = ring_box(box, gray.shape[1], gray.shape[0])
    if outer is None:
        return None
    x0, y0, x1, y1 = outer
    patch: Gray = gray[y0:y1, x0:x1].copy()
    return patch


def ring_still(before: Gray | None, now: Gray, box: Box) -> bool:
    """Whether nothing moved around the box (outside it) between ``before`` and ``now``.

    Text that changes while its surroundings stay put changed in place (a clock); a change
    that comes with movement around it is something passing in front.
    """
    outer = ring_box(box, now.shape[1], now.shape[0])
    if before is None or outer is None:
        return False
    x0, y0, x1, y1 = outer
    current = now[y0:y1, x0:x1]
    if current.shape != before.shape:
        return False
    ring = np.ones(current.shape, bool)
    inner = int_box(box, now.shape[1], now.shape[0])
    if inner is not None:
        ring[inner[1] - y0 : inner[3] - y0, inner[0] - x0 : inner[2] - x0] = False
    if not ring.any():
        return False
    a = cv2.GaussianBlur(before, (3, 3), 0).astype(np.int16)
    b = cv2.GaussianBlur(current, (3, 3), 0).astype(np.int16)
    moved = np.abs(a - b)[ring] > _RING_DIFF
    return float(moved.mean()) < _RING_STILL_SHARE
