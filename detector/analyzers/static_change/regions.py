"""Still regions over time: appearance, stability, occlusion, ghosts and shadows. Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from detector.analyzers.detections import pair_coverage, pair_iou
from detector.analyzers.static_change.background import ChangeMasks, Image, Mask
from detector.analyzers.static_change.config import StaticChangeConfig

BoxXYXY = tuple[int, int, int, int]
"""Box in analysis pixels, x2/y2 exclusive."""

# A region whose border shows this much more background edge than frame edge is a hole left by
# something that was in the background when it was learned (a ghost), not a new object.
GHOST_EDGE_RATIO = 1.5
MIN_EDGE_STRENGTH = 6.0
SHADOW_RATIO = (0.35, 0.92)
"""A shadow darkens the ground by a roughly constant factor in this range…"""
SHADOW_CHROMA_SPREAD = 0.08
"""…equally in every colour channel…"""
SHADOW_RIM_SHARPNESS = 1.0
"""…and its rim adds less edge strength (Sobel) than it darkens the ground."""


GROWTH_CONFIRM_S = 3.0
"""A region grows only when its blob has reached beyond it for this long."""


@dataclass
class StillRegion:
    """One region newly occupied and then still, tracked across frames."""

    region_id: int
    box: BoxXYXY
    mask: Mask
    """Pixels of the region within ``box``."""
    first_still_s: float
    last_seen_s: float
    anchor: BoxXYXY
    """Where the region was when it last became stable; appearance is compared there, so
    a box that jitters by a pixel or two does not hide a change of content."""
    template: Image
    """The frame's crop of ``anchor`` when the region last became stable."""
    template_valid: Mask
    """Template pixels that showed the region itself, not someone walking in front of it."""
    hits: int = 1
    """Frames in which the region was seen still."""
    seen_now: bool = True
    """Seen in the latest frame (not merely kept alive while hidden)."""
    growing_since_s: float | None = None
    """Since when its still blob has reached beyond ``anchor``."""
    observations: int = 1
    """Frames since the region started, seen or not."""
    occluded_since_s: float | None = None

    @property
    def visible_fraction(self) -> float:
        return self.hits / self.observations


def box_of(mask: Mask) -> BoxXYXY:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _grow(box: BoxXYXY, pixels: int) -> BoxXYXY:
    return (box[0] - pixels, box[1] - pixels, box[2] + pixels, box[3] + pixels)


def _union(a: BoxXYXY, b: BoxXYXY) -> BoxXYXY:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def crop(image: npt.NDArray[np.float32], box: BoxXYXY) -> npt.NDArray[np.float32]:
    x1, y1, x2, y2 = box
    return image[y1:y2, x1:x2]


def _gradient(image: Image) -> npt.NDArray[np.float32]:
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    return np.asarray(cv2.magnitude(gx, gy), dtype=np.float32)


def _border(mask: Mask) -> Mask:
    kernel = np.ones((3, 3), np.uint8)
    as_u8 = mask.astype(np.uint8)
    band: Mask = (cv2.dilate(as_u8, kernel) - cv2.erode(as_u8, kernel)).astype(bool)
    return band


def edge_balance(frame: Image, background: Image, mask: Mask, box: BoxXYXY) -> tuple[float, float]:
    """Mean edge strength the frame adds and loses against the background on the border."""
    x1, y1, x2, y2 = box
    pad = 2
    h, w = mask.shape
    window = (max(0, x1 - pad), max(0, y1 - pad), min(w, x2 + pad), min(h, y2 + pad))
    band = _border(crop(mask.astype(np.float32), window) > 0)
    if not band.any():
        return 0.0, 0.0
    frame_edges = _gradient(crop(frame, window))[band]
    background_edges = _gradient(crop(background, window))[band]
    added = float(np.clip(frame_edges - background_edges, 0, None).mean())
    lost = float(np.clip(background_edges - frame_edges, 0, None).mean())
    return added, lost


def is_ghost(frame: Image, background: Image, mask: Mask, box: BoxXYXY) -> bool:
    """The background shows an object here that the frame does not: it left."""
    added, lost = edge_balance(frame, background, mask, box)
    return lost > MIN_EDGE_STRENGTH and lost > GHOST_EDGE_RATIO * added


def is_shadow(frame: Image, background: Image, mask: Mask, box: BoxXYXY) -> bool:
    """Uniformly darker ground with a soft rim; a dark object has a crisp outline of its own.

    The rim test compares the edge strength the region adds on its border with how much it
    darkens the ground: a shadow's penumbra spreads its step over many pixels, an object's
    outline puts it in one or two.
    """
    pixels = mask.astype(bool)
    ratio = frame[pixels] / np.maximum(background[pixels], 1.0)
    per_channel = np.median(ratio, axis=0)
    darker = SHADOW_RATIO[0] < float(per_channel.mean()) < SHADOW_RATIO[1]
    even = float(per_channel.max() - per_channel.min()) < SHADOW_CHROMA_SPREAD
    if not (darker and even):
        return False
    darkening = float((background[pixels] - frame[pixels]).mean())
    added, _ = edge_balance(frame, background, mask, box)
    return added < SHADOW_RIM_SHARPNESS * darkening


def _visible(masks: ChangeMasks, box: BoxXYXY) -> Mask:
    x1, y1, x2, y2 = box
    visible: Mask = ~masks.moving[y1:y2, x1:x2]
    return visible


