"""Objects analyzer: YOLO detections (any Ultralytics model or an original YOLOv5 checkpoint)
as roles (person, vehicle, stall_indicator, goods) or taxonomy codes, with ByteTrack ids.

Config, class maps and errors import at once; everything that needs torch loads on first use,
so commands that never run a model (verify, ingest, --help) start in well under a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from detector.analyzers.objects.classmap import (
    COCO_ROLES,
    ROLES,
    TAXONOMY_CODES,
    RawDetections,
    apply_class_map,
)
from detector.analyzers.objects.config import ObjectsConfig
from detector.analyzers.objects.errors import DeviceError, ModelError, UnsafeModelError

if TYPE_CHECKING:
    from detector.analyzers.objects.analyzer import ObjectsAnalyzer
    from detector.analyzers.objects.backends import Detector, UltralyticsDetector, open_detector
    from detector.analyzers.objects.inference import YoloV5Detector, load_yolov5_checkpoint
    from detector.analyzers.objects.settings import InferenceSettings

_LAZY = {
    "ObjectsAnalyzer": "analyzer",
    "Detector": "backends",
    "UltralyticsDetector": "backends",
    "open_detector": "backends",
    "InferenceSettings": "settings",
    "YoloV5Detector": "inference",
    "load_yolov5_checkpoint": "inference",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COCO_ROLES",
    "ROLES",
    "TAXONOMY_CODES",
    "Detector",
    "DeviceError",
    "InferenceSettings",
    "ModelError",
    "ObjectsAnalyzer",
    "ObjectsConfig",
    "RawDetections",
    "UltralyticsDetector",
    "UnsafeModelError",
    "YoloV5Detector",
    "apply_class_map",
    "load_yolov5_checkpoint",
    "open_detector",
]
