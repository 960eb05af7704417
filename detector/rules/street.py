"""Street-order rules: from one frame's detections to observations per violation type.

Pure logic: no I/O, no video. Persistence over time (dwell, clearing, repeats) is the
incident tracker's job; a rule only says what this frame shows and since when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from detector.analyzers.detections import Detections, box_coverage
from detector.rules.geometry import BoxXYXY, PixelZone, centre, ground_point, to_pixels
from detector.rules.scene import SceneConfig, ZoneType

BoolArray = npt.NDArray[np.bool_]

# Analyzer names whose detections the rules read.
STATIC = "static_change"
OBJECTS = "objects"
FACADE = "facade"
"""The bureau's own facade model (posters in shop windows, shop signs), beside ``objects``."""
TEXT = "text"

EXPLAINED_COVERAGE = 0.5
"""A still region this much covered by a person or vehicle box is that person or vehicle."""
INDICATOR_REACH = 0.25
"""Stall indicators or people within this fraction of a region's size make it a stall."""


@dataclass(frozen=True)
class Observation:
    """Evidence in one frame that a violation of ``type`` is at ``box_xyxy`` in ``zone``."""

    type: str
    zone: str
    box_xyxy: BoxXYXY
    """Source pixels."""
    score: float
    since_s: float
    """When this evidence began, on ``Frame.clock_s`` (e.g. when the region became still)."""
    scores: Mapping[str, float] = field(default_factory=dict)
    since_known: bool = True
    """The analyzer tracked the evidence's start itself (a still region); otherwise the
    incident tracker counts persistence from consecutive observations."""


@dataclass(frozen=True)
class FrameEvidence:
    """What the analyzers found in one frame, keyed by analyzer name."""

    width: int
    height: int
    t_s: float
    """The frame's ``clock_s``."""
    captured_at: datetime | None
    detections: Mapping[str, Detections]

    def of(self, analyzer: str, *labels: str) -> Detections:
        found = self.detections.get(analyzer, Detections.empty())
        return found.with_label(*labels) if labels else found


class SceneRules:
    """All rules of one scene, with its zones scaled to the camera's frame size."""

    def __init__(self, scene: SceneConfig) -> None:
        self.scene = scene
        self._size: tuple[int, int] | None = None
        self._zones: dict[str, tuple[PixelZone, ...]] = {}
        self._masks: tuple[PixelZone, ...] = ()
        self._tz = ZoneInfo(scene.timezone)

    def observe(self, evidence: FrameEvidence) -> list[Observation]:
        self._fit(evidence.width, evidence.height)
        observations: list[Observation] = []
        for code, rule_fn in RULES.items():
            rule = self.scene.rule(code)
            if not rule.enabled or not self._active(code, evidence.captured_at):
                continue
            frame_area = evidence.width * evidence.height
            for obs in rule_fn(evidence, self._zones[code]):
                x1, y1, x2, y2 = obs.box_xyxy
                if obs.score < rule.min_score or (x2 - x1) * (y2 - y1) < (
                    rule.min_area_frac * frame_area
                ):
                    continue
                if not self._masked(obs.box_xyxy):
                    observations.append(obs)
        return observations

    def _fit(self, width: int, height: int) -> None:
        if self._size == (width, height):
            return
        self._size = (width, height)
        pixel_zones = {zone.name: to_pixels(zone, width, height) for zone in self.scene.zones}
        self._zones = {
            code: tuple(pixel_zones[z.name] for z in self.scene.zones_for(code)) for code in RULES
        }
        self._masks = tuple(z for z in pixel_zones.values() if z.type is ZoneType.MASK)

    def _masked(self, box: BoxXYXY) -> bool:
        return any(zone.contains(centre(box)) for zone in self._masks)

    def _active(self, code: str, captured_at: datetime | None) -> bool:
        windows = self.scene.rule(code).active
        if not windows or captured_at is None:
            return True
        local = captured_at.astimezone(self._tz).time()
        return any(window.contains(local) for window in windows)


def _zone_of(zones: tuple[PixelZone, ...], box: BoxXYXY, wall: bool = False) -> PixelZone | None:
    point = centre(box) if wall else ground_point(box)
    return next((zone for zone in zones if zone.contains(point)), None)


def _boxes(detections: Detections) -> list[BoxXYXY]:
    return [(float(a), float(b), float(c), float(d)) for a, b, c, d in detections.xyxy]


def _covered(still: Detections, by: Detections) -> BoolArray:
    if len(still) == 0 or len(by) == 0:
        return np.zeros(len(still), dtype=bool)
    covered: BoolArray = box_coverage(still.xyxy, by.xyxy).max(axis=1) >= EXPLAINED_COVERAGE
    return covered


def _near(still: Detections, others: Detections) -> BoolArray:
    """Still regions with one of ``others`` overlapping their box grown by INDICATOR_REACH."""
    if len(still) == 0 or len(others) == 0:
        return np.zeros(len(still), dtype=bool)
    grown = still.xyxy.copy()
    size = np.stack([grown[:, 2] - grown[:, 0], grown[:, 3] - grown[:, 1]], axis=1)
    grown[:, :2] -= size * INDICATOR_REACH
    grown[:, 2:] += size * INDICATOR_REACH
    near: BoolArray = box_coverage(others.xyxy, grown).max(axis=0) > 0.2
    return near


