"""Any Ultralytics model file runs through the same analyzer: .pt, ONNX and OpenVINO.

No weights may be downloaded, so the model is Ultralytics' yolov8n architecture with random
weights, told to see a bus everywhere (a large bias on that class). That proves the mechanics a
user relies on (loading each format offline, class names, class map, boxes in source pixels,
tracker ids), not detection quality, which test_yolov5_checkpoint covers with real weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from detector.analyzers.objects import (
    ObjectsAnalyzer,
    ObjectsConfig,
    UltralyticsDetector,
)
from tests.detector.analyzers.objects.helpers import grey, make_frame

pytestmark = [
    pytest.mark.slow,
    # Ultralytics' exporters use torch.jit tracing, which torch warns about at every export.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning"),
]

EXPORT_SIZE = 160
"""Small exports keep the test quick; the analyzer runs them at the size they were made for."""
BUS = 5


@pytest.fixture(scope="module")
def coco_names() -> dict[int, str]:
    from ultralytics.utils import YAML
    from ultralytics.utils.checks import check_yaml

    data: dict[str, Any] = YAML.load(check_yaml("coco8.yaml"))  # type: ignore[no-untyped-call]
    names: dict[int, str] = data["names"]
    return names


@pytest.fixture(scope="module")
def model_files(
    tmp_path_factory: pytest.TempPathFactory, coco_names: dict[int, str]
) -> dict[str, Path]:
    """The same bus-seeing yolov8n as .pt, .onnx and an OpenVINO folder."""
    from ultralytics.models import YOLO

    folder = tmp_path_factory.mktemp("ultralytics")
    built: Any = YOLO("yolov8n.yaml")
    built.model.names = dict(coco_names)
    with torch.no_grad():
        for branch in built.model.model[-1].cv3:
            branch[-1].bias[BUS] = 12.0
    pt = folder / "busnet.pt"
    built.save(str(pt))
    loaded: Any = YOLO(str(pt))
    onnx = Path(loaded.export(format="onnx", imgsz=EXPORT_SIZE, verbose=False))
    openvino = Path(loaded.export(format="openvino", imgsz=EXPORT_SIZE, verbose=False))
    return {"pt": pt, "onnx": onnx, "openvino": openvino}


@pytest.mark.parametrize("fmt", ["pt", "onnx", "openvino"])
def test_each_format_loads_offline_and_maps_classes(
    model_files: dict[str, Path], coco_names: dict[int, str], fmt: str
) -> None:
    # The .pt's exports lie beside it: without runtime pytorch, auto might time and pick one.
    config = ObjectsConfig(
        model_path=model_files[fmt],
        imgsz=EXPORT_SIZE,
        max_detections=20,
        runtime="pytorch" if fmt == "pt" else "auto",
    )
    analyzer = ObjectsAnalyzer(config)
    frames = [make_frame(grey(320, 240, 60 + 20 * i), i) for i in range(3)]

    results = [analyzer.analyze(frame) for frame in frames]

    assert isinstance(analyzer.detector, UltralyticsDetector)
    assert analyzer.detector.names == tuple(coco_names[i] for i in range(80))
    for detections in results:
        assert 0 < len(detections) <= 20
        assert set(detections.labels) == {"vehicle"}
        assert set(detections.data["class_name"]) == {"bus"}
        assert (detections.xyxy >= 0).all()
        assert (detections.xyxy[:, [0, 2]] <= 320).all()
        assert (detections.xyxy[:, [1, 3]] <= 240).all()
    assert (results[0].tracker_id >= 0).any()


def test_classes_outside_the_map_are_dropped(model_files: dict[str, Path]) -> None:
    config = ObjectsConfig(
        model_path=model_files["onnx"], imgsz=EXPORT_SIZE, class_map={"person": "person"}
    )

    detections = ObjectsAnalyzer(config).analyze(make_frame(grey(320, 240)))

    assert len(detections) == 0
