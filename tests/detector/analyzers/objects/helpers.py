"""Test inputs for the objects analyzer: frames, pasted images, reference boxes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import ultralytics

from detector.analyzers.detections import Detections, box_iou
from detector.analyzers.objects import InferenceSettings, RawDetections
from detector.sources.frames import Frame, ImageBGR
from tests.factories import SHARED

YOLOV5_CHECKPOINT = SHARED / "models" / "yolov5n_coco.pt"
BUS_JPG = Path(ultralytics.ASSETS) / "bus.jpg"

BUS_PEOPLE = (
    (50.0, 400.0, 245.0, 905.0),
    (670.0, 380.0, 810.0, 875.0),
    (220.0, 405.0, 345.0, 860.0),
    (0.0, 550.0, 65.0, 875.0),
)
"""Where the four people in bus.jpg stand (source pixels, by eye, a few pixels either way)."""
BUS_BOX = (20.0, 230.0, 805.0, 760.0)
"""The bus in bus.jpg, cut off by the right edge."""


def make_frame(image: ImageBGR, index: int = 0, fps: float = 1.0) -> Frame:
    return Frame(
        camera_id="cam-test",
        index=index,
        media_time_s=index / fps,
        epoch=0,
        captured_at=None,
        is_keyframe=index == 0,
        image_bgr=image,
    )


def is_one_line(text: str) -> bool:
    return "\n" not in text and 0 < len(text) < 400


def grey(width: int, height: int, level: int = 90) -> ImageBGR:
    return np.full((height, width, 3), level, np.uint8)


def paste(canvas: ImageBGR, image: ImageBGR, x: int, y: int) -> ImageBGR:
    """A copy of ``canvas`` with ``image`` pasted with its top-left corner at (x, y)."""
    out = canvas.copy()
    h, w = image.shape[:2]
    out[y : y + h, x : x + w] = image
    return out


def best_iou(detections: Detections, box: Sequence[float]) -> float:
    """IoU of ``box`` with the detection that overlaps it most (0 if none)."""
    if len(detections) == 0:
        return 0.0
    reference = np.asarray([box], np.float32)
    return float(box_iou(reference, detections.xyxy).max())


def raw(names: Sequence[str]) -> RawDetections:
    """One 10×10 box per name, stacked down the frame, confidence rising with the index."""
    n = len(names)
    boxes = [(10.0, 20.0 * i, 20.0, 20.0 * i + 10.0) for i in range(n)]
    return RawDetections(
        xyxy=np.asarray(boxes, np.float32).reshape(n, 4),
        confidence=np.linspace(0.5, 0.9, n, dtype=np.float32),
        class_names=tuple(names),
    )


class FakeDetector:
    """Returns scripted raw detections, one entry per call; stands in for any backend."""

    def __init__(self, names: Sequence[str], script: Sequence[RawDetections]) -> None:
        self._names = tuple(names)
        self.script = list(script)
        self.seen: list[InferenceSettings] = []

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections:
        self.seen.append(settings)
        return self.script[len(self.seen) - 1]
