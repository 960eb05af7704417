"""Generated wall scenes: a brick wall, a shop sign, posters that appear, a running clock."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from detector.analyzers.detections import Detections, box_coverage, box_iou
from detector.analyzers.text import TextAnalyzer
from detector.sources.frames import Frame, ImageBGR

Box = tuple[int, int, int, int]

FONT = cv2.FONT_HERSHEY_SIMPLEX
_CLOCK_STYLE = (0.7, (255, 255, 255), 2)
PHONE_LINES = ("FLAT TO RENT", "CHEAP LOANS", "TEL 13812345678")
PLAIN_LINES = ("FLAT TO RENT", "CHEAP LOANS", "ASK INSIDE TODAY")


@dataclass(frozen=True)
class Poster:
    """A small white sheet with black printed lines, stuck on the wall at ``appears_s``."""

    origin: tuple[int, int]
    lines: tuple[str, ...] = PHONE_LINES
    appears_s: float = 20.0
    removed_s: float = float("inf")
    qr_text: str | None = None
    """Payload of a QR code printed right of the text, or no code."""

    @property
    def box(self) -> Box:
        """The sheet in source pixels, x0, y0, x1, y1."""
        width, height = _sheet_size(self.lines, self.qr_text is not None)
        return (self.origin[0], self.origin[1], self.origin[0] + width, self.origin[1] + height)


@dataclass(frozen=True)
class Clock:
    """A burned-in time stamp that ticks every second from ``starts_s`` until ``stops_s``."""

    origin: tuple[int, int] = (600, 500)
    starts_s: float = 0.0
    stops_s: float = float("inf")

    @property
    def box(self) -> Box:
        (width, height), baseline = cv2.getTextSize(self.text(0.0), FONT, 0.7, 2)
        x, y = self.origin
        return (x, y - height, x + width, y + baseline)

    def text(self, t_s: float) -> str:
        shown = int(min(t_s, self.stops_s)) + 11 * 3600 + 4 * 60 + 7
        return f"2024-05-01 {shown // 3600:02d}:{shown // 60 % 60:02d}:{shown % 60:02d}"


@dataclass(frozen=True)
class Passer:
    """A dark figure walking left to right in front of the wall from ``starts_s``."""

    starts_s: float
    ends_s: float
    x: int = 200
    y: int = 200
    speed_px: float = 80.0
    size: tuple[int, int] = (70, 220)

    def box(self, t_s: float) -> Box:
        x0 = int(self.x + (t_s - self.starts_s) * self.speed_px)
        return (x0, self.y, x0 + self.size[0], self.y + self.size[1])

    def present(self, t_s: float) -> bool:
        return self.starts_s <= t_s < self.ends_s


@dataclass(frozen=True)
class WallScene:
    width: int = 960
    height: int = 540
    sign_text: str = "NOODLES 88"
    posters: tuple[Poster, ...] = ()
    clock: Clock | None = None
    passers: tuple[Passer, ...] = ()
    noise: float = 2.0
    """Standard deviation of per-frame sensor noise, grey levels."""
    seed: int = 7
    _wall: list[ImageBGR] = field(default_factory=list, compare=False, repr=False)
    _noise: list[np.ndarray] = field(default_factory=list, compare=False, repr=False)

    @property
    def sign_box(self) -> Box:
        return (60, 40, 620, 150)

    def wall(self) -> ImageBGR:
        if not self._wall:
            self._wall.append(_brick_wall(self.width, self.height, self.seed, self))
        return self._wall[0]

    def render(self, t_s: float, index: int = 0) -> ImageBGR:
        image = self.wall().copy()
        for poster in self.posters:
            if poster.appears_s <= t_s < poster.removed_s:
                _draw_poster(image, poster)
        if self.clock is not None and t_s >= self.clock.starts_s:
            cv2.putText(image, self.clock.text(t_s), self.clock.origin, FONT, *_CLOCK_STYLE)
        for passer in filter(lambda p: p.present(t_s), self.passers):
            x0, y0, x1, y1 = passer.box(t_s)
            cv2.rectangle(image, (x0, y0), (x1, y1), (40, 45, 50), -1)
        if self.noise > 0:
            noisy = image.astype(np.int16) + self._noise_field(index)
            image = np.clip(noisy, 0, 255).astype(np.uint8)
        return image

    def _noise_field(self, index: int) -> np.ndarray:
        """One of a few fixed noise fields: fresh noise per frame costs more than the analysis."""
        if not self._noise:
            rng = np.random.default_rng(self.seed)
            shape = (self.height, self.width, 3)
            self._noise.extend(
                np.round(rng.normal(0, self.noise, shape)).astype(np.int16) for _ in range(5)
            )
        return self._noise[index % len(self._noise)]

    def frames(self, seconds: float, fps: float = 1.0) -> Iterator[Frame]:
        for index in range(round(seconds * fps)):
            t_s = index / fps
            yield Frame(
                camera_id="wall-test",
                index=index,
                media_time_s=t_s,
                epoch=0,
                captured_at=None,
                is_keyframe=True,
                image_bgr=self.render(t_s, index),
            )

    @property
    def whole_frame(self) -> np.ndarray:
        w, h = self.width, self.height
        return np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)


def _brick_wall(width: int, height: int, seed: int, scene: WallScene) -> ImageBGR:
    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), (150, 160, 170), np.uint8)
    brick_h, brick_w = 22, 60
    for row, y in enumerate(range(0, height, brick_h)):
        offset = (brick_w // 2) * (row % 2)
        for x in range(-offset, width, brick_w):
            shade = rng.integers(-14, 15)
            colour = tuple(int(c) for c in np.clip(np.array([60, 75, 140]) + shade, 0, 255))
            cv2.rectangle(image, (x + 2, y + 2), (x + brick_w - 2, y + brick_h - 2), colour, -1)
    x0, y0, x1, y1 = scene.sign_box
    cv2.rectangle(image, (x0, y0), (x1, y1), (110, 40, 20), -1)
    cv2.putText(image, scene.sign_text, (x0 + 25, y1 - 30), FONT, 2.2, (255, 255, 255), 5)
    return image


_LINE_SCALE = 0.5
_LINE_STEP = 22
_MARGIN = 8
_QR_SIDE = 66


def _sheet_size(lines: tuple[str, ...], with_qr: bool) -> tuple[int, int]:
    text_w = max(cv2.getTextSize(line, FONT, _LINE_SCALE, 1)[0][0] for line in lines)
    width = text_w + 2 * _MARGIN + (_QR_SIDE + _MARGIN if with_qr else 0)
    height = max(len(lines) * _LINE_STEP, _QR_SIDE if with_qr else 0) + 2 * _MARGIN
    return width, height


def _draw_poster(image: ImageBGR, poster: Poster) -> None:
    x0, y0, x1, y1 = poster.box
    cv2.rectangle(image, (x0, y0), (x1, y1), (245, 245, 245), -1)
    for i, line in enumerate(poster.lines):
        baseline = y0 + _MARGIN + (i + 1) * _LINE_STEP - 6
        cv2.putText(image, line, (x0 + _MARGIN, baseline), FONT, _LINE_SCALE, (10, 10, 10), 1)
    if poster.qr_text is not None:
        code = cv2.QRCodeEncoder.create().encode(poster.qr_text)
        side = _QR_SIDE
        tile = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
        qx, qy = x1 - _MARGIN - side, y0 + _MARGIN
        image[qy : qy + side, qx : qx + side] = cv2.cvtColor(tile, cv2.COLOR_GRAY2BGR)


@dataclass(frozen=True)
class Observed:
    """The analyzer's output for one frame."""

    t_s: float
    detections: Detections

    def touching(self, box: Box) -> Detections:
        """Detections that share at least a fifth of their area, or of ``box``'s, with it."""
        if len(self.detections) == 0:
            return self.detections
        place = np.array([box], np.float32)
        inside = box_coverage(self.detections.xyxy, place)[:, 0]
        around = box_coverage(place, self.detections.xyxy)[0, :]
        return self.detections[np.maximum(inside, around) >= 0.2]


def run(analyzer: TextAnalyzer, frames: Iterable[Frame]) -> list[Observed]:
    return [Observed(frame.media_time_s, analyzer.analyze(frame)) for frame in frames]


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    pair = box_iou(np.array([a], np.float32), np.array([b], np.float32))
    return float(pair[0, 0])
