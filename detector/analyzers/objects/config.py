"""Configuration of the objects analyzer (YAML → pydantic, like every other config)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from detector.analyzers.objects.classmap import COCO_ROLES, Label

DEVICE_PATTERN = r"^(cpu|auto|cuda(:([0-9]|1[0-5]))?)$"
"""cpu, auto, cuda or cuda:0 … cuda:15; whether the device exists is checked at model open."""


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
    device: str = Field(
        "cpu",
        json_schema_extra={"pattern": DEVICE_PATTERN},
        description="Inference device: 'cpu'; 'cuda' or 'cuda:N' (N 0-15) for a GPU, which "
        "must exist when the model is opened; 'auto' for cuda:0 where torch sees a CUDA "
        "device, else the CPU. PyTorch and ONNX models (ONNX with onnxruntime-gpu) run on a "
        "GPU, OpenVINO on the CPU only. On Ray the node's shared model actor runs on the GPU "
        "Ray gives it (ray.model_num_gpus).",
    )
    track: bool = Field(
        True,
        description="Give detections ByteTrack identities across frames (tracker_id); "
        "off: every tracker_id is -1.",
    )

    @field_validator("device")
    @classmethod
    def _device_form(cls, value: str) -> str:
        # A plain pattern constraint would show the regular expression; this says the choices.
        if re.fullmatch(DEVICE_PATTERN, value) is None:
            raise ValueError("expected cpu, auto, cuda or cuda:N with N from 0 to 15")
        return value
