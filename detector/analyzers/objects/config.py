"""Configuration of the objects analyzer (YAML → pydantic, like every other config)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from detector.analyzers.objects.classmap import COCO_ROLES, Label


def _default_class_map() -> dict[str, Label]:
    return dict(COCO_ROLES)


class ObjectsConfig(BaseModel):
    """Which detector to run and how its classes become roles or taxonomy codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_path: Path = Field(
        description="Detector weights: an Ultralytics .pt, an original YOLOv5 .pt checkpoint, "
        "an .onnx file or an OpenVINO export folder (…_openvino_model). Never downloaded."
    )
    class_map: dict[str, Label] = Field(
        default_factory=_default_class_map,
        min_length=1,
        max_length=1000,
        description="Model class name → role (person, vehicle, stall_indicator, goods) or "
        "taxonomy code (stall, out_of_store, clutter, green_damage, illegal_ad, signboard). "
        "Classes not listed are dropped. Defaults to the COCO map.",
    )
    min_confidence: float = Field(
        0.25, gt=0.0, le=1.0, description="Detections below this confidence are dropped."
    )
    iou_threshold: float = Field(
        0.45, gt=0.0, le=1.0, description="Non-maximum suppression IoU between same-class boxes."
    )
    imgsz: int = Field(
        640,
        ge=32,
        le=1920,
        multiple_of=32,
        description="Inference size in pixels of the longer image side (letterboxed, stride 32).",
    )
    max_detections: int = Field(
        300, ge=1, le=3000, description="Most detections kept per frame, highest confidence first."
    )
    runtime: Literal["auto", "pytorch", "onnx", "openvino"] = Field(
        "auto",
        description="What runs a .pt model: 'auto' times the .pt and its exports beside it "
        "(MODEL.onnx, MODEL_openvino_model/, made by 'streetorder export') on this machine and "
        "keeps the fastest (within 10 %: PyTorch, then OpenVINO, then ONNX); 'pytorch', 'onnx' or "
        "'openvino' picks one (its export must exist, be newer than the .pt and match imgsz).",
    )
    device: Literal["cpu"] = Field(
        "cpu", description="Inference device; only the CPU is supported in this deployment."
    )
    track: bool = Field(
        True,
        description="Give detections ByteTrack identities across frames (tracker_id); "
        "off: every tracker_id is -1.",
    )
