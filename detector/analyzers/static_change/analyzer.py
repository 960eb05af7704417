"""The weights-free analyzer: regions newly occupied and then still (goods, stalls, piles)."""

from __future__ import annotations

import cv2
import numpy as np

from detector.analyzers.detections import Detections
from detector.analyzers.static_change.background import ChangeMasks, DualBackground, Image, Mask
from detector.analyzers.static_change.config import StaticChangeConfig
from detector.analyzers.static_change.regions import (
    RegionTracker,
    StillRegion,
    box_of,
    crop,
    is_ghost,
    is_shadow,
)
from detector.sources.frames import Frame, ImageBGR

LABEL = "still_region"


class StaticChangeAnalyzer:
    """Finds regions that became occupied and then still, with the time they became still.

    Works on day one with no trained model. Output boxes are in source pixels; ``data`` has
    ``still_since_s`` (on ``Frame.clock_s``), ``occluded`` (hidden behind something moving
    this frame) and ``region_id`` (stable while the region lives).
    """

    name = "static_change"

    def __init__(self, config: StaticChangeConfig | None = None) -> None:
        self.config = config or StaticChangeConfig()
        self.background = DualBackground(self.config)
        self.tracker = RegionTracker(self.config)
        self.relearns = 0

    def analyze(self, frame: Frame) -> Detections:
        if frame.image_bgr is None:
            raise ValueError("the static-change analyzer needs decoded images")
        small, scale = self._prepare(frame.image_bgr)
        t_s = frame.clock_s
        if self.background.long is not None and self.background.long.shape != small.shape:
            # The camera changed resolution or aspect (a reconnect to another stream): regions
            # in the old analysis pixels mean nothing now.
            self.tracker.regions.clear()
        protect = self.tracker.protect_mask(small.shape[:2])
        masks = self.background.compare(small, t_s, protect)
        if masks.relearned:
            # Regions under watch survive: their ground was kept out of the re-learn.
            self.relearns += 1
            return Detections.empty()
        blobs = []
        for blob in self._blobs(masks.still):
            if self.tracker.is_new(blob) and not self._admit(blob, masks.frame):
                continue
            blobs.append(blob)
        self.tracker.update(blobs, masks, t_s)
        self._absorb_old(masks.frame, t_s)
        return self._detections(masks, t_s, scale)

    def _prepare(self, image: ImageBGR) -> tuple[Image, float]:
        height, width = image.shape[:2]
        scale = width / self.config.work_width_px
        size = (self.config.work_width_px, max(1, round(height / scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        blurred: Image = cv2.GaussianBlur(small, (5, 5), 0).astype(np.float32)
        return blurred, scale

    def _blobs(self, still: Mask) -> list[Mask]:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            still.astype(np.uint8), connectivity=8
        )
        min_area = self.config.min_area_frac * still.size
        return [labels == i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area]

    def _admit(self, blob: Mask, frame: Image) -> bool:
        """Whether a new blob is a new object, not a ghost of a departed one or a shadow."""
        background = self.background.long
        assert background is not None
        box = box_of(blob)
        if is_ghost(frame, background, blob, box):
            # Whatever stood there when the background was learned has left: learn the ground.
            self.background.absorb(frame, blob)
            return False
        return not is_shadow(frame, background, blob, box)

    def _absorb_old(self, frame: Image, t_s: float) -> None:
        for region in list(self.tracker.regions):
            if t_s - region.first_still_s > self.config.absorb_after_s:
                x1, y1, x2, y2 = region.box
                full = np.zeros(frame.shape[:2], dtype=bool)
                full[y1:y2, x1:x2] = region.mask
                self.background.absorb(frame, full)
                self.tracker.regions.remove(region)

    def _reported(self, region: StillRegion, t_s: float) -> bool:
        # Regions kept alive behind passers-by are not reported while hidden: the incident
        # tracker bridges short gaps, and a hidden region is no evidence of anything.
        return (
            region.seen_now
            and region.hits >= 2
            and t_s - region.first_still_s >= self.config.confirm_s
        )

    def _detections(self, masks: ChangeMasks, t_s: float, scale: float) -> Detections:
        regions = [r for r in self.tracker.regions if self._reported(r, t_s)]
        scores = []
        for region in regions:
            # Contrast with the ground: faint regions score low, bold ones near 1.
            distance = crop(masks.distance, region.box)[region.mask]
            contrast = float(distance.mean()) if distance.size else 0.0
            scores.append(min(1.0, contrast / (3 * self.config.diff_threshold)))
        return Detections.build(
            [[v * scale for v in r.box] for r in regions],
            scores,
            [LABEL] * len(regions),
            region_id=[r.region_id for r in regions],
            still_since_s=[r.first_still_s for r in regions],
            occluded=[r.occluded_since_s is not None for r in regions],
        )
