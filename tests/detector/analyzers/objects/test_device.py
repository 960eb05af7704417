"""The inference device: the config takes cpu, auto, cuda and cuda:N; the device is checked when
the model opens (one line naming device, model and cause); the runtimes are handed it.

This machine has no GPU: where a test needs torch to see one, torch.cuda is patched and the
model is a fake that records what Ultralytics' predict is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch

from detector.analyzers.objects import (
    DeviceError,
    InferenceSettings,
    ObjectsAnalyzer,
    ObjectsConfig,
    RawDetections,
    backends,
    device,
)
from detector.analyzers.objects.inference import load_yolov5_checkpoint
from detector.analyzers.objects.runtime import open_runtime
from detector.configfile import load_yaml_model
from detector.engine.batch_detect import detect_many
from detector.errors import ConfigError
from tests.detector.analyzers.objects.helpers import grey, is_one_line
from tests.detector.cli.test_cli import streetorder

NO_GPU_HERE = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")


@pytest.mark.parametrize("value", ["cpu", "auto", "cuda", "cuda:0", "cuda:7", "cuda:15"])
def test_the_config_takes_a_device_without_looking_for_it(value: str) -> None:
    assert ObjectsConfig.model_validate({"model_path": "m.pt", "device": value}).device == value


@pytest.mark.parametrize(
    "value", ["gpu", "cuda:16", "cuda:-1", "cuda:01", "cuda:", "CUDA", "0", "mps", "cuda:0,1", ""]
)
def test_the_config_refuses_other_devices_naming_field_and_value(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(f"model_path: m.pt\ndevice: '{value}'\n", encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_yaml_model(path, ObjectsConfig)

    message = str(raised.value)
    assert is_one_line(message)
    assert message.startswith(f"{path}: device: ")
    assert "expected cpu, auto, cuda or cuda:N" in message and f"(got {value!r})" in message


@NO_GPU_HERE
def test_auto_is_the_cpu_here() -> None:
    assert device.resolve_device("auto", Path("m.pt")) == "cpu"


@pytest.mark.parametrize(
    ("requested", "gpus", "expected"),
    [
        ("cpu", 0, "cpu"),
        ("auto", 0, "cpu"),
        ("auto", 1, "cuda:0"),
        ("cuda", 1, "cuda:0"),
        ("cuda:1", 2, "cuda:1"),
        ("cpu", 2, "cpu"),
        ("cuda", 0, "device cuda: no CUDA device on this node"),
        ("cuda:2", 2, "device cuda:2: this node has 2 CUDA device(s), cuda:0 to cuda:1"),
    ],
)
def test_a_device_resolves_to_one_torch_can_use_or_one_line_why_not(
    monkeypatch: pytest.MonkeyPatch, requested: str, gpus: int, expected: str
) -> None:
    monkeypatch.setattr("torch.cuda.is_available", lambda: gpus > 0)
    monkeypatch.setattr("torch.cuda.device_count", lambda: gpus)
    model = Path("/models/m.pt")
    if not expected.startswith("device "):
        assert device.resolve_device(requested, model) == expected
        return
    with pytest.raises(DeviceError) as raised:
        device.resolve_device(requested, model)
    assert str(raised.value).startswith(f"{model}: {expected}")
    assert is_one_line(str(raised.value))


@NO_GPU_HERE
def test_cuda_on_a_node_without_one_stops_the_model_in_one_line(yolov5_path: Path) -> None:
    with pytest.raises(DeviceError) as raised:
        ObjectsAnalyzer(ObjectsConfig(model_path=yolov5_path, device="cuda"))

    assert str(raised.value) == (
        f"{yolov5_path}: device cuda: no CUDA device on this node "
        "(torch.cuda.is_available() is False)"
    )


@NO_GPU_HERE
def test_watch_shows_the_device_error_without_a_traceback(
    tmp_path: Path, yolov5_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # the log's line, unwrapped
    (tmp_path / "gate.yaml").write_text(
        "camera: {id: gate, name: Gate, key_point: market}\n"
        "zones: [{name: pavement, type: pavement, polygon: [[0, 0.4], [1, 0.4], [1, 1], [0, 1]]}]\n"
        "rules: {clutter: {dwell_s: 10}}\n",
        encoding="utf-8",
    )
    (tmp_path / "cameras.yaml").write_text(
        f"out: {tmp_path / 'out'}\n"
        f"analyzers: {{objects: {{model_path: {yolov5_path}, device: cuda}}}}\n"
        f"cameras: [{{scene: gate.yaml, source: {tmp_path / 'street.mp4'}}}]\n",
        encoding="utf-8",
    )
    result = streetorder("watch", str(tmp_path / "cameras.yaml"), "--seconds", "5")

    assert "Traceback" not in result.stderr
    expected = f"{yolov5_path}: device cuda: no CUDA device on this node"
    assert [line for line in result.stderr.splitlines() if expected in line], result.stderr


class FakeYolo:
    """Stands in for ``ultralytics.YOLO``: records each predict call's keyword arguments."""

    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, path: str, task: str) -> None:
        self.names = {0: "person"}

    def predict(self, images: list[object], **kwargs: Any) -> list[Any]:
        FakeYolo.calls.append({"frames": len(images), **kwargs})
        return [type("Result", (), {"boxes": None})() for _ in images]