def _unexplained_still(evidence: FrameEvidence) -> tuple[Detections, BoolArray]:
    """Still regions, and which of them sit next to stall indicators or staying people."""
    still = evidence.of(STATIC, "still_region")
    people = evidence.of(OBJECTS, "person")
    explained = _covered(still, people) | _covered(still, evidence.of(OBJECTS, "vehicle"))
    stall_like = _near(still, evidence.of(OBJECTS, "stall_indicator")) | _near(still, people)
    keep = ~explained
    return still[keep], stall_like[keep]


def _observation(code: str, zone: PixelZone, det: Detections, i: int, t_s: float) -> Observation:
    since = det.data.get("still_since_s")
    box = _boxes(det[[i]])[0]
    score = float(det.confidence[i])
    return Observation(
        type=code,
        zone=zone.name,
        box_xyxy=box,
        score=score,
        since_s=float(since[i]) if since is not None else t_s,
        scores={det.labels[i]: score},
        since_known=since is not None,
    )


def clutter(evidence: FrameEvidence, zones: tuple[PixelZone, ...]) -> list[Observation]:
    still, stall_like = _unexplained_still(evidence)
    found = []
    for i, box in enumerate(_boxes(still)):
        zone = _zone_of(zones, box)
        if zone is not None and not stall_like[i]:
            found.append(_observation("clutter", zone, still, i, evidence.t_s))
    return found + _custom(evidence, zones, "clutter")


def stall(evidence: FrameEvidence, zones: tuple[PixelZone, ...]) -> list[Observation]:
    still, stall_like = _unexplained_still(evidence)
    found = []
    for i, box in enumerate(_boxes(still)):
        zone = _zone_of(zones, box)
        if zone is not None and stall_like[i]:
            found.append(_observation("stall", zone, still, i, evidence.t_s))
    return found + _custom(evidence, zones, "stall")


def out_of_store(evidence: FrameEvidence, zones: tuple[PixelZone, ...]) -> list[Observation]:
    still, _ = _unexplained_still(evidence)
    goods = evidence.of(OBJECTS, "goods", "stall_indicator")
    found = []
    for source in (still, goods):
        for i, box in enumerate(_boxes(source)):
            zone = _zone_of(zones, box)
            if zone is not None and zone.beyond_door(ground_point(box)):
                found.append(_observation("out_of_store", zone, source, i, evidence.t_s))
    return found + _custom(evidence, zones, "out_of_store")


def green_damage(evidence: FrameEvidence, zones: tuple[PixelZone, ...]) -> list[Observation]:
    still, _ = _unexplained_still(evidence)
    vehicles = evidence.of(OBJECTS, "vehicle")
    found = []
    for source in (still, vehicles):
        for i, box in enumerate(_boxes(source)):
            zone = _zone_of(zones, box)
            if zone is not None:
                found.append(_observation("green_damage", zone, source, i, evidence.t_s))
    return found + _custom(evidence, zones, "green_damage")


def illegal_ad(evidence: FrameEvidence, zones: tuple[PixelZone, ...]) -> list[Observation]:
    """New text on a wall, unless a detector sees a shop's own sign there; and posters a
    facade model finds directly, text or no text."""
    text = evidence.of(TEXT, "text_region")
    is_new = text.data.get("is_new")
    signs = _covered(text, evidence.of(OBJECTS, "shop_sign")) | _covered(
        text, evidence.of(FACADE, "shop_sign")
    )
    found = []
    for i, box in enumerate(_boxes(text)):
        zone = _zone_of(zones, box, wall=True)
        if zone is not None and is_new is not None and bool(is_new[i]) and not signs[i]:
            found.append(_observation("illegal_ad", zone, text, i, evidence.t_s))
    return found + _custom(evidence, zones, "illegal_ad")


def signboard(evidence: FrameEvidence, zones: tuple[PixelZone, ...]) -> list[Observation]:
    return _custom(evidence, zones, "signboard")


def _custom(evidence: FrameEvidence, zones: tuple[PixelZone, ...], code: str) -> list[Observation]:
    """Detections of a custom model whose class map names the taxonomy code itself."""
    found = []
    for analyzer in (OBJECTS, FACADE):
        direct = evidence.of(analyzer, code)
        for i, box in enumerate(_boxes(direct)):
            zone = _zone_of(zones, box, wall=code in ("illegal_ad", "signboard"))
            if zone is not None:
                found.append(_observation(code, zone, direct, i, evidence.t_s))
    return found


Rule = Callable[[FrameEvidence, tuple[PixelZone, ...]], list[Observation]]
RULES: dict[str, Rule] = {
    "clutter": clutter,
    "stall": stall,
    "out_of_store": out_of_store,
    "green_damage": green_damage,
    "illegal_ad": illegal_ad,
    "signboard": signboard,
}
