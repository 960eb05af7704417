"""The text and poster analyzer: new, still text on wall zones (黑色小广告, posters)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from detector.analyzers.detections import Detections
from detector.analyzers.text.appearance import Box, Gray, int_box, to_gray
from detector.analyzers.text.config import TextConfig
from detector.analyzers.text.content import (
    RegionContent,
    has_phone_number,
    has_qr_code,
    is_time_stamp,
)
from detector.analyzers.text.engine import OcrEngine
from detector.analyzers.text.inventory import TextInventory
from detector.analyzers.text.regions import (
    TextBlock,
    TextLine,
    TextTrack,
    group_lines,
    same_place_any,
)
from detector.analyzers.text.zones import (
    ZoneWatch,
    detection_scale,
    resize_for_detection,
    zones_from_arrays,
)
from detector.sources.frames import Frame, ImageBGR

logger = logging.getLogger(__name__)

LABEL = "text_region"
_MAX_TRACKS = 256
_MAX_LINE_SHARE = 0.5
_REC_LINE_HEIGHT = 48
"""Recognition works on 48-pixel-high lines; small text is enlarged to that first."""


def frame_clock_s(frame: Frame) -> float:
    """Seconds the analyzer's timing runs on: UTC epoch seconds live, media seconds for files."""
    return frame.captured_at.timestamp() if frame.captured_at is not None else frame.media_time_s


