"""A procedurally rendered street for the demo, tests and benchmarks: no footage needed.

A facade, a pavement and a road; people walk along the pavement, cars drive by, the light
drifts slowly, and a box can be put down on the pavement (and later taken away).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from detector.sources.frames import ImageBGR

BoxXYXY = tuple[float, float, float, float]


@dataclass(frozen=True)
class StreetScript:
    """What happens in the rendered clip. Sizes in output pixels, times in media seconds."""

    duration_s: float = 30.0
    fps: int = 25
    width: int = 640
    height: int = 360
    box_put_s: float | None = 12.0
    """When the box is put down (None: never)."""
    box_removed_s: float | None = None
    box_rel_xyxy: BoxXYXY = (0.55, 0.50, 0.66, 0.64)
    """The box in fractions of width and height (on the pavement band)."""
    people: int = 4
    cars: int = 2
    light_drift: float = 0.12
    """Peak relative change of global brightness over the clip."""
    noise_sigma: float = 2.0
    seed: int = 7

    @property
    def frame_count(self) -> int:
        return round(self.duration_s * self.fps)

    @property
    def box_xyxy(self) -> BoxXYXY:
        """The box in source pixels."""
        x1, y1, x2, y2 = self.box_rel_xyxy
        return (
            round(x1 * self.width),
            round(y1 * self.height),
            round(x2 * self.width),
            round(y2 * self.height),
        )

    def box_visible(self, time_s: float) -> bool:
        if self.box_put_s is None or time_s < self.box_put_s:
            return False
        return self.box_removed_s is None or time_s < self.box_removed_s


def _background(script: StreetScript) -> ImageBGR:
    w, h = script.width, script.height
    image = np.zeros((h, w, 3), np.uint8)
    facade_bottom, pavement_bottom = int(h * 0.42), int(h * 0.68)
    image[:facade_bottom] = (150, 170, 190)
    for x in range(int(w * 0.04), w, max(8, w // 9)):
        cv2.rectangle(image, (x, int(h * 0.08)), (x + w // 18, int(h * 0.22)), (90, 80, 70), -1)
        cv2.rectangle(image, (x, int(h * 0.26)), (x + w // 18, facade_bottom - 4), (60, 60, 60), -1)
    image[facade_bottom:pavement_bottom] = (175, 178, 180)
    for x in range(0, w, max(6, w // 16)):
        cv2.line(image, (x, facade_bottom), (x, pavement_bottom), (160, 162, 165), 1)
    image[pavement_bottom:] = (85, 85, 88)
    lane_y = int(h * 0.84)
    for x in range(0, w, max(10, w // 8)):
        cv2.line(image, (x, lane_y), (x + w // 16, lane_y), (230, 230, 230), max(1, h // 120))
    return image


def _draw_box(image: ImageBGR, box: BoxXYXY) -> None:
    x1, y1, x2, y2 = (round(v) for v in box)
    cv2.rectangle(image, (x1, y1), (x2, y2), (40, 90, 150), -1)
    cv2.rectangle(image, (x1, y1), (x2, y2), (20, 50, 90), max(1, (x2 - x1) // 25))
    mid = (x1 + x2) // 2
    cv2.line(image, (mid, y1), (mid, y2), (120, 170, 210), max(1, (x2 - x1) // 12))


def _draw_movers(image: ImageBGR, script: StreetScript, time_s: float) -> None:
    w, h = script.width, script.height
    rng = np.random.default_rng(script.seed)
    for i in range(script.people):
        speed = rng.uniform(0.04, 0.09) * w * (1 if i % 2 else -1)
        x = int((rng.uniform(0, w) + speed * time_s) % (w + 40)) - 20
        y = int(h * rng.uniform(0.52, 0.64))
        colour = tuple(int(c) for c in rng.integers(30, 220, 3))
        cv2.ellipse(image, (x, y), (w // 80 + 2, h // 14), 0, 0, 360, colour, -1)
        cv2.circle(image, (x, y - h // 12), max(2, h // 60), (120, 150, 190), -1)
    for i in range(script.cars):
        speed = rng.uniform(0.25, 0.4) * w * (1 if i % 2 else -1)
        x = int((rng.uniform(0, w) + speed * time_s) % (w * 1.6)) - int(w * 0.3)
        y = int(h * (0.72 + 0.12 * (i % 2)))
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        cv2.rectangle(image, (x, y), (x + w // 7, y + h // 10), colour, -1)
        cv2.rectangle(image, (x + w // 50, y + 2), (x + w // 10, y + h // 28), (60, 40, 30), -1)


def render_frame(script: StreetScript, index: int, background: ImageBGR | None = None) -> ImageBGR:
    """Frame ``index`` of the scripted clip, deterministic for a given script."""
    time_s = index / script.fps
    image = (background if background is not None else _background(script)).copy()
    if script.box_visible(time_s):
        _draw_box(image, script.box_xyxy)
    _draw_movers(image, script, time_s)
    gain = 1.0 + script.light_drift * math.sin(2 * math.pi * time_s / max(script.duration_s, 1))
    lit = image.astype(np.float32) * gain
    if script.noise_sigma > 0:
        noise_rng = np.random.default_rng(script.seed * 100_003 + index)
        lit += noise_rng.normal(0.0, script.noise_sigma, lit.shape).astype(np.float32)
    out: ImageBGR = np.clip(lit, 0, 255).astype(np.uint8)
    return out


def render_frames(script: StreetScript) -> Iterator[ImageBGR]:
    background = _background(script)
    for index in range(script.frame_count):
        yield render_frame(script, index, background)
