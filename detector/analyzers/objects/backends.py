"""Which code runs a model file: the YOLOv5 loader here, or Ultralytics for everything else.

Ultralytics' own ``.pt`` loading unpickles with ``weights_only=False``, so a hostile file would
run code the moment ``YOLO()`` opens it. Every ``.pt`` is therefore first read without executing
anything: original YOLOv5 checkpoints go through this package's restricted unpickler; all other
``.pt`` files must pass Ultralytics' allow-listed ``weights_only`` load before ``YOLO()`` sees them.
"""

from __future__ import annotations

import logging
import pickle
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from detector.analyzers.objects.classmap import RawDetections
from detector.analyzers.objects.device import check_runtime_device, resolve_device
from detector.analyzers.objects.errors import ModelError, UnsafeModelError, one_line
from detector.analyzers.objects.inference import load_yolov5_checkpoint
from detector.analyzers.objects.safe_pickle import python3_name
from detector.analyzers.objects.settings import InferenceSettings
from detector.sources.frames import ImageBGR

log = logging.getLogger(__name__)

YOLOV5_MODULES = ("models.yolo.", "models.common.", "models.experimental.")
"""Module prefixes only the original YOLOv5 repository's pickles name."""


class Detector(Protocol):
    """A loaded model: one BGR frame in, raw detections in source pixels out."""

    @property
    def names(self) -> tuple[str, ...]:
        """The model's class names, by class index."""
        ...

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections: ...


def pickled_globals(path: Path) -> list[str] | None:
    """Names a ``torch.save`` archive's pickle refers to, read without unpickling; None if the
    file is not such an archive (an older format, or not a checkpoint at all)."""
    try:
        names: list[str] = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except (ValueError, RuntimeError, OSError, EOFError, zipfile.BadZipFile, pickle.PickleError):
        return None
    return names


def is_yolov5_checkpoint(path: Path) -> bool:
    """True for a ``.pt`` that names classes of the original YOLOv5 repository."""
    names = pickled_globals(path)
    return names is None or any(name.startswith(YOLOV5_MODULES) for name in names)


_LOAD_ERRORS = (OSError, RuntimeError, ValueError, TypeError, KeyError, AttributeError)


class UltralyticsDetector:
    """Any model ``ultralytics.YOLO`` opens: a ``.pt``, an ``.onnx`` or an OpenVINO folder,
    run on ``device`` (``cpu`` or ``cuda:N``, already checked: ``open_detector``)."""

    def __init__(self, path: Path, device: str = "cpu") -> None:
        from ultralytics.models import YOLO

        self.path = path
        self.device = device
        try:
            self._model: Any = YOLO(str(path), task="detect")
            # ONNX and OpenVINO files are only opened by the first prediction; make that
            # happen now so a broken file fails at start-up, not on a camera's first frame.
            self.detect(np.zeros((64, 64, 3), np.uint8), InferenceSettings())
        # Ultralytics and its runtimes (onnxruntime, OpenVINO) report bad files in their own
        # exception types; these are the ones they raise for unreadable or foreign files.
        except _LOAD_ERRORS as exc:
            raise ModelError(f"{path}: cannot load with Ultralytics: {one_line(exc)}") from None

    @property
    def names(self) -> tuple[str, ...]:
        raw: Any = self._model.names
        return tuple(str(raw[i]) for i in range(len(raw)))

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections:
        return self.detect_batch([image_bgr], settings)[0]

    def detect_batch(
        self, images_bgr: Sequence[ImageBGR], settings: InferenceSettings
    ) -> list[RawDetections]:
        """Several frames in one predict call (a node's shared model batches its cameras)."""
        results: Any = self._model.predict(
            list(images_bgr),
            imgsz=settings.imgsz,
            conf=settings.min_confidence,
            iou=settings.iou_threshold,
            max_det=settings.max_detections,
            device=self.device,
            half=False,  # float32 everywhere: the exports are checked against it
            verbose=False,
        )
        return [_raw_detections(result) for result in results]


def _raw_detections(result: Any) -> RawDetections:
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return RawDetections.empty()
    classes = boxes.cls.cpu().numpy().astype(np.int64)
    return RawDetections(
        xyxy=boxes.xyxy.cpu().numpy().astype(np.float32).reshape(-1, 4),
        confidence=boxes.conf.cpu().numpy().astype(np.float32).reshape(-1),
        class_names=tuple(str(result.names[i]) for i in classes),
    )


def _foreign_global(path: Path) -> str:
    """The first name in the pickle that is neither torch, numpy nor an Ultralytics layer."""
    usual = ("torch.", "ultralytics.nn.", "collections.", "numpy.", "builtins.set")
    names = [".".join(python3_name(*name.rsplit(".", 1))) for name in pickled_globals(path) or []]
    foreign = [name for name in names if not name.startswith(usual)]
    return (foreign or names or ["an unknown type"])[0]


def check_ultralytics_pt(path: Path) -> None:
    """Refuse a ``.pt`` that Ultralytics' allow-listed ``weights_only`` load will not accept."""
    from ultralytics.nn.tasks import torch_safe_load

    if re.search(r"yolov5[nsmlx]\.pt$", path.name):
        # Ultralytics silently reads "<…>yolov5n.pt" as "<…>yolov5nu.pt", its own re-release.
        raise ModelError(
            f"{path}: Ultralytics reads a file named like this as {path.stem}u.pt; rename it "
            f"(e.g. {path.stem}_v1.pt)"
        )
    try:
        torch_safe_load(str(path), safe_only=True)  # type: ignore[no-untyped-call]
    except (TypeError, pickle.UnpicklingError) as exc:
        text = one_line(exc)
        if "outside the supported" in text or isinstance(exc, pickle.UnpicklingError):
            raise UnsafeModelError(
                f"{path}: refused to load: the checkpoint names {_foreign_global(path)}, "
                "which is outside Ultralytics' allow-list (nothing in the file was run)"
            ) from None
        raise ModelError(f"{path}: not a loadable checkpoint: {text}") from None
    except (OSError, RuntimeError, ValueError, EOFError, AttributeError, KeyError) as exc:
        raise ModelError(f"{path}: not a loadable checkpoint: {one_line(exc)}") from None


def is_openvino_folder(path: Path) -> bool:
    """True for a folder holding an OpenVINO model (an .xml and a .bin)."""
    return path.is_dir() and any(path.glob("*.xml")) and any(path.glob("*.bin"))


def open_detector(path: Path, device: str = "cpu") -> Detector:
    """The detector for a model file or folder on ``device`` (a configured device: cpu, auto,
    cuda, cuda:N); ``ModelError`` (one line, naming it) if none, ``DeviceError`` if the device
    is absent or the model's runtime cannot use it."""
    if not path.exists():
        raise ModelError(f"{path}: model file not found")
    device = resolve_device(device, path)
    suffix = path.suffix.lower()
    if path.is_file() and suffix == ".pt":
        if is_yolov5_checkpoint(path):
            return load_yolov5_checkpoint(path, device)
        check_ultralytics_pt(path)
        return UltralyticsDetector(path, device)
    if path.is_file() and suffix == ".onnx":
        check_runtime_device(path, "onnx", device)
        return UltralyticsDetector(path, device)
    if path.is_dir():
        if not is_openvino_folder(path):
            raise ModelError(f"{path}: folder holds no OpenVINO model (.xml and .bin)")
        check_runtime_device(path, "openvino", device)
        return UltralyticsDetector(path, device)
    raise ModelError(
        f"{path}: unsupported model format {suffix or '(no suffix)'}; "
        "use a .pt, an .onnx or an OpenVINO folder"
    )
