"""Zones in pixels of a given frame: membership, overlap and door-line sides. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.rules.scene import Point, Zone, ZoneType

BoxXYXY = tuple[float, float, float, float]


def ground_point(box: BoxXYXY) -> Point:
    """Where a standing object touches the ground: the middle of its bottom edge."""
    x1, _, x2, y2 = box
    return ((x1 + x2) / 2.0, y2)


def centre(box: BoxXYXY) -> Point:
    x1, y1, x2, y2 = box
    return ((x1 + x2) / 2.0, (y1 + y2) / 2.0)


def _side(line: tuple[Point, Point], point: Point) -> float:
    (ax, ay), (bx, by) = line
    return (bx - ax) * (point[1] - ay) - (by - ay) * (point[0] - ax)


@dataclass(frozen=True, eq=False)
class PixelZone:
    """A zone scaled to one frame size, with an integral image for fast box overlap."""

    zone: Zone
    polygon: npt.NDArray[np.float32]
    """Vertices in source pixels."""
    door_line: tuple[Point, Point] | None
    _integral: npt.NDArray[np.int64]

    @property
    def name(self) -> str:
        return self.zone.name

    @property
    def type(self) -> ZoneType:
        return self.zone.type

    def contains(self, point: Point) -> bool:
        inside = cv2.pointPolygonTest(self.polygon, (float(point[0]), float(point[1])), False)
        return bool(inside >= 0)

    def overlap(self, box: BoxXYXY) -> float:
        """Fraction of ``box`` that lies inside the zone."""
        height, width = self._integral.shape[0] - 1, self._integral.shape[1] - 1
        x1, y1 = int(np.clip(box[0], 0, width)), int(np.clip(box[1], 0, height))
        x2, y2 = int(np.clip(np.ceil(box[2]), 0, width)), int(np.clip(np.ceil(box[3]), 0, height))
        area = (x2 - x1) * (y2 - y1)
        if area <= 0:
            return 0.0
        s = self._integral
        inside = s[y2, x2] - s[y1, x2] - s[y2, x1] + s[y1, x1]
        return float(inside) / area

    def beyond_door(self, point: Point) -> bool:
        """Whether ``point`` is on the street side of the door line (the zone's side)."""
        if self.door_line is None:
            return True
        centroid = (float(self.polygon[:, 0].mean()), float(self.polygon[:, 1].mean()))
        return _side(self.door_line, point) * _side(self.door_line, centroid) > 0


def _scale(points: tuple[Point, ...], zone: Zone, width: int, height: int) -> list[Point]:
    if zone.normalized:
        return [(x * width, y * height) for x, y in points]
    return list(points)


def to_pixels(zone: Zone, width: int, height: int) -> PixelZone:
    """``zone`` in pixels of a ``width``×``height`` frame."""
    polygon = np.asarray(_scale(zone.polygon, zone, width, height), dtype=np.float32)
    raster = np.zeros((height, width), dtype=np.uint8)
    cv2.fillPoly(raster, [np.round(polygon).astype(np.int32)], 1)
    integral = cv2.integral(raster).astype(np.int64)
    door = None
    if zone.door_line is not None:
        a, b = _scale(zone.door_line, zone, width, height)
        door = (a, b)
    return PixelZone(zone, polygon, door, integral)
