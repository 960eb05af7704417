"""Runtime choice: the fastest usable of a .pt and its exports, from (fake) timings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from detector.analyzers.objects import runtime
from detector.analyzers.objects.classmap import RawDetections
from detector.analyzers.objects.config import ObjectsConfig
from detector.analyzers.objects.errors import ModelError
from detector.analyzers.objects.runtime import Runtime, fastest, open_runtime
from detector.analyzers.objects.settings import InferenceSettings
from detector.sources.frames import ImageBGR


class FakeDetector:
    def __init__(self, path: Path, device: str = "cpu") -> None:
        self.path = path
        self.device = device

    @property
    def names(self) -> tuple[str, ...]:
        return ("person",)

    def detect(self, image_bgr: ImageBGR, settings: InferenceSettings) -> RawDetections:
        return RawDetections.empty()


@pytest.fixture(autouse=True)
def fresh_choices() -> Iterator[None]:
    runtime._CHOSEN.clear()
    yield
    runtime._CHOSEN.clear()


@pytest.mark.parametrize(
    ("timings", "expected"),
    [
        ({"openvino": 0.046, "onnx": 0.136, "pytorch": 0.052}, "openvino"),  # measured here
        ({"openvino": 0.200, "onnx": 0.150, "pytorch": 0.246}, "onnx"),
        ({"onnx": 0.100, "pytorch": 0.120}, "onnx"),
        ({"onnx": 0.100, "pytorch": 0.105}, "pytorch"),  # within 10 %: the reference
        ({"openvino": 0.100, "onnx": 0.095, "pytorch": 0.200}, "openvino"),  # tie: OpenVINO
        ({"openvino": 0.100, "onnx": 0.050, "pytorch": 0.054}, "pytorch"),
        ({"pytorch": 0.300}, "pytorch"),
    ],
)
def test_the_fastest_wins_and_near_ties_go_by_preference(
    timings: dict[Runtime, float], expected: Runtime
) -> None:
    assert fastest(timings) == expected


def test_nothing_timed_is_an_error() -> None:
    with pytest.raises(ValueError, match="no runtime timed"):
        fastest({})


def _model_folder(
    root: Path, exports: dict[str, int], older: tuple[str, ...] = ()
) -> dict[str, Path]:
    """model.pt plus the named exports (runtime → imgsz in their metadata)."""
    pt = root / "model.pt"
    pt.write_bytes(b"weights")
    paths = {"pytorch": pt}
    if "onnx" in exports:
        paths["onnx"] = root / "model.onnx"
        paths["onnx"].write_bytes(b"onnx")
    if "openvino" in exports:
        paths["openvino"] = folder = root / "model_openvino_model"
        folder.mkdir()
        (folder / "model.xml").write_text("<net/>")
        (folder / "model.bin").write_bytes(b"\0")
        size = exports["openvino"]
        (folder / "metadata.yaml").write_text(f"imgsz: [{size}, {size}]\n")
    for name in older:
        stamp = pt.stat().st_mtime - 60
        os.utime(paths[name], (stamp, stamp))
    return paths


@pytest.mark.parametrize(
    ("exports", "older", "timings", "chosen", "timed"),
    [
        # all three usable: OpenVINO fastest
        (
            {"onnx": 640, "openvino": 640},
            (),
            {"pytorch": 0.25, "onnx": 0.15, "openvino": 0.03},
            "openvino",
            {"pytorch", "onnx", "openvino"},
        ),
        # ONNX fastest on this (fake) machine
        (
            {"onnx": 640, "openvino": 640},
            (),
            {"pytorch": 0.25, "onnx": 0.05, "openvino": 0.09},
            "onnx",
            {"pytorch", "onnx", "openvino"},
        ),
        # a stale ONNX (older than the .pt) and an OpenVINO export at another size: unusable
        (
            {"onnx": 640, "openvino": 320},
            ("onnx",),
            {"pytorch": 0.25, "onnx": 0.01, "openvino": 0.01},
            "pytorch",
            set(),
        ),
        # no exports: nothing to time
        ({}, (), {"pytorch": 0.25}, "pytorch", set()),
    ],
)
def test_auto_opens_the_fastest_usable_runtime(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exports: dict[str, int],
    older: tuple[str, ...],
    timings: dict[str, float],
    chosen: str,
    timed: set[str],
) -> None:
    paths = _model_folder(tmp_path, exports, older)
    monkeypatch.setattr(runtime, "export_imgsz", lambda path: exports.get(runtime.runtime_of(path)))
    timed_now: set[str] = set()

    def timer(detector: object, settings: InferenceSettings) -> float:
        assert isinstance(detector, FakeDetector)
        name = runtime.runtime_of(detector.path)
        timed_now.add(name)
        return timings[name]

    config = ObjectsConfig(model_path=paths["pytorch"])
    detector = open_runtime(config, opener=FakeDetector, timer=timer)
    assert isinstance(detector, FakeDetector)
    assert detector.path == paths[chosen]
    assert timed_now == timed
    # Remembered: the next camera opens the chosen runtime without timing anything.
    timed_now.clear()
    again = open_runtime(config, opener=FakeDetector, timer=timer)
    assert isinstance(again, FakeDetector)
    assert again.path == paths[chosen]
    assert timed_now == set()


@pytest.mark.parametrize(
    ("model", "wanted", "exports", "opened", "error"),
    [
        ("model.pt", "onnx", {"onnx": 640}, "model.onnx", None),
        ("model.pt", "openvino", {"openvino": 640}, "model_openvino_model", None),
        ("model.pt", "pytorch", {"onnx": 640}, "model.pt", None),
        ("model.onnx", "onnx", {"onnx": 640}, "model.onnx", None),
        ("model.pt", "openvino", {}, None, "streetorder export"),
        ("model.pt", "openvino", {"openvino": 320}, None, "exported at imgsz 320"),
        ("model.onnx", "openvino", {"onnx": 640}, None, "this is a onnx model"),
    ],
)
def test_an_explicit_runtime_is_used_or_refused_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    wanted: str,
    exports: dict[str, int],
    opened: str | None,
    error: str | None,
) -> None:
    _model_folder(tmp_path, exports)
    monkeypatch.setattr(runtime, "export_imgsz", lambda path: exports.get(runtime.runtime_of(path)))
    config = ObjectsConfig.model_validate({"model_path": tmp_path / model, "runtime": wanted})

    def no_timing(detector: object, settings: InferenceSettings) -> float:
        raise AssertionError("an explicit runtime is not timed")

    if error is not None:
        with pytest.raises(ModelError, match=error) as caught:
            open_runtime(config, opener=FakeDetector, timer=no_timing)
        assert "\n" not in str(caught.value)
        return
    detector = open_runtime(config, opener=FakeDetector, timer=no_timing)
    assert isinstance(detector, FakeDetector)
    assert detector.path == tmp_path / str(opened)


def test_the_runtime_field_is_checked() -> None:
    assert ObjectsConfig(model_path=Path("m.pt")).runtime == "auto"
    with pytest.raises(ValidationError, match="runtime"):
        ObjectsConfig.model_validate({"model_path": "m.pt", "runtime": "tensorrt"})


def test_export_imgsz_reads_openvino_metadata(tmp_path: Path) -> None:
    paths = _model_folder(tmp_path, {"openvino": 416})
    assert runtime.export_imgsz(paths["openvino"]) == 416
    assert runtime.export_imgsz(tmp_path / "missing_openvino_model") is None


@pytest.mark.parametrize(
    ("onnx_on_gpu", "timed", "chosen"),
    [
        # OpenVINO runs on the CPU only; ONNX Runtime without its CUDA provider is left out too
        (False, set(), "pytorch"),
        (True, {"pytorch", "onnx"}, "onnx"),
    ],
)
def test_auto_on_a_gpu_times_only_the_runtimes_that_can_use_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    onnx_on_gpu: bool,
    timed: set[str],
    chosen: str,
) -> None:
    from detector.analyzers.objects import device

    paths = _model_folder(tmp_path, {"onnx": 640, "openvino": 640})
    monkeypatch.setattr(runtime, "export_imgsz", lambda path: 640)
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    monkeypatch.setattr(device, "onnx_cuda_available", lambda: onnx_on_gpu)
    timings = {"pytorch": 0.020, "onnx": 0.010, "openvino": 0.001}
    timed_now: set[str] = set()

    def timer(detector: object, settings: InferenceSettings) -> float:
        assert isinstance(detector, FakeDetector)
        timed_now.add(runtime.runtime_of(detector.path))
        return timings[runtime.runtime_of(detector.path)]

    config = ObjectsConfig(model_path=paths["pytorch"], device="auto")
    detector = open_runtime(config, opener=FakeDetector, timer=timer)
    assert isinstance(detector, FakeDetector)
    assert (detector.path, detector.device) == (paths[chosen], "cuda:0")
    assert timed_now == timed
