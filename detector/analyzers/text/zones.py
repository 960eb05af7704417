"""Wall zones: where text is looked for, at what scale, and whether anything changed there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.analyzers.text.appearance import Box, Gray, int_box
from detector.errors import ConfigError
from detector.sources.frames import ImageBGR

_THUMB_LONG_SIDE = 480
_THUMB_DIFF = 18
"""Grey levels a thumbnail pixel must move by to count (above sensor and codec noise)."""
_THUMB_MIN_CHANGED = 3
"""Changed thumbnail pixels that make a zone worth a new detection (a small poster is few)."""


@dataclass(frozen=True, eq=False)
class WallZone:
    """A wall area, as a polygon in source pixels."""

    polygon: npt.NDArray[np.float32]
    """K×2 vertices (x, y), K ≥ 3."""

    @classmethod
    def from_array(cls, zone: npt.ArrayLike) -> WallZone:
        """From a K×2 polygon or an ``(x0, y0, x1, y1)`` crop box."""
        points = np.asarray(zone, dtype=np.float32)
        if points.shape == (4,):
            x0, y0, x1, y1 = (float(v) for v in points)
            if x1 <= x0 or y1 <= y0:
                raise ConfigError(f"text zone box {points.tolist()} has no area")
            points = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:
            raise ConfigError(
                f"a text zone must be a K×2 polygon (K ≥ 3) or an x0,y0,x1,y1 box, "
                f"got shape {points.shape}"
            )
        if not np.isfinite(points).all() or cv2.contourArea(points) <= 0:
            raise ConfigError(f"text zone polygon {points.tolist()} has no area")
        return cls(points)

    def crop_box(self, width: int, height: int) -> tuple[int, int, int, int] | None:
        """The zone's bounding box clipped to a frame, or None when it lies off the frame."""
        x0, y0 = self.polygon.min(axis=0)
        x1, y1 = self.polygon.max(axis=0)
        return int_box((float(x0), float(y0), float(x1), float(y1)), width, height)

    def holds_center(self, box: Box) -> bool:
        center = ((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)
        return cv2.pointPolygonTest(self.polygon, center, measureDist=False) >= 0


def zones_from_arrays(zones: Sequence[npt.ArrayLike]) -> list[WallZone]:
    if len(zones) == 0:
        raise ConfigError("the text analyzer needs at least one wall zone")
    return [WallZone.from_array(zone) for zone in zones]


def detection_scale(crop_w: int, crop_h: int, long_side_px: int, max_upscale: float) -> float:
    """Factor from source to detection pixels: long side to ``long_side_px``, capped."""
    return min(long_side_px / max(crop_w, crop_h), max_upscale)


def resize_for_detection(image: ImageBGR, scale: float) -> ImageBGR:
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # Cubic keeps thin strokes of small upscaled text sharp; area averaging avoids aliasing.
    interpolation = cv2.INTER_CUBIC if scale > 1.0 else cv2.INTER_AREA
    return np.asarray(cv2.resize(image, size, interpolation=interpolation), np.uint8)


class ZoneWatch:
    """When a zone last went through detection and how it looked then.

    Detection is the expensive step; a zone whose pixels did not change since its last
    detection has nothing new to find, except after ``refresh_s`` (a missed poster).
    """

    def __init__(self, zone: WallZone) -> None:
        self.zone = zone
        self.last_run_s: float | None = None
        self.recheck = False
        """Detection missed a region it had found here: run again at the next interval."""
        self._thumb: Gray | None = None
        self._crop: tuple[int, int, int, int] | None = None

    def due(
        self, gray: Gray, t_s: float, interval_s: float, refresh_s: float, quiet: Sequence[Box]
    ) -> bool:
        """Whether to detect now; changes inside ``quiet`` boxes (known clocks) do not count."""
        if self.last_run_s is None or self._thumb is None:
            return True
        elapsed = t_s - self.last_run_s
        if elapsed < 0 or elapsed >= refresh_s:
            return True
        if elapsed < interval_s:
            return False
        return self.recheck or self._changed(gray, quiet)

    def mark_run(self, gray: Gray, t_s: float) -> None:
        self.last_run_s = t_s
        self._crop = self.zone.crop_box(gray.shape[1], gray.shape[0])
        self._thumb = self._thumbnail(gray)

    def _thumbnail(self, gray: Gray) -> Gray | None:
        if self._crop is None:
            return None
        x0, y0, x1, y1 = self._crop
        crop = gray[y0:y1, x0:x1]
        scale = min(1.0, _THUMB_LONG_SIDE / max(crop.shape))
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        return np.asarray(cv2.GaussianBlur(small, (3, 3), 0), np.uint8)

    def _changed(self, gray: Gray, quiet: Sequence[Box]) -> bool:
        if self._crop != self.zone.crop_box(gray.shape[1], gray.shape[0]):
            return True
        thumb = self._thumbnail(gray)
        if thumb is None or self._thumb is None or thumb.shape != self._thumb.shape:
            return True
        changed = cv2.absdiff(thumb, self._thumb) > _THUMB_DIFF
        assert self._crop is not None
        x0, y0, x1, y1 = self._crop
        sx, sy = thumb.shape[1] / (x1 - x0), thumb.shape[0] / (y1 - y0)
        margin = 2  # thumbnail pixels: the blur spreads a clock's change past its box
        for box in quiet:
            qx0 = max(0, int((box[0] - x0) * sx) - margin)
            qy0 = max(0, int((box[1] - y0) * sy) - margin)
            qx1 = max(0, int(np.ceil((box[2] - x0) * sx)) + margin)
            qy1 = max(0, int(np.ceil((box[3] - y0) * sy)) + margin)
            changed[qy0:qy1, qx0:qx1] = False
        return int(changed.sum()) >= _THUMB_MIN_CHANGED