def _set_template(region: StillRegion, box: BoxXYXY, masks: ChangeMasks) -> None:
    region.anchor = box
    region.template = crop(masks.frame, box).copy()
    region.template_valid = _visible(masks, box)


class RegionTracker:
    """Follows still blobs from frame to frame and decides which are real still objects."""

    def __init__(self, config: StaticChangeConfig) -> None:
        self.config = config
        self.regions: list[StillRegion] = []
        self._next_id = 1

    def protect_mask(self, shape: tuple[int, int]) -> Mask:
        """Pixels the long-term background must not learn: regions under watch."""
        protect = np.zeros(shape, dtype=bool)
        for region in self.regions:
            x1, y1, x2, y2 = region.box
            protect[y1:y2, x1:x2] = True
        return protect

    def is_new(self, blob: Mask) -> bool:
        """Whether ``blob`` belongs to no tracked region."""
        return all(not self._belongs(region, box_of(blob)) for region in self.regions)

    def update(self, blobs: list[Mask], masks: ChangeMasks, t_s: float) -> None:
        """Match this frame's blobs to regions, start regions for the rest, expire old ones."""
        unmatched = list(blobs)
        for region in self.regions:
            region.observations += 1
            region.seen_now = False
            claimed = [i for i, blob in enumerate(unmatched) if self._belongs(region, box_of(blob))]
            if not claimed:
                self._unseen(region, masks, t_s)
                continue
            # Someone walking across an object cuts its blob in pieces: they are one region.
            union = np.logical_or.reduce([unmatched[i] for i in claimed])
            unmatched = [blob for i, blob in enumerate(unmatched) if i not in claimed]
            self._seen(region, union, masks, t_s)
        self.regions = [r for r in self.regions if not self._expired(r, t_s)]
        self._start_new(unmatched, masks, t_s)

    @staticmethod
    def _belongs(region: StillRegion, box: BoxXYXY) -> bool:
        return (
            pair_coverage(box, _grow(region.anchor, 4)) >= 0.6 or pair_iou(region.box, box) >= 0.3
        )

    def _seen(self, region: StillRegion, blob: Mask, masks: ChangeMasks, t_s: float) -> None:
        box = box_of(blob)
        current = crop(masks.frame, region.anchor)
        visible = _visible(masks, region.anchor)
        comparable = visible & region.template_valid
        # Judge the content only while most of it is in view, not while someone stands in front.
        if comparable.mean() >= 0.6:
            change = float(np.abs(current - region.template).max(axis=2)[comparable].mean())
            if change > self.config.stability_threshold:
                # Its content changed in place (traffic, a screen, a clock): stillness starts
                # again from here.
                region.first_still_s = t_s
                _set_template(region, box, masks)
                self._mark_seen(region, blob, masks, t_s)
                return
        # Fill in what passers-by hid when the template was taken.
        fill = visible & ~region.template_valid
        region.template[fill] = current[fill]
        region.template_valid |= visible
        if pair_coverage(box, _grow(region.anchor, 4)) >= 0.9:
            region.growing_since_s = None
        elif region.growing_since_s is None:
            region.growing_since_s = t_s
        elif t_s - region.growing_since_s >= GROWTH_CONFIRM_S:
            # It grew and stayed grown (more goods put down): watch the larger place and keep
            # its stillness. Someone pausing beside it for a moment does not count.
            _set_template(region, _union(box, region.anchor), masks)
            region.growing_since_s = None
        self._mark_seen(region, blob, masks, t_s)

    @staticmethod
    def _mark_seen(region: StillRegion, blob: Mask, masks: ChangeMasks, t_s: float) -> None:
        x1, y1, x2, y2 = region.box = region.anchor
        region.mask = masks.changed[y1:y2, x1:x2].copy()
        region.last_seen_s = t_s
        region.seen_now = True
        region.hits += 1
        region.occluded_since_s = None

    def _unseen(self, region: StillRegion, masks: ChangeMasks, t_s: float) -> None:
        x1, y1, x2, y2 = region.box
        hidden = masks.moving[y1:y2, x1:x2] | masks.changed[y1:y2, x1:x2]
        moving_over = masks.moving[y1:y2, x1:x2].mean() > 0.2
        if moving_over and hidden.mean() > 0.5:
            if region.occluded_since_s is None:
                region.occluded_since_s = t_s
            region.last_seen_s = t_s
        else:
            # In plain view and not there: it is gone (or going), not hidden.
            region.occluded_since_s = None

    def _expired(self, region: StillRegion, t_s: float) -> bool:
        if region.observations >= 4 and region.visible_fraction < self.config.min_visible_fraction:
            # Hidden more often than seen: a lane of passing traffic, not a still object.
            return True
        if region.occluded_since_s is not None:
            return t_s - region.occluded_since_s > self.config.max_occlusion_s
        return t_s - region.last_seen_s > self.config.clear_after_s

    def _start_new(self, blobs: list[Mask], masks: ChangeMasks, t_s: float) -> None:
        for blob in blobs:
            box = box_of(blob)
            mask = crop(blob.astype(np.float32), box) > 0
            self.regions.append(
                StillRegion(
                    region_id=self._next_id,
                    box=box,
                    mask=mask,
                    first_still_s=t_s,
                    last_seen_s=t_s,
                    anchor=box,
                    template=crop(masks.frame, box).copy(),
                    template_valid=_visible(masks, box),
                )
            )
            self._next_id += 1