@pytest.fixture
def fake_gpus(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Two CUDA devices as torch sees them, and Ultralytics replaced by ``FakeYolo``."""
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setattr("torch.cuda.device_count", lambda: 2)
    monkeypatch.setattr("ultralytics.models.YOLO", FakeYolo)
    monkeypatch.setattr(backends, "is_yolov5_checkpoint", lambda path: False)
    monkeypatch.setattr(backends, "check_ultralytics_pt", lambda path: None)
    FakeYolo.calls = []
    return FakeYolo.calls


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("cpu", "cpu"), ("auto", "cuda:0"), ("cuda", "cuda:0"), ("cuda:1", "cuda:1")],
)
def test_the_device_reaches_every_ultralytics_predict(
    tmp_path: Path, fake_gpus: list[dict[str, Any]], requested: str, expected: str
) -> None:
    (tmp_path / "model.pt").write_bytes(b"weights")
    config = ObjectsConfig(model_path=tmp_path / "model.pt", device=requested, runtime="pytorch")
    detector = open_runtime(config)
    settings = InferenceSettings(imgsz=160)

    detector.detect(grey(320, 240), settings)
    found = detect_many(detector, [grey(320, 240), grey(320, 240), grey(200, 200)], settings)

    assert len(found) == 3
    # the probe at opening, one frame, then one call per frame size of the batch
    assert [call["frames"] for call in fake_gpus] == [1, 1, 2, 1]
    assert {(call["device"], call["half"]) for call in fake_gpus} == {(expected, False)}


def _openvino_folder(path: Path) -> Path:
    path.mkdir()
    (path / "model.xml").write_text("<net/>")
    (path / "model.bin").write_bytes(b"\0")
    return path


@pytest.mark.parametrize(
    ("model", "cuda_provider", "error"),
    [
        ("model.onnx", True, None),
        ("model.onnx", False, "device cuda:0: this ONNX Runtime has no CUDAExecutionProvider"),
        ("model_openvino_model", True, "device cuda:0: OpenVINO runs on the CPU only"),
    ],
)
def test_exports_run_on_a_gpu_only_where_their_runtime_can(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_gpus: list[dict[str, Any]],
    model: str,
    cuda_provider: bool,
    error: str | None,
) -> None:
    path = tmp_path / model
    if model.endswith(".onnx"):
        path.write_bytes(b"onnx")
    else:
        _openvino_folder(path)
    monkeypatch.setattr(device, "onnx_cuda_available", lambda: cuda_provider)
    config = ObjectsConfig(model_path=path, device="cuda")

    if error is None:
        open_runtime(config)
        assert [call["device"] for call in fake_gpus] == ["cuda:0"]
        return
    with pytest.raises(DeviceError) as raised:
        open_runtime(config)
    assert str(raised.value).startswith(f"{path}: {error}")
    assert is_one_line(str(raised.value))
    assert fake_gpus == []  # refused before anything was loaded


def test_yolov5_frames_reach_the_network_on_its_device(
    yolov5_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The meta device stands in for a GPU: a tensor left on the CPU anywhere in the network
    (a letterboxed frame, an anchor grid) fails there as it would on cuda."""
    detector = load_yolov5_checkpoint(yolov5_path, "meta")
    seen: list[str] = []

    def record(predictions: torch.Tensor, box: object, settings: object) -> RawDetections:
        seen.append(predictions.device.type)
        return RawDetections.empty()

    monkeypatch.setattr(detector, "raw_detections", record)
    settings = InferenceSettings(imgsz=160)
    detector.detect(grey(320, 240), settings)
    detect_many(detector, [grey(320, 240), grey(320, 240), grey(200, 200)], settings)

    assert seen == ["meta"] * 4
