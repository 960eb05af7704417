"""The one type passed between analyzers and rules: columnar detections in source pixels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


def _empty_data() -> dict[str, npt.NDArray[Any]]:
    return {}


@dataclass(frozen=True, eq=False)
class Detections:
    """N detections of one frame, as parallel arrays (after Roboflow supervision's type).

    ``xyxy`` is in pixels of the source frame. ``labels`` are roles (``person``, ``vehicle``,
    ``stall_indicator``, ``goods``), taxonomy codes (``clutter``…) or analyzer kinds
    (``still_region``, ``text_region``). ``data`` holds extra per-detection columns, each an
    array of length N, e.g. ``still_since_s`` or ``class_name``.
    """

    xyxy: FloatArray
    confidence: FloatArray
    labels: tuple[str, ...]
    tracker_id: IntArray
    """Tracker identity per detection, -1 where untracked."""
    data: Mapping[str, npt.NDArray[Any]] = field(default_factory=_empty_data)

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"xyxy must have shape ({n}, 4), got {self.xyxy.shape}")
        columns: dict[str, npt.NDArray[Any]] = {
            "confidence": self.confidence,
            "tracker_id": self.tracker_id,
            **self.data,
        }
        for name, column in columns.items():
            if len(column) != n:
                raise ValueError(f"column {name} has {len(column)} rows, expected {n}")

    @classmethod
    def empty(cls) -> Detections:
        return cls.build([], [], [])

    @classmethod
    def build(
        cls,
        xyxy: Sequence[Sequence[float]] | FloatArray,
        confidence: Sequence[float] | FloatArray,
        labels: Sequence[str],
        tracker_id: Sequence[int] | IntArray | None = None,
        **data: Sequence[Any] | npt.NDArray[Any],
    ) -> Detections:
        """Detections from plain sequences (convenient for analyzers and tests)."""
        n = len(labels)
        boxes = np.asarray(xyxy, dtype=np.float32).reshape(n, 4)
        ids = np.full(n, -1, np.int64) if tracker_id is None else np.asarray(tracker_id, np.int64)
        return cls(
            xyxy=boxes,
            confidence=np.asarray(confidence, dtype=np.float32).reshape(n),
            labels=tuple(labels),
            tracker_id=ids,
            data={name: np.asarray(column) for name, column in data.items()},
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, selector: npt.NDArray[np.bool_] | Sequence[int]) -> Detections:
        """The detections where a boolean mask is true, or at the given indexes."""
        index = np.arange(len(self))[np.asarray(selector)]
        return Detections(
            xyxy=self.xyxy[index],
            confidence=self.confidence[index],
            labels=tuple(self.labels[i] for i in index),
            tracker_id=self.tracker_id[index],
            data={name: column[index] for name, column in self.data.items()},
        )

    def with_label(self, *labels: str) -> Detections:
        wanted = set(labels)
        return self[np.array([label in wanted for label in self.labels], dtype=bool)]

    @property
    def area(self) -> FloatArray:
        """Box areas in square source pixels."""
        widths = np.clip(self.xyxy[:, 2] - self.xyxy[:, 0], 0, None)
        heights = np.clip(self.xyxy[:, 3] - self.xyxy[:, 1], 0, None)
        area: FloatArray = (widths * heights).astype(np.float32)
        return area


def pair_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two xyxy boxes in the same pixels (scalar twin of ``box_iou``)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def pair_coverage(inner: Sequence[float], outer: Sequence[float]) -> float:
    """Fraction of ``inner`` inside ``outer`` (scalar twin of ``box_coverage``)."""
    ix = max(0.0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    iy = max(0.0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    return ix * iy / area if area > 0 else 0.0


def box_iou(a: FloatArray, b: FloatArray) -> FloatArray:
    """Pairwise IoU of boxes ``a`` (N×4) and ``b`` (M×4), both xyxy in the same pixels."""
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    overlap = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - overlap
    iou: FloatArray = np.where(union > 0, overlap / np.maximum(union, 1e-9), 0.0).astype(np.float32)
    return iou


def box_coverage(inner: FloatArray, outer: FloatArray) -> FloatArray:
    """Pairwise fraction of each ``inner`` box (N×4) covered by each ``outer`` box (M×4)."""
    top_left = np.maximum(inner[:, None, :2], outer[None, :, :2])
    bottom_right = np.minimum(inner[:, None, 2:], outer[None, :, 2:])
    overlap = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area = np.prod(np.clip(inner[:, 2:] - inner[:, :2], 0, None), axis=1)
    coverage: FloatArray = (overlap / np.maximum(area[:, None], 1e-9)).astype(np.float32)
    return coverage
