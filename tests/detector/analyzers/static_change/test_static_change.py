"""The weights-free analyzer on synthetic frames: things put down, shadows, light, ghosts."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from detector.analyzers.detections import Detections
from detector.analyzers.static_change import StaticChangeAnalyzer
from detector.sources.frames import Frame, ImageBGR

W, H = 320, 240
BOX = (140, 120, 190, 170)
Painter = Callable[[ImageBGR, float], None]


def ground(t_s: float, seed: int = 0) -> ImageBGR:
    rng = np.random.default_rng(seed * 1000 + int(t_s * 10))
    image = np.full((H, W, 3), (150, 160, 170), np.float32)
    image[:, ::16] -= 12  # paving joints: texture for the edge tests
    image += rng.normal(0, 2.0, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def run(
    painters: list[Painter], seconds: float, light: Callable[[float], float] | None = None
) -> list[tuple[float, Detections]]:
    analyzer = StaticChangeAnalyzer()
    out = []
    for k in range(int(seconds)):
        t = float(k)
        image = ground(t)
        for paint in painters:
            paint(image, t)
        if light is not None:
            image = np.clip(image.astype(np.float32) * light(t), 0, 255).astype(np.uint8)
        out.append((t, analyzer.analyze(Frame("c", k, t, 0, None, False, image))))
    return out


def box_at(
    colour: tuple[int, int, int],
    start: float,
    end: float = 1e9,
    box: tuple[int, int, int, int] = BOX,
) -> Painter:
    def paint(image: ImageBGR, t: float) -> None:
        if start <= t < end:
            cv2.rectangle(image, box[:2], box[2:], colour, -1)
            cv2.rectangle(image, box[:2], box[2:], (30, 30, 30), 2)

    return paint


def walker(speed_px_s: float, y: int, seed: int = 1) -> Painter:
    def paint(image: ImageBGR, t: float) -> None:
        x = int((seed * 97 + speed_px_s * t) % (W + 40)) - 20
        cv2.ellipse(image, (x, y), (8, 22), 0, 0, 360, (60, 40, 160), -1)

    return paint


def iou(a: np.ndarray, b: tuple[int, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return float(inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter))


def regions_after(results: list[tuple[float, Detections]], t_s: float) -> list[Detections]:
    return [d for t, d in results if t >= t_s and len(d)]


@pytest.mark.parametrize(
    ("name", "colour"),
    [
        ("brown box", (40, 90, 150)),
        ("dark box, shadow-coloured", (70, 75, 80)),
        ("white box", (245, 245, 245)),
    ],
)
def test_a_thing_put_down_becomes_a_still_region(name: str, colour: tuple[int, int, int]) -> None:
    results = run([box_at(colour, 10.0), walker(40, 150)], 40)
    assert regions_after(results, 0) and not regions_after(results[:10], 0)
    last = results[-1][1]
    assert len(last) == 1, name
    assert iou(last.xyxy[0], BOX) >= 0.5
    assert 10.0 <= float(last.data["still_since_s"][0]) <= 13.0


def test_a_soft_shadow_is_not_a_thing() -> None:
    def shadow(image: ImageBGR, t: float) -> None:
        if t >= 10:
            hard = np.zeros((H, W), np.float32)
            cv2.rectangle(hard, BOX[:2], BOX[2:], 1.0, -1)
            soft = np.asarray(cv2.GaussianBlur(hard, (21, 21), 8), np.float32)
            image[:] = (image * (1 - 0.4 * soft[..., None])).astype(np.uint8)

    assert regions_after(run([shadow], 40), 0) == []


def test_passers_by_and_traffic_raise_nothing() -> None:
    painters = [walker(40, 120, 1), walker(-55, 160, 2), walker(120, 200, 3), walker(25, 90, 4)]
    assert regions_after(run(painters, 60), 0) == []


def test_slow_light_drift_raises_nothing() -> None:
    results = run([walker(40, 150)], 90, light=lambda t: 0.75 + 0.5 * t / 90)
    assert regions_after(results, 0) == []


@pytest.mark.parametrize("gain", [0.45, 1.6])
def test_a_light_jump_raises_nothing(gain: float) -> None:
    results = run([walker(40, 150)], 50, light=lambda t: 1.0 if t < 25 else gain)
    assert regions_after(results, 0) == []


def test_lights_on_over_half_the_view_relearns_instead_of_raising() -> None:
    def lamp(image: ImageBGR, t: float) -> None:
        if t >= 20:
            image[:, : W * 2 // 3] = np.clip(image[:, : W * 2 // 3] * 1.5, 0, 255)

    analyzer = StaticChangeAnalyzer()
    for k in range(50):
        image = ground(float(k))
        lamp(image, float(k))
        assert len(analyzer.analyze(Frame("c", k, float(k), 0, None, False, image))) == 0
    assert analyzer.relearns >= 2  # the first frame, then the lamp


def test_a_thing_survives_a_light_jump_as_the_same_region() -> None:
    results = run([box_at((40, 90, 150), 5.0)], 40, light=lambda t: 1.0 if t < 25 else 1.4)
    last = results[-1][1]
    assert len(last) == 1
    assert float(last.data["still_since_s"][0]) <= 8.0


def test_a_removed_thing_leaves_no_ghost() -> None:
    results = run([box_at((40, 90, 150), 5.0, 30.0), walker(40, 150)], 60)
    assert regions_after(results, 20.0)  # it was there
    assert regions_after(results, 34.0) == []


def test_something_there_at_start_and_then_taken_away_is_no_region() -> None:
    results = run([box_at((40, 90, 150), 0.0, 10.0)], 40)
    assert regions_after(results, 0) == []


def test_a_running_clock_is_never_still_for_long() -> None:
    def clock(image: ImageBGR, t: float) -> None:
        cv2.putText(
            image,
            f"12:04:{int(t) % 60:02d}",
            (20, 40),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.0,
            (255, 255, 255),
            2,
        )

    results = run([clock], 60)
    for t, detections in results:
        for since in detections.data.get("still_since_s", []):
            assert t - float(since) < 10.0


def test_a_resolution_change_midway_does_not_break_the_analyzer() -> None:
    analyzer = StaticChangeAnalyzer()
    for k in range(30):
        image = ground(float(k))
        box_at((40, 90, 150), 3.0)(image, float(k))
        if k >= 15:  # the camera reconnects to a 16:9 substream
            image = np.asarray(cv2.resize(image, (320, 180)), np.uint8)
        analyzer.analyze(Frame("c", k, float(k), 0, None, False, image))
