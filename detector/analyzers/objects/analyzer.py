"""The objects analyzer: a YOLO detector whose classes become roles, with ByteTrack ids."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from detector.analyzers.detections import Detections
from detector.analyzers.objects.classmap import RawDetections, apply_class_map
from detector.analyzers.objects.config import ObjectsConfig
from detector.analyzers.objects.errors import ModelError
from detector.analyzers.objects.settings import InferenceSettings
from detector.analyzers.objects.tracking import ByteTrackIds
from detector.sources.frames import Frame

if TYPE_CHECKING:
    from detector.analyzers.objects.backends import Detector

log = logging.getLogger(__name__)


class ObjectsAnalyzer:
    """People, vehicles, stall furniture and goods (or taxonomy codes) in each frame.

    One instance per camera: it holds that camera's tracker. ``labels`` are the class map's
    roles or codes, ``data["class_name"]`` the model's own class names, ``tracker_id`` the
    ByteTrack identity (-1 until a track is confirmed, or always with ``track: false``).
    """

    def __init__(
        self, config: ObjectsConfig, detector: Detector | None = None, name: str = "objects"
    ) -> None:
        """Load ``config.model_path`` (or use ``detector``, already loaded and shareable).
        ``name`` is what rules ask for: ``objects``, or ``facade`` for a facade model."""
        self.name = name
        self.config = config
        if detector is None:
            # Imported here: the runtimes load torch (about 350 MiB), which a process that is
            # handed a loaded model never needs to import itself.
            from detector.analyzers.objects.runtime import open_runtime

            detector = open_runtime(config)
        self.detector = detector
        self.settings = InferenceSettings(
            imgsz=config.imgsz,
            min_confidence=config.min_confidence,
            iou_threshold=config.iou_threshold,
            max_detections=config.max_detections,
        )
        self._tracker = ByteTrackIds() if config.track else None
        check_class_map(config, self.detector.names)

    @classmethod
    def from_model(cls, model_path: str | Path, **settings: object) -> ObjectsAnalyzer:
        """Shorthand: ``ObjectsAnalyzer.from_model("yolov5n.pt", track=False)``."""
        return cls(ObjectsConfig.model_validate({"model_path": model_path, **settings}))

    def analyze(self, frame: Frame) -> Detections:
        if frame.image_bgr is None:
            raise ValueError(
                f"camera {frame.camera_id} frame {frame.index}: the objects analyzer needs "
                "decoded images, got a timestamp-only frame"
            )
        return self.finish(self.detector.detect(frame.image_bgr, self.settings))

    def finish(self, raw: RawDetections) -> Detections:
        """The model's output for this camera's next frame: roles from the class map, then
        this camera's track ids."""
        detections = apply_class_map(raw, self.config.class_map)
        if self._tracker is not None:
            detections = self._tracker.assign(detections)
        return detections


def check_class_map(config: ObjectsConfig, names: Sequence[str]) -> None:
    """A class map that names none of the model's classes is a mistake; some missing is
    normal (a map written for several models)."""
    known = set(names)
    mapped = [name for name in config.class_map if name in known]
    if not mapped:
        raise ModelError(
            f"{config.model_path}: the class map names none of the model's classes "
            f"(model has {', '.join(names[:5])}…)"
        )
    missing = sorted(set(config.class_map) - known)
    if missing:
        log.warning(
            "%s: class map names classes the model lacks: %s",
            config.model_path,
            ", ".join(missing),
        )
