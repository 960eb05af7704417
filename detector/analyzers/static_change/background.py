"""Long- and short-term background models, in analysis pixels. Pure numpy, no video I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.analyzers.static_change.config import StaticChangeConfig

Image = npt.NDArray[np.float32]
"""H×W×3 float32 colour image in analysis pixels."""
Mask = npt.NDArray[np.bool_]

_OPEN = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_CLOSE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))


@dataclass(frozen=True)
class ChangeMasks:
    """One frame's comparison against both backgrounds."""

    frame: Image
    """The frame after blur and light compensation."""
    changed: Mask
    """Differs from the long-term background: something is there that was not."""
    moving: Mask
    """Differs from the short-term background: something is moving there now."""
    still: Mask
    """Changed but not moving: newly occupied and then still."""
    distance: npt.NDArray[np.float32]
    """Colour distance to the long-term background, 0-255."""
    relearned: bool
    """The frame was a global light jump; both backgrounds restarted from it."""


def _blend_factor(dt_s: float, time_constant_s: float) -> float:
    return 1.0 - math.exp(-max(dt_s, 0.0) / time_constant_s)


def colour_distance(a: Image, b: Image) -> npt.NDArray[np.float32]:
    """Per pixel, the largest absolute difference over the colour channels (0-255).

    OpenCV rather than numpy: at 320 px this runs three times a frame, and the numpy
    reduction over the channel axis cost more than decoding the frame.
    """
    blue, green, red = cv2.split(cv2.absdiff(a, b))
    return np.asarray(cv2.max(cv2.max(blue, green), red), dtype=np.float32)


def _clean(mask: Mask) -> Mask:
    as_u8 = mask.astype(np.uint8)
    opened = cv2.morphologyEx(as_u8, cv2.MORPH_OPEN, _OPEN)
    closed = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, _CLOSE)
    cleaned: Mask = closed.astype(bool)
    return cleaned


class DualBackground:
    """A long-term model that learns only background, and a short-term one that learns all.

    Something put down shows in the long-term difference and, once it stops moving, not in
    the short-term one: that is a still region. The long-term model never learns pixels that
    differ from it, nor pixels the caller protects (regions under evidence), so a removed
    object leaves no ghost. A frame-wide gain follows gradual light changes and detects jumps.
    """

    def __init__(self, config: StaticChangeConfig) -> None:
        self.config = config
        self.long: Image | None = None
        self.short: Image | None = None
        self._last_t: float | None = None
        self._background: Mask | None = None

    def reset(self, frame: Image, keep: Mask | None = None) -> None:
        """Restart both models from ``frame``; the long-term one keeps ``keep`` (regions under
        watch), so an object under evidence is not learned even by a re-learn."""
        if keep is not None and self.long is not None and self.long.shape == frame.shape:
            long = frame.copy()
            long[keep] = self.long[keep]
            self.long = long
        else:
            self.long = frame.copy()
        self.short = frame.copy()
        self._background = np.ones(frame.shape[:2], dtype=bool)

    def compare(self, frame: Image, t_s: float, protect: Mask | None = None) -> ChangeMasks:
        """Compare ``frame`` taken at ``t_s`` seconds with both models, then update them."""
        dt_s = 0.0 if self._last_t is None else t_s - self._last_t
        self._last_t = t_s
        if self.long is None or self.short is None or self.long.shape != frame.shape:
            self.reset(frame)
            return self._empty(frame, relearned=True)
        raw_changed = float((colour_distance(frame, self.long) > self.config.diff_threshold).mean())
        gain = self._gain(frame)
        frame = frame * np.float32(1.0 / gain)
        distance = colour_distance(frame, self.long)
        changed = _clean(distance > self.config.diff_threshold)
        limit = self.config.relearn_fraction
        # A frame-wide gain explains a uniform light change; what it leaves unexplained over a
        # large part of the view (lamps on in one half, exposure steps) is a light jump too.
        jump = changed.mean() > limit or (raw_changed > limit and changed.mean() > limit / 2)
        if jump or not 0.4 < gain < 2.5:
            self.reset(frame, keep=protect)
            return self._empty(frame, relearned=True)
        moving = _clean(colour_distance(frame, self.short) > self.config.diff_threshold)
        still = changed & ~moving
        self._update(frame, changed, dt_s, protect)
        return ChangeMasks(frame, changed, moving, still, distance, relearned=False)

    def absorb(self, frame: Image, region: Mask) -> None:
        """Make ``region`` of ``frame`` part of the long-term background at once."""
        if self.long is not None:
            self.long[region] = frame[region]

    def _gain(self, frame: Image) -> float:
        assert self.long is not None and self._background is not None
        mask = self._background
        if np.count_nonzero(mask) < mask.size * 0.05:
            return 1.0
        as_u8 = mask.view(np.uint8)
        frame_mean = sum(cv2.mean(frame, mask=as_u8)[:3]) / 3
        long_mean = sum(cv2.mean(self.long, mask=as_u8)[:3]) / 3
        ratio = frame_mean / max(long_mean, 1.0)
        return ratio if math.isfinite(ratio) and ratio > 0 else 1.0

    def _update(self, frame: Image, changed: Mask, dt_s: float, protect: Mask | None) -> None:
        assert self.long is not None and self.short is not None
        alpha_short = _blend_factor(dt_s, self.config.short_time_constant_s)
        cv2.accumulateWeighted(frame, self.short, alpha_short)
        grown = cv2.dilate(changed.astype(np.uint8), _CLOSE).astype(bool)
        background = ~grown if protect is None else ~grown & ~protect
        self._background = background
        alpha_long = _blend_factor(dt_s, self.config.long_time_constant_s)
        cv2.accumulateWeighted(frame, self.long, alpha_long, mask=background.view(np.uint8))

    def _empty(self, frame: Image, relearned: bool) -> ChangeMasks:
        blank = np.zeros(frame.shape[:2], dtype=bool)
        zeros = np.zeros(frame.shape[:2], dtype=np.float32)
        return ChangeMasks(frame, blank, blank, blank, zeros, relearned=relearned)
