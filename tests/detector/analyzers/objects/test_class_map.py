"""Model classes become roles or taxonomy codes; classes the map does not name disappear."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detector.analyzers.objects import (
    COCO_ROLES,
    ROLES,
    TAXONOMY_CODES,
    InferenceSettings,
    ObjectsAnalyzer,
    ObjectsConfig,
    apply_class_map,
)
from tests.detector.analyzers.objects.helpers import FakeDetector, grey, make_frame, raw


@pytest.fixture
def coco_names() -> tuple[str, ...]:
    """The 80 COCO names as Ultralytics ships them (coco8.yaml, on disk)."""
    from ultralytics.utils import YAML
    from ultralytics.utils.checks import check_yaml

    data = YAML.load(check_yaml("coco8.yaml"))  # type: ignore[no-untyped-call]
    names: dict[int, str] = data["names"]
    return tuple(names[i] for i in range(len(names)))


COCO_CASES = [
    (["person"], ["person"]),
    (["car", "bus", "truck", "motorcycle", "bicycle"], ["vehicle"] * 5),
    (["umbrella", "dining table", "chair", "bench"], ["stall_indicator"] * 4),
    (["suitcase", "backpack", "handbag", "potted plant", "bottle"], ["goods"] * 5),
    (["toothbrush", "giraffe", "tv", "person"], ["person"]),
    ([], []),
]


@pytest.mark.parametrize(("names", "labels"), COCO_CASES)
def test_coco_classes_map_to_roles_and_the_rest_are_dropped(
    names: list[str], labels: list[str]
) -> None:
    detections = apply_class_map(raw(names), COCO_ROLES)

    assert list(detections.labels) == labels
    kept = [name for name in names if name in COCO_ROLES]
    assert list(detections.data["class_name"]) == kept
    assert list(detections.tracker_id) == [-1] * len(kept)


def test_kept_detections_keep_their_own_box_and_confidence() -> None:
    source = raw(["giraffe", "bench", "toothbrush", "bottle"])

    detections = apply_class_map(source, COCO_ROLES)

    np.testing.assert_array_equal(detections.xyxy, source.xyxy[[1, 3]])
    np.testing.assert_array_equal(detections.confidence, source.confidence[[1, 3]])


def test_custom_model_classes_map_to_taxonomy_codes() -> None:
    class_map = {"win_ad": "illegal_ad", "signboard": "signboard", "trash_bag": "clutter"}

    detections = apply_class_map(raw(["window", "win_ad", "door", "trash_bag"]), class_map)

    assert detections.labels == ("illegal_ad", "clutter")
    assert list(detections.data["class_name"]) == ["win_ad", "trash_bag"]


def test_coco_map_uses_only_roles_and_real_coco_names(coco_names: tuple[str, ...]) -> None:
    assert set(COCO_ROLES.values()) == set(ROLES) - {"shop_sign"}  # COCO has no shop signs
    assert set(COCO_ROLES) <= set(coco_names)
    assert not set(ROLES) & set(TAXONOMY_CODES)


def test_analyzer_applies_its_config_to_the_detector() -> None:
    detector = FakeDetector(["person", "car", "kite"], [raw(["kite", "car", "person"])])
    config = ObjectsConfig(
        model_path=Path("fake.pt"),
        class_map={"car": "vehicle", "person": "person"},
        min_confidence=0.4,
        imgsz=320,
        track=False,
    )

    detections = ObjectsAnalyzer(config, detector=detector).analyze(make_frame(grey(64, 48)))

    assert detections.labels == ("vehicle", "person")
    assert detector.seen == [InferenceSettings(imgsz=320, min_confidence=0.4)]


def test_a_frame_without_an_image_is_a_clear_error() -> None:
    detector = FakeDetector(["person"], [])
    analyzer = ObjectsAnalyzer(
        ObjectsConfig(model_path=Path("fake.pt"), track=False), detector=detector
    )
    frame = make_frame(grey(8, 8))
    timestamp_only = type(frame)(**{**frame.__dict__, "image_bgr": None})

    with pytest.raises(ValueError, match="needs decoded images"):
        analyzer.analyze(timestamp_only)
