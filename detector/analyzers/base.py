"""What every analyzer is: one verb, ``analyze``, from a sampled frame to detections."""

from __future__ import annotations

from typing import Protocol

from detector.analyzers.detections import Detections
from detector.sources.frames import Frame


class Analyzer(Protocol):
    """Turns one sampled frame into detections in source pixels.

    Analyzers keep per-camera state (background models, trackers, inventories), so one
    instance serves one camera. They must accept any frame size the camera sends.
    """

    name: str
    """Short stable name, used as the key of its detections and in incident scores."""

    def analyze(self, frame: Frame) -> Detections: ...
