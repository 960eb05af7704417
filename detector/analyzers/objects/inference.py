"""Running a YOLOv5 network on a BGR frame: letterbox in, NMS out, boxes in source pixels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import Tensor
from torchvision.ops import batched_nms  # type: ignore[import-untyped]

from detector.analyzers.objects.classmap import RawDetections
from detector.analyzers.objects.settings import InferenceSettings
from detector.analyzers.objects.yolov5 import YoloV5Network, load_yolov5_network
from detector.sources.frames import ImageBGR

STRIDE = 32
"""The coarsest YOLOv5 level: letterboxed sides are multiples of it."""
PAD_VALUE = 114
"""The grey YOLOv5 was trained to see in letterbox borders."""


@dataclass(frozen=True)
class Letterbox:
    """How a source frame was scaled and padded into the network input."""

    scale: float
    pad_x: int
    pad_y: int
    source_width: int
    source_height: int

    def to_source(self, xyxy: Tensor) -> np.ndarray:
        """Boxes from network-input pixels back to source pixels, clipped to the frame."""
        offset = torch.tensor([self.pad_x, self.pad_y, self.pad_x, self.pad_y], dtype=xyxy.dtype)
        boxes = ((xyxy - offset) / self.scale).numpy().astype(np.float32)
        np.clip(boxes[:, 0::2], 0, self.source_width, out=boxes[:, 0::2])
        np.clip(boxes[:, 1::2], 0, self.source_height, out=boxes[:, 1::2])
        return boxes


def letterbox(image_bgr: ImageBGR, size: int) -> tuple[Tensor, Letterbox]:
    """A (1, 3, H, W) RGB tensor in [0, 1], longer side ``size``, sides padded to the stride.

    Padding only to the next multiple of 32 (not to a square) keeps a 16:9 camera frame at
    640×384 rather than 640×640: 40 % less work for the same detections.
    """
    height, width = image_bgr.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized: Any = image_bgr
    if (new_w, new_h) != (width, height):
        resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    pad_w, pad_h = -new_w % STRIDE, -new_h % STRIDE
    left, top = pad_w // 2, pad_h // 2
    padded = cv2.copyMakeBorder(
        resized,
        top,
        pad_h - top,
        left,
        pad_w - left,
        cv2.BORDER_CONSTANT,
        value=(PAD_VALUE, PAD_VALUE, PAD_VALUE),
    )
    rgb = np.ascontiguousarray(padded[:, :, ::-1].transpose(2, 0, 1))
    tensor = torch.from_numpy(rgb).unsqueeze(0).float().div_(255.0)
    return tensor, Letterbox(scale, left, top, width, height)


def select_boxes(predictions: Tensor, settings: InferenceSettings) -> tuple[Tensor, Tensor, Tensor]:
    """xyxy boxes, scores and class indexes kept by per-class NMS, best first.

    A box's score is objectness × its best class probability, as YOLOv5's own detect.py does.
    """
    candidates = predictions[predictions[:, 4] > settings.min_confidence]
    class_scores = candidates[:, 5:] * candidates[:, 4:5]
    scores, classes = class_scores.max(1)
    keep = scores > settings.min_confidence
    candidates, scores, classes = candidates[keep], scores[keep], classes[keep]
    centre, size = candidates[:, :2], candidates[:, 2:4]
    boxes = torch.cat((centre - size / 2, centre + size / 2), 1)
    kept = batched_nms(boxes, scores, classes, settings.iou_threshold)
    kept = kept[: settings.max_detections]
    return boxes[kept], scores[kept], classes[kept]


class YoloV5Detector:
    """An original YOLOv5 checkpoint, ready to detect on BGR frames of any size.

    The network runs on ``device`` (``cpu`` or ``cuda:N``); letterboxing stays on the CPU and
    NMS runs where the network's output is, so only the few kept boxes come back."""

    def __init__(
        self, network: YoloV5Network, names: tuple[str, ...], path: Path, device: str = "cpu"
    ) -> None:
        self.network = network
        self.names = names
        """Class names from the checkpoint, by class index."""
        self.path = path
        self.device = device

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections:
        tensor, box = letterbox(image_bgr, settings.imgsz)
        with torch.inference_mode():
            predictions = self.network(tensor.to(self.device))[0]
            return self.raw_detections(predictions, box, settings)

    def raw_detections(
        self, predictions: Tensor, box: Letterbox, settings: InferenceSettings
    ) -> RawDetections:
        """One frame's network output (on any device) as detections in source pixels."""
        boxes, scores, classes = (t.cpu() for t in select_boxes(predictions, settings))
        return RawDetections(
            xyxy=box.to_source(boxes),
            confidence=scores.numpy().astype(np.float32),
            class_names=tuple(self.names[int(i)] for i in classes),
        )


def load_yolov5_checkpoint(path: str | Path, device: str = "cpu") -> YoloV5Detector:
    """An original YOLOv5 ``.pt`` loaded through the restricted unpickler, as float32 on
    ``device`` (``cpu`` or an existing ``cuda:N``: ``open_detector`` checks it).

    Raises ``UnsafeModelError`` naming the first class outside the allow-list (nothing in the
    file runs), or ``ModelError`` naming the file for anything else that stops the load.
    """
    network, names = load_yolov5_network(Path(path))
    return YoloV5Detector(network.to(device), names, Path(path), device)
