"""A model that is missing, damaged or mis-configured fails at start-up with one clear line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from detector.analyzers.objects import ModelError, ObjectsAnalyzer, ObjectsConfig
from detector.configfile import load_yaml_model
from detector.errors import ConfigError
from tests.detector.analyzers.objects.helpers import YOLOV5_CHECKPOINT, is_one_line


def _truncated_yolov5(path: Path) -> None:
    if not YOLOV5_CHECKPOINT.is_file():
        pytest.skip(f"{YOLOV5_CHECKPOINT} absent (../shared is absent)")
    data = YOLOV5_CHECKPOINT.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _openvino_folder(path: Path, xml: bytes, weights: bytes) -> None:
    path.mkdir()
    (path / "model.xml").write_bytes(xml)
    (path / "model.bin").write_bytes(weights)


BROKEN: dict[str, tuple[str, Callable[[Path], Any], str]] = {
    "missing .pt": ("yolov5n.pt", lambda p: None, "not found"),
    "empty .pt": ("empty.pt", lambda p: p.write_bytes(b""), "not a readable PyTorch checkpoint"),
    "random bytes .pt": (
        "noise.pt",
        lambda p: p.write_bytes(os.urandom(4096)),
        "not a readable PyTorch checkpoint",
    ),
    "a JPEG renamed .pt": (
        "photo.pt",
        lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000)),
        "not a readable PyTorch checkpoint",
    ),
    "truncated YOLOv5 .pt": ("half.pt", _truncated_yolov5, "not a readable PyTorch checkpoint"),
    "random bytes .onnx": ("noise.onnx", lambda p: p.write_bytes(os.urandom(4096)), "ONNX"),
    "empty folder": ("x_openvino_model", lambda p: p.mkdir(), "no OpenVINO model"),
    "broken OpenVINO xml": (
        "y_openvino_model",
        lambda p: _openvino_folder(p, b"<net", b"\0" * 64),
        "Unable to read the model",
    ),
    "unsupported suffix": ("model.tflite", lambda p: p.write_bytes(b"TFL3"), "unsupported"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_model_file_gives_one_line_naming_it(tmp_path: Path, case: str) -> None:
    name, make, says = BROKEN[case]
    path = tmp_path / name
    make(path)

    with pytest.raises(ModelError) as raised:
        ObjectsAnalyzer(ObjectsConfig(model_path=path))

    message = str(raised.value)
    assert is_one_line(message), message
    assert message.startswith(f"{path}: ")
    assert says in message


def test_class_map_that_names_no_model_class_is_refused(yolov5_path: Path) -> None:
    config = ObjectsConfig(model_path=yolov5_path, class_map={"win_ad": "illegal_ad"})

    with pytest.raises(ModelError, match="names none of the model's classes"):
        ObjectsAnalyzer(config)


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("model_path: m.pt\nclass_map: {umbrella: parasol}\n", "class_map.umbrella"),
        ("model_path: m.pt\nclass_map: {}\n", "class_map"),
        ("model_path: m.pt\nmin_confidence: 1.5\n", "min_confidence"),
        ("model_path: m.pt\nimgsz: 500\n", "imgsz"),
        ("model_path: m.pt\ndevice: gpu\n", "device"),
        ("model_path: m.pt\ntracker: botsort\n", "tracker"),
        ("class_map: {person: person}\n", "model_path"),
    ],
)
def test_bad_config_names_file_and_field(tmp_path: Path, yaml_text: str, field: str) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(yaml_text, encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_yaml_model(path, ObjectsConfig)

    message = str(raised.value)
    assert is_one_line(message)
    assert message.startswith(f"{path}: {field}:")


def test_config_is_frozen_and_defaults_to_coco_roles() -> None:
    config = ObjectsConfig(model_path=Path("m.pt"))

    assert config.class_map["umbrella"] == "stall_indicator"
    assert (config.imgsz, config.device, config.track) == (640, "cpu", True)
    with pytest.raises(ValidationError):
        config.track = False  # type: ignore[misc]


def test_every_config_field_is_described_and_bounded() -> None:
    for name, field in ObjectsConfig.model_fields.items():
        assert field.description, name
    numeric = ("min_confidence", "iou_threshold", "imgsz", "max_detections")
    for name in numeric:
        assert ObjectsConfig.model_fields[name].metadata, f"{name} has no bounds"