class TextAnalyzer:
    """Reports text regions on wall zones that are new and have stayed still: posters, ads.

    Text is new when it is not in the camera's reference inventory: the reference image given
    at set-up and text that stayed unchanged during the first ``learn_s`` seconds. A new
    region is reported once its pixels stayed the same for ``stable_s``; one that keeps
    changing in place (a burned-in clock, a counter) is volatile and its place is ignored for
    good. Output holds only new, still regions (``is_new`` is always true; reference text is
    omitted), label ``text_region``, confidence the ad score (0-1), ``tracker_id`` stable per
    region, and ``data`` columns ``is_new``, ``still_since_s`` (on the frame clock: media
    seconds for files, UTC epoch seconds live), ``text``, ``has_phone``, ``has_qr``.
    """

    def __init__(
        self,
        zones: Sequence[npt.ArrayLike],
        config: TextConfig | None = None,
        *,
        reference_bgr: ImageBGR | None = None,
        engine: OcrEngine | None = None,
        name: str = "text",
    ) -> None:
        """``zones``: wall areas in source pixels, each a K×2 polygon or an x0,y0,x1,y1 box.
        ``engine``: a shared ``OcrEngine`` (one per worker thread); built from ``config`` if
        None, with the config's detection settings."""
        self.name = name
        self.config = config or TextConfig()
        self.engine = engine or OcrEngine(self.config)
        self.watches = [ZoneWatch(zone) for zone in zones_from_arrays(zones)]
        self.inventory = TextInventory(self.config)
        self.tracks: list[TextTrack] = []
        self._start_s: float | None = None
        self._learning = self.config.learn_s > 0
        self._last_snapshot_s = float("-inf")
        self._next_id = 1
        if reference_bgr is not None:
            gray = to_gray(reference_bgr)
            boxes = [
                line.box
                for i in range(len(self.watches))
                for line in self._detect(reference_bgr, i)
            ]
            self.inventory.add_reference(gray, boxes)

    def analyze(self, frame: Frame) -> Detections:
        if frame.image_bgr is None:
            raise ValueError("the text analyzer needs decoded images")
        image = frame.image_bgr
        t_s = frame_clock_s(frame)
        if self._start_s is None:
            self._start_s = t_s
        gray = to_gray(image)
        finishing = False
        if self._learning:
            if t_s - self._start_s < self.config.learn_s:
                self._learn(image, gray, t_s)
                return Detections.empty()
            self._learning = False
            finishing = True
        found = self._detect_due_zones(image, gray, t_s, force=finishing)
        if finishing:
            self.inventory.finish_learning(gray, [line.box for z in found.values() for line in z])
        unmatched = self._update_tracks(gray, t_s, set(found), self._unknown_blocks(found))
        self._start_tracks(gray, t_s, unmatched)
        self._describe_still(image, t_s)
        self._recheck_missed()
        return self._detections()

    def _recheck_missed(self) -> None:
        """A region detection missed may be gone: look again soon, not at the next refresh."""
        for index, watch in enumerate(self.watches):
            last_run = watch.last_run_s
            watch.recheck = last_run is not None and any(
                track.zone == index and track.last_found_s < last_run for track in self.tracks
            )

    def _learn(self, image: ImageBGR, gray: Gray, t_s: float) -> None:
        """Snapshots and an occasional detection; what stays unchanged becomes the inventory.

        Detection runs at the start and every ``ocr_refresh_s``, not on every change: text
        that appears and stays is found again when learning ends.
        """
        if t_s - self._last_snapshot_s >= self.config.learn_s / 3:
            self.inventory.keep_snapshot(gray)
            self._last_snapshot_s = t_s
        for index, watch in enumerate(self.watches):
            last = watch.last_run_s
            if last is None or not 0 <= t_s - last < self.config.ocr_refresh_s:
                self.inventory.learn(gray, [line.box for line in self._detect(image, index)])
                watch.mark_run(gray, t_s)

    def _detect(self, image: ImageBGR, zone_index: int) -> list[TextLine]:
        """Text lines of one zone in source pixels, centred inside the zone and big enough."""
        zone = self.watches[zone_index].zone
        crop_box = zone.crop_box(image.shape[1], image.shape[0])
        if crop_box is None:
            return []
        x0, y0, x1, y1 = crop_box
        scale = detection_scale(x1 - x0, y1 - y0, self.config.long_side_px, self.config.max_upscale)
        found = self.engine.detect(resize_for_detection(image[y0:y1, x0:x1], scale))
        zone_area = float((x1 - x0) * (y1 - y0))
        lines = []
        for line in found:
            bx0, by0, bx1, by1 = line.box_xyxy
            box = (x0 + bx0 / scale, y0 + by0 / scale, x0 + bx1 / scale, y0 + by1 / scale)
            area = (box[2] - box[0]) * (box[3] - box[1])
            # One "line" over most of a zone is texture (bricks, foliage), not text.
            plausible = self.config.min_box_area_px <= area <= _MAX_LINE_SHARE * zone_area
            if plausible and zone.holds_center(box):
                lines.append(TextLine(box, line.score))
        return lines

    def _detect_due_zones(
        self, image: ImageBGR, gray: Gray, t_s: float, *, force: bool
    ) -> dict[int, list[TextLine]]:
        """Lines of the zones that changed or are due a refresh (every zone when forced)."""
        found: dict[int, list[TextLine]] = {}
        cfg = self.config
        for index, watch in enumerate(self.watches):
            quiet = self.inventory.ignored
            if force or watch.due(gray, t_s, cfg.ocr_interval_s, cfg.ocr_refresh_s, quiet):
                found[index] = self._detect(image, index)
                watch.mark_run(gray, t_s)
        return found

    def _unknown_blocks(self, found: dict[int, list[TextLine]]) -> list[TextBlock]:
        """Lines neither in the inventory nor at an ignored place, grouped into blocks."""
        blocks: list[TextBlock] = []
        for index, lines in found.items():
            unknown = [
                line
                for line in lines
                if not self.inventory.is_known(line.box) and not self.inventory.is_ignored(line.box)
            ]
            blocks.extend(group_lines(unknown, index))
        return blocks

    def _update_tracks(
        self, gray: Gray, t_s: float, ran: set[int], blocks: list[TextBlock]
    ) -> list[TextBlock]:
        """Observe every track; returns the blocks that are at no track's place."""
        matches = self._match(blocks)
        kept = []
        for track in self.tracks:
            found = matches.get(track.id)
            track.observe(gray, t_s, found, self.config)
            if found is not None:
                track.absorb(found, gray, t_s)
            if track.is_volatile(t_s, self.config):
                logger.info("text region %d changes in place (clock/caption): ignored", track.id)
                self.inventory.ignore(track.box)
            elif track.zone in ran and found is None and track.forgotten(t_s, self.config):
                logger.debug("text region %d no longer detected: dropped", track.id)
            else:
                kept.append(track)
        self.tracks = kept
        places = [track.box for track in self.tracks]
        cfg = self.config
        return [
            block
            for block in blocks
            if not same_place_any(block.box, places, cfg.match_iou, cfg.match_coverage)
        ]

    def _match(self, blocks: list[TextBlock]) -> dict[int, TextBlock]:
        """Each track's best block at its place, greedily by overlap area."""
        pairs = []
        for track in self.tracks:
            for index, block in enumerate(blocks):
                if block.zone == track.zone and same_place_any(
                    block.box, [track.box], self.config.match_iou, self.config.match_coverage
                ):
                    pairs.append((_overlap(block.box, track.box), track.id, index))
        matches: dict[int, TextBlock] = {}
        used: set[int] = set()
        for _, track_id, index in sorted(pairs, reverse=True):
            if track_id not in matches and index not in used:
                matches[track_id] = blocks[index]
                used.add(index)
        return matches

    def _start_tracks(self, gray: Gray, t_s: float, blocks: list[TextBlock]) -> None:
        for block in blocks:
            if self.inventory.looks_like_reference(gray, block.box):
                # Detection missed it while learning, but it was there: reference text.
                for line in block.lines:
                    self.inventory.remember_known(line.box)
                continue
            if len(self.tracks) >= _MAX_TRACKS:
                logger.warning(
                    "text analyzer %s: %d regions under watch; skipping new ones",
                    self.name,
                    _MAX_TRACKS,
                )
                return
            self.tracks.append(TextTrack(self._next_id, block, gray, t_s))
            self._next_id += 1

    def _describe_still(self, image: ImageBGR, t_s: float) -> None:
        """Read (if enabled) and score regions whose content just became still."""
        kept = []
        for track in self.tracks:
            if track.needs_description(t_s, self.config):
                content = self._describe(image, track)
                if self._is_osd(content):
                    logger.info("text region %d reads as a time stamp: ignored", track.id)
                    self.inventory.ignore(track.box)
                    continue
                track.describe(content)
            kept.append(track)
        self.tracks = kept

    def _is_osd(self, content: RegionContent) -> bool:
        cfg = self.config
        return cfg.recognize and cfg.time_text_is_osd and is_time_stamp(content.text)

    def _describe(self, image: ImageBGR, track: TextTrack) -> RegionContent:
        text = ""
        if self.config.recognize:
            crops = [
                c for c in (_line_crop(image, line.box) for line in track.lines) if c is not None
            ]
            read = self.engine.recognize(crops)
            text = "\n".join(r.text for r in read if r.text.strip())
        return RegionContent(
            text=text,
            has_phone=bool(text) and has_phone_number(text),
            has_qr=has_qr_code(image, track.box),
            lines=len(track.lines),
            det_score=float(np.mean([line.score for line in track.lines])),
        )

    def _detections(self) -> Detections:
        shown = [t for t in self.tracks if t.content is not None]
        contents = [t.content for t in shown if t.content is not None]
        return Detections.build(
            [t.box for t in shown],
            [c.ad_score for c in contents],
            [LABEL] * len(shown),
            tracker_id=[t.id for t in shown],
            is_new=np.ones(len(shown), dtype=np.bool_),
            still_since_s=np.array([t.described_since_s for t in shown], dtype=np.float64),
            text=np.array([c.text for c in contents], dtype=np.str_),
            has_phone=np.array([c.has_phone for c in contents], dtype=np.bool_),
            has_qr=np.array([c.has_qr for c in contents], dtype=np.bool_),
        )


def _overlap(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy


def _line_crop(image: ImageBGR, box: Box) -> ImageBGR | None:
    """A line with a little margin, enlarged to recognition height if smaller."""
    pad = 0.15 * (box[3] - box[1])
    clipped = int_box(
        (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), image.shape[1], image.shape[0]
    )
    if clipped is None:
        return None
    x0, y0, x1, y1 = clipped
    crop = image[y0:y1, x0:x1]
    scale = _REC_LINE_HEIGHT / crop.shape[0]
    if scale <= 1.0:
        return np.ascontiguousarray(crop)
    return np.asarray(
        cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), np.uint8
    )
