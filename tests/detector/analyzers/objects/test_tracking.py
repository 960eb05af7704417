"""Tracker ids stay with an object from frame to frame, and new objects get new ids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np

from detector.analyzers.detections import Detections
from detector.analyzers.objects import ObjectsAnalyzer, ObjectsConfig, RawDetections, YoloV5Detector
from detector.demo.encode import write_video
from detector.sources.frames import ImageBGR
from tests.detector.analyzers.objects.helpers import FakeDetector, grey, make_frame, paste

FPS = 5


def moving_bus_clip(path: Path, bus_image: ImageBGR, steps: int = 6) -> Path:
    """A 960×540 street-grey clip in which a crop of bus.jpg drives 70 px right per frame."""
    crop = np.asarray(cv2.resize(bus_image[200:800, :], None, fx=0.6, fy=0.6), np.uint8)
    rng = np.random.default_rng(7)
    background = grey(960, 540, 100)
    background += rng.integers(0, 20, background.shape, dtype=np.uint8)
    frames = [paste(background, crop, 20 + 70 * step, 120) for step in range(steps)]
    write_video(frames, path, fps=FPS, gop_frames=FPS)
    return path


def decoded(path: Path) -> Iterator[ImageBGR]:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)


def test_moving_bus_keeps_one_tracker_id(
    tmp_path: Path, bus_image: ImageBGR, yolov5: YoloV5Detector, yolov5_path: Path
) -> None:
    clip = moving_bus_clip(tmp_path / "bus.mp4", bus_image)
    analyzer = ObjectsAnalyzer(ObjectsConfig(model_path=yolov5_path), detector=yolov5)

    per_frame = [
        analyzer.analyze(make_frame(image, index, FPS)).with_label("vehicle")
        for index, image in enumerate(decoded(clip))
    ]

    assert len(per_frame) == 6
    assert [len(vehicles) for vehicles in per_frame] == [1] * 6
    ids = {int(vehicles.tracker_id[0]) for vehicles in per_frame}
    assert len(ids) == 1 and min(ids) >= 0
    centres = [float(vehicles.xyxy[0, [0, 2]].mean()) for vehicles in per_frame]
    assert all(later > earlier for earlier, later in itertools.pairwise(centres))


def box_at(x: float, y: float = 100.0, size: float = 80.0) -> tuple[float, float, float, float]:
    return (x, y, x + size, y + size)


def scripted(
    boxes_per_frame: list[list[tuple[str, tuple[float, float, float, float]]]],
) -> list[RawDetections]:
    script = []
    for boxes in boxes_per_frame:
        n = len(boxes)
        script.append(
            RawDetections(
                xyxy=np.asarray([box for _, box in boxes], np.float32).reshape(n, 4),
                confidence=np.full(n, 0.9, np.float32),
                class_names=tuple(name for name, _ in boxes),
            )
        )
    return script


def run(script: list[RawDetections], track: bool = True) -> list[Detections]:
    detector = FakeDetector(["person", "car"], script)
    config = ObjectsConfig(model_path=Path("fake.pt"), track=track)
    analyzer = ObjectsAnalyzer(config, detector=detector)
    return [analyzer.analyze(make_frame(grey(640, 480), i)) for i in range(len(script))]


def test_a_newcomer_gets_a_new_id_once_confirmed() -> None:
    walking = [("person", box_at(100 + 10 * i)) for i in range(5)]
    car = ("car", box_at(400, 300, 120))
    script = scripted([[walking[0]], [walking[1]], [walking[2], car], [walking[3], car]])

    frames = run(script)

    person_ids = {int(f.with_label("person").tracker_id[0]) for f in frames}
    assert len(person_ids) == 1 and min(person_ids) >= 0
    assert list(frames[2].with_label("vehicle").tracker_id) == [-1]
    car_id = int(frames[3].with_label("vehicle").tracker_id[0])
    assert car_id >= 0 and car_id not in person_ids


def test_an_object_hidden_for_a_few_frames_keeps_its_id() -> None:
    still = [("car", box_at(200))]
    frames = run(scripted([still, still, still, [], [], still, still]))

    ids = [list(f.tracker_id) for f in frames]
    assert ids[3] == ids[4] == []
    assert ids[0] == ids[1] == ids[2] == ids[5] == ids[6]
    assert ids[0][0] >= 0


def test_tracking_off_leaves_every_id_at_minus_one() -> None:
    still = [("car", box_at(200)), ("person", box_at(50))]

    frames = run(scripted([still, still, still]), track=False)

    assert all(list(f.tracker_id) == [-1, -1] for f in frames)
