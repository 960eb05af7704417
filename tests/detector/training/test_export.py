"""`streetorder export`: an untrained yolov5n at 64 px to ONNX and OpenVINO, offline, checked."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tests.factories import REPO_ROOT

# Ultralytics reads these once, when first imported (the Makefile sets the same values).
os.environ["YOLO_OFFLINE"] = "1"
os.environ.setdefault("YOLO_CONFIG_DIR", str(REPO_ROOT / "var" / "ultralytics"))

from detector.training.export import (
    REQUIREMENTS,
    export_model,
    export_path,
    missing_requirements,
    no_auto_install,
    parse_formats,
    verify_exports,
)
from detector.training.export_check import (
    BOX_TOLERANCE_PX,
    SCORE_TOLERANCE,
    Difference,
    ExportError,
    ExportMismatchError,
    compare_outputs,
    synthetic_image,
)
from tests.detector.cli.test_cli import assert_one_line_error, streetorder

IMGSZ = 64


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"network or pip used during export: {args[:2]!r}")


@pytest.fixture(scope="module")
def tiny_pt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained yolov5n (80 classes, seeded weights): exports like a trained one."""
    import torch
    from ultralytics.models import YOLO

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny") / "tiny.pt"
    YOLO("yolov5n.yaml").save(str(path))
    return path


@pytest.fixture(scope="module")
def exported(tiny_pt: Path) -> Any:
    """Both exports, with the network refused and Ultralytics' pip installer booby-trapped."""
    from ultralytics.utils import checks

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _refuse)
        patch.setattr(socket, "getaddrinfo", _refuse)
        patch.setattr(checks, "subprocess", SimpleNamespace(check_output=_refuse))
        return export_model(tiny_pt, ("onnx", "openvino"), IMGSZ)


@pytest.mark.slow
def test_onnx_and_openvino_exports_match_the_pt(tiny_pt: Path, exported: Any) -> None:
    assert [check.format for check in exported.checks] == ["onnx", "openvino"]
    assert exported.images == 3  # Ultralytics' bus and people photos, one synthetic image
    for check in exported.checks:
        assert check.path == export_path(tiny_pt, check.format)
        assert check.path.exists()
        assert check.ok
        # Measured: ~3e-8 score and ~3e-5 px; float32 exports agree far inside the tolerance.
        assert check.difference.score < SCORE_TOLERANCE / 100
        assert check.difference.box_px < BOX_TOLERANCE_PX / 100
    assert (tiny_pt.parent / "tiny_openvino_model" / "metadata.yaml").is_file()


@pytest.mark.slow
def test_an_export_of_other_weights_fails_the_check(
    tiny_pt: Path, exported: Any, tmp_path: Path
) -> None:
    import torch
    from ultralytics.models import YOLO

    model: Any = YOLO(str(tiny_pt))
    with torch.no_grad():
        for parameter in model.model.model[-1].parameters():  # the Detect head
            parameter.add_(0.5)
    other = tmp_path / "other.pt"
    model.save(str(other))
    exports = {check.format: check.path for check in exported.checks}
    with pytest.raises(ExportMismatchError) as caught:
        verify_exports(other, exports, IMGSZ, [synthetic_image()])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"onnx export {exports['onnx']}: outputs differ from {other}")
    assert "max score difference" in message
    assert "max box difference" in message


@pytest.mark.parametrize(
    ("reference", "candidate", "expected"),
    [
        # rows: x, y, w, h, then two class scores; three anchors
        ([[1, 2, 3, 4, 0.1, 0.9]], [[1, 2, 3, 4, 0.1, 0.9]], Difference(0.0, 0.0)),
        ([[1, 2, 3, 4, 0.1, 0.9]], [[1.5, 2, 3, 2, 0.1, 0.95]], Difference(0.05, 2.0)),
        ([[0, 0, 0, 0, 0.5, 0.5]], [[0, 0, 0, 0, 0.2, 0.5]], Difference(0.3, 0.0)),
    ],
)
def test_differences_are_max_abs_over_scores_and_boxes(
    reference: list[list[float]], candidate: list[list[float]], expected: Difference
) -> None:
    def tensor(rows: list[list[float]]) -> Any:
        return np.tile(np.asarray(rows, np.float32).T[None], (1, 1, 3))

    found = compare_outputs([tensor(reference)], [tensor(candidate)])
    assert found.score == pytest.approx(expected.score, abs=1e-6)
    assert found.box_px == pytest.approx(expected.box_px, abs=1e-6)


def test_outputs_of_another_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="output shape"):
        compare_outputs([np.zeros((1, 6, 8), np.float32)], [np.zeros((1, 7, 8), np.float32)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("onnx,openvino", ("onnx", "openvino")),
        ("OpenVINO", ("openvino",)),
        ("onnx, onnx", ("onnx",)),
    ],
)
def test_formats_parse(text: str, expected: tuple[str, ...]) -> None:
    assert parse_formats(text) == expected


def test_an_unknown_format_is_an_error() -> None:
    with pytest.raises(ExportError, match="unknown format 'tflite'"):
        parse_formats("onnx,tflite")


def test_missing_or_too_old_requirements_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert missing_requirements("onnx") == []
    assert missing_requirements("openvino") == []
    monkeypatch.setitem(REQUIREMENTS, "onnx", ("onnx>=999", "no-such-package-for-tests"))
    missing = missing_requirements("onnx")
    assert missing[0].startswith("onnx>=999 (installed ")
    assert missing[1] == "no-such-package-for-tests"


def test_a_missing_requirement_stops_the_export_before_anything_runs(
    tiny_pt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(REQUIREMENTS, "openvino", ("no-such-package-for-tests",))
    with pytest.raises(ExportError, match="openvino export needs no-such-package-for-tests"):
        export_model(tiny_pt, ("openvino",), IMGSZ)


def test_ultralytics_does_not_pip_install_while_exporting(monkeypatch: pytest.MonkeyPatch) -> None:
    from ultralytics.utils import checks as module

    checks: Any = module
    monkeypatch.setattr(checks, "subprocess", SimpleNamespace(check_output=_refuse))
    monkeypatch.setattr(checks, "ONLINE", True)  # the offline flag alone would also stop it
    before = checks.AUTOINSTALL
    with no_auto_install():
        assert checks.check_requirements("no-such-package-for-tests>=1") is False
    assert checks.AUTOINSTALL is before


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("export", "no/such/model.pt"), ("model no/such/model.pt: file not found",)),
        (("export", "x.pt", "--imgsz", "100"), ("--imgsz 100: must be a multiple of 32",)),
    ],
)
def test_cli_errors_are_one_line(args: tuple[str, ...], fragments: tuple[str, ...]) -> None:
    assert_one_line_error(streetorder(*args), *fragments)


@pytest.mark.slow
def test_the_analyzer_times_the_real_exports_and_keeps_one(tiny_pt: Path, exported: Any) -> None:
    from detector.analyzers.objects import ObjectsAnalyzer, ObjectsConfig, runtime

    runtime._CHOSEN.clear()
    config = ObjectsConfig(model_path=tiny_pt, imgsz=IMGSZ, class_map={"0": "person"})
    analyzer = ObjectsAnalyzer(config)
    path = Path(getattr(analyzer.detector, "path", ""))
    assert path in {tiny_pt, *(check.path for check in exported.checks)}
    assert list(runtime._CHOSEN.values()) == [runtime.runtime_of(path)]
    runtime._CHOSEN.clear()
