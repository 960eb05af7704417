"""Several frames through one model call, each with the detections its single-frame run gives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from detector.analyzers.objects.backends import Detector
    from detector.analyzers.objects.classmap import RawDetections
    from detector.analyzers.objects.inference import YoloV5Detector
    from detector.analyzers.objects.settings import InferenceSettings
    from detector.sources.frames import ImageBGR


@runtime_checkable
class BatchDetector(Protocol):
    """A detector that runs a list of frames in one call (Ultralytics predict takes a list)."""

    def detect_batch(
        self, images_bgr: Sequence[ImageBGR], settings: InferenceSettings
    ) -> list[RawDetections]: ...


def detect_many(
    detector: Detector, images_bgr: Sequence[ImageBGR], settings: InferenceSettings
) -> list[RawDetections]:
    """Detections of every frame, in order: one network call per frame size where the
    detector allows, else one call per frame."""
    from detector.analyzers.objects.inference import YoloV5Detector

    if isinstance(detector, YoloV5Detector):
        return _yolov5_batch(detector, images_bgr, settings)
    if isinstance(detector, BatchDetector):
        # Ultralytics pads a mixed-size batch to a square, which a lone frame is not: one call
        # per frame size keeps every frame's detections as its single-frame run gives them.
        out: dict[int, RawDetections] = {}
        for indexes in _by_shape([image.shape for image in images_bgr]):
            found = detector.detect_batch([images_bgr[i] for i in indexes], settings)
            out.update(zip(indexes, found, strict=True))
        return [out[index] for index in range(len(images_bgr))]
    return [detector.detect(image, settings) for image in images_bgr]


def _by_shape(shapes: Sequence[tuple[int, ...]]) -> list[list[int]]:
    """Indexes of equal shapes, grouped, in order of first appearance."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, shape in enumerate(shapes):
        groups.setdefault(tuple(shape), []).append(index)
    return list(groups.values())


def _yolov5_batch(
    detector: YoloV5Detector, images_bgr: Sequence[ImageBGR], settings: InferenceSettings
) -> list[RawDetections]:
    import torch

    from detector.analyzers.objects.inference import letterbox

    boxed = [letterbox(image, settings.imgsz) for image in images_bgr]
    out: dict[int, RawDetections] = {}
    with torch.inference_mode():
        # Frames of one size stack into one tensor; cameras of other sizes make their own call.
        # The stack goes to the model's device in one copy, not one per frame.
        for indexes in _by_shape([tuple(tensor.shape) for tensor, _ in boxed]):
            batch = torch.cat([boxed[i][0] for i in indexes]).to(detector.device)
            predictions = detector.network(batch)
            for row, index in enumerate(indexes):
                out[index] = detector.raw_detections(predictions[row], boxed[index][1], settings)
    return [out[index] for index in range(len(boxed))]
