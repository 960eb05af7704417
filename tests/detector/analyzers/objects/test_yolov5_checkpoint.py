"""The original YOLOv5n checkpoint, loaded without the YOLOv5 repository, sees bus.jpg right."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import torch

from detector.analyzers.objects import ObjectsAnalyzer, ObjectsConfig, YoloV5Detector
from detector.analyzers.objects.backends import open_detector
from detector.analyzers.objects.safe_pickle import restricted_load
from detector.analyzers.objects.yolov5 import YOLOV5_GLOBALS, build_network
from detector.sources.frames import ImageBGR
from tests.detector.analyzers.objects.helpers import (
    BUS_BOX,
    BUS_PEOPLE,
    best_iou,
    grey,
    make_frame,
    paste,
)


@pytest.fixture
def analyzer(yolov5: YoloV5Detector, yolov5_path: Path) -> ObjectsAnalyzer:
    return ObjectsAnalyzer(ObjectsConfig(model_path=yolov5_path, track=False), detector=yolov5)


def test_bus_jpg_shows_four_people_and_a_bus(
    analyzer: ObjectsAnalyzer, bus_image: ImageBGR
) -> None:
    detections = analyzer.analyze(make_frame(bus_image))

    assert Counter(detections.labels) == {"person": 4, "vehicle": 1}
    assert list(detections.with_label("vehicle").data["class_name"]) == ["bus"]
    assert all(detections.confidence >= 0.25)
    for person in BUS_PEOPLE:
        assert best_iou(detections.with_label("person"), person) > 0.6, person
    assert best_iou(detections.with_label("vehicle"), BUS_BOX) > 0.8
    assert list(detections.tracker_id) == [-1] * 5


@pytest.mark.parametrize(
    ("canvas_w", "canvas_h", "x", "y"),
    [
        (810, 1080, 0, 0),  # the photo itself
        (1920, 1080, 600, 0),  # a 16:9 camera frame, photo off centre
        (1400, 1400, 300, 200),  # square frame, photo inside it
    ],
)
def test_boxes_are_in_source_pixels_whatever_the_frame_size(
    analyzer: ObjectsAnalyzer, bus_image: ImageBGR, canvas_w: int, canvas_h: int, x: int, y: int
) -> None:
    frame = paste(grey(canvas_w, canvas_h, 114), bus_image, x, y)

    detections = analyzer.analyze(make_frame(frame))

    bus = (BUS_BOX[0] + x, BUS_BOX[1] + y, BUS_BOX[2] + x, BUS_BOX[3] + y)
    assert best_iou(detections.with_label("vehicle"), bus) > 0.8
    middle_person = BUS_PEOPLE[2]
    shifted = (
        middle_person[0] + x,
        middle_person[1] + y,
        middle_person[2] + x,
        middle_person[3] + y,
    )
    assert best_iou(detections.with_label("person"), shifted) > 0.6
    assert (detections.xyxy[:, [0, 2]] <= canvas_w).all()
    assert (detections.xyxy[:, [1, 3]] <= canvas_h).all()
    assert (detections.xyxy >= 0).all()


def test_class_names_come_from_the_checkpoint(yolov5: YoloV5Detector) -> None:
    assert len(yolov5.names) == 80
    assert (yolov5.names[0], yolov5.names[5], yolov5.names[79]) == ("person", "bus", "toothbrush")


def test_half_precision_weights_run_as_float32(yolov5: YoloV5Detector) -> None:
    dtypes = {tensor.dtype for tensor in yolov5.network.state_dict().values()}
    assert dtypes == {torch.float32}


def test_layers_match_ultralytics_yolov5n_yaml(yolov5_path: Path) -> None:
    """Layers 0–23 are Ultralytics' own yolov5n blocks, tensor for tensor (342 of them)."""
    from ultralytics.nn.tasks import DetectionModel

    network, _ = build_network(restricted_load(yolov5_path, YOLOV5_GLOBALS)["model"])  # type: ignore[index]
    reference = DetectionModel("yolov5n.yaml", nc=80, verbose=False)  # type: ignore[no-untyped-call]
    ours = {
        key.removeprefix("layers."): tuple(value.shape)
        for key, value in network.state_dict().items()
        if key.startswith("layers.")
    }
    theirs = {
        key.removeprefix("model."): tuple(value.shape)
        for key, value in reference.state_dict().items()
        if key.startswith("model.") and int(key.split(".")[1]) <= 23
    }
    assert ours == theirs
    assert len(ours) == 342


def test_the_analyzer_picks_the_yolov5_loader_for_a_yolov5_checkpoint(yolov5_path: Path) -> None:
    assert isinstance(open_detector(yolov5_path), YoloV5Detector)


def test_weights_named_like_an_ultralytics_release_get_a_rename_hint(tmp_path: Path) -> None:
    """Ultralytics reads "<…>yolov5n.pt" as its own "<…>yolov5nu.pt" and fails far away."""
    import torch

    from detector.analyzers.objects.errors import ModelError

    weights = tmp_path / "facades_yolov5n.pt"
    torch.save({"model": None}, weights)
    with pytest.raises(ModelError, match=r"rename it \(e\.g\. facades_yolov5n_v1\.pt\)"):
        open_detector(weights)
