"""How one frame goes through an objects model. Kept apart from the runtimes, which import
torch: a camera that asks its node's shared model actor must not load torch for this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InferenceSettings:
    """How one frame is run: size of the longer side, thresholds, detection cap."""

    imgsz: int = 640
    min_confidence: float = 0.25
    iou_threshold: float = 0.45
    max_detections: int = 300
