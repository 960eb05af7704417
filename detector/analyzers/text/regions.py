"""Text lines grouped into blocks, and tracks that tell a still poster from a running clock."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detector.analyzers.detections import box_coverage, box_iou, pair_iou
from detector.analyzers.text.appearance import (
    Box,
    Gray,
    Signature,
    content_distance,
    ring_still,
    signature,
    surroundings,
)
from detector.analyzers.text.config import TextConfig
from detector.analyzers.text.content import RegionContent

_GROUP_GAP = 0.6
"""Lines closer than this many (smaller) line heights belong to one block (one poster)."""
_FOUND_IN_PLACE_IOU = 0.5
"""Detection finding text at the same box this well means the text itself is still there."""
_REBOX_IOU = 0.8
_MAX_AREA_RATIO = 8.0
_HISTORY = 8
"""Contents remembered per region, to tell a return after an occlusion from a new content."""


@dataclass(frozen=True)
class TextLine:
    """One detected text line in source pixels."""

    box: Box
    score: float


@dataclass(frozen=True)
class TextBlock:
    """Neighbouring text lines of one zone: a poster, a sign, a caption (source pixels)."""

    box: Box
    lines: tuple[TextLine, ...]
    zone: int

    @property
    def score(self) -> float:
        return float(np.mean([line.score for line in self.lines]))


def as_array(boxes: Sequence[Box]) -> np.ndarray:
    return np.asarray(boxes, dtype=np.float32).reshape(len(boxes), 4)


def same_place_any(box: Box, others: Sequence[Box], iou_min: float, coverage_min: float) -> bool:
    """Whether ``box`` is at the place of one of ``others``, allowing jitter, splits, merges.

    Coverage counts only between boxes of comparable size: a word of a known sign line is
    the sign, but a poster is not known because some huge box once covered it.
    """
    if not others:
        return False
    one, many = as_array([box]), as_array(others)
    if float(box_iou(one, many).max()) >= iou_min:
        return True
    area = max(_area(box), 1e-6)
    ratios = np.array([max(_area(o), 1e-6) / area for o in others])
    comparable = (ratios <= _MAX_AREA_RATIO) & (ratios >= 1.0 / _MAX_AREA_RATIO)
    inside = box_coverage(one, many)[0]
    around = box_coverage(many, one)[:, 0]
    return bool((comparable & (np.maximum(inside, around) >= coverage_min)).any())


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def union_box(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def iou(a: Box, b: Box) -> float:
    return pair_iou(a, b)


def _near(a: Box, b: Box) -> bool:
    gap = _GROUP_GAP * min(a[3] - a[1], b[3] - b[1])
    gap_x = max(a[0], b[0]) - min(a[2], b[2])
    gap_y = max(a[1], b[1]) - min(a[3], b[3])
    return gap_x <= gap and gap_y <= gap


def group_lines(lines: Sequence[TextLine], zone: int) -> list[TextBlock]:
    """Blocks of lines that touch within a fraction of a line height (union-find)."""
    parent = list(range(len(lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            if _near(lines[i].box, lines[j].box):
                parent[root(i)] = root(j)
    groups: dict[int, list[TextLine]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(root(i), []).append(line)
    blocks = []
    for members in groups.values():
        box = members[0].box
        for line in members[1:]:
            box = union_box(box, line.box)
        blocks.append(TextBlock(box, tuple(members), zone))
    return blocks


class Seen(enum.Enum):
    """What one observation of a track's pixels showed."""

    SAME = "same"
    """Unchanged since its current content appeared."""
    RETURNED = "returned"
    """Back to an earlier content after something passed in front: it never really changed."""
    CHANGED = "changed"
    """New content in place, with nothing moving around it: the text itself changed."""
    DISTURBED = "disturbed"
    """Different, with movement around it: something in front; nothing is concluded."""


@dataclass(frozen=True)
class _Look:
    signature: Signature
    since_s: float


class TextTrack:
    """A new text region under watch: when its content appeared and how often it changed."""

    def __init__(self, track_id: int, block: TextBlock, gray: Gray, t_s: float) -> None:
        self.id = track_id
        self.zone = block.zone
        self.box = block.box
        self.lines = block.lines
        self.last_found_s = t_s
        self.change_times: list[float] = []
        self.content: RegionContent | None = None
        """What it showed when last still: set once reported, None while pending."""
        self.described_since_s: float | None = None
        """``still_since_s`` of the content that ``content`` describes."""
        self._looks = [_Look(self._signature(gray), t_s)]
        self._around = surroundings(gray, self.box)
        self._last_seen = Seen.SAME

    def _signature(self, gray: Gray) -> Signature:
        sig = signature(gray, self.box)
        return sig if sig is not None else np.zeros((1, 1), np.float32)

    @property
    def still_since_s(self) -> float:
        """When the current content appeared (after any passing occlusion)."""
        return self._looks[-1].since_s

    def observe(self, gray: Gray, t_s: float, found: TextBlock | None, cfg: TextConfig) -> Seen:
        """Compare this frame's pixels with the track's content; ``found`` is this frame's
        matching detection, if detection ran."""
        sig = signature(gray, self.box)
        around_before, self._around = self._around, surroundings(gray, self.box)
        self._last_seen = self._classify(sig, gray, around_before, found, t_s, cfg)
        return self._last_seen

    def _classify(
        self,
        sig: Signature | None,
        gray: Gray,
        around_before: Gray | None,
        found: TextBlock | None,
        t_s: float,
        cfg: TextConfig,
    ) -> Seen:
        if sig is None:
            return Seen.DISTURBED
        if content_distance(sig, self._looks[-1].signature) <= cfg.content_change:
            return Seen.SAME
        for index in range(len(self._looks) - 2, -1, -1):
            if content_distance(sig, self._looks[index].signature) <= cfg.content_change:
                # What was counted as change since then was something passing in front.
                later = self._looks[index + 1].since_s
                self.change_times = [c for c in self.change_times if c < later]
                del self._looks[index + 1 :]
                return Seen.RETURNED
        text_still_here = found is not None and iou(found.box, self.box) >= _FOUND_IN_PLACE_IOU
        if not (text_still_here or ring_still(around_before, gray, self.box)):
            return Seen.DISTURBED
        self._looks.append(_Look(sig, t_s))
        # Kept however old: a poster still for hours must be recognised after a passer-by.
        del self._looks[:-_HISTORY]
        self.change_times.append(t_s)
        return Seen.CHANGED

    def absorb(self, block: TextBlock, gray: Gray, t_s: float) -> None:
        """Take in this frame's matching detection; a grown block moves the watched box.

        A grown region (a second poster stuck beside the first, a line found late) is new
        content: it must stay still for ``stable_s`` again before it is described anew.
        """
        self.last_found_s = t_s
        grown = union_box(self.box, block.box)
        if iou(grown, self.box) >= _REBOX_IOU:
            if len(block.lines) > len(self.lines):
                self.lines = block.lines
            return
        self.box = grown
        self.lines = block.lines
        self._looks = [_Look(self._signature(gray), t_s)]
        self._around = surroundings(gray, self.box)

    def is_volatile(self, t_s: float, cfg: TextConfig) -> bool:
        """Changed in place often enough lately to be a clock, a counter or a caption."""
        recent = [c for c in self.change_times if t_s - c <= cfg.volatile_window_s]
        return len(recent) >= cfg.volatile_changes

    def is_still(self, t_s: float, cfg: TextConfig) -> bool:
        """Unchanged now and for ``stable_s``, and detection has found text in this content."""
        since = self.still_since_s
        return (
            self._last_seen in (Seen.SAME, Seen.RETURNED)
            and t_s - since >= cfg.stable_s
            and self.last_found_s >= since
        )

    def needs_description(self, t_s: float, cfg: TextConfig) -> bool:
        """Newly still: first time, or new content (a poster stuck over another) settled."""
        return self.is_still(t_s, cfg) and self.described_since_s != self.still_since_s

    def describe(self, content: RegionContent) -> None:
        self.content = content
        self.described_since_s = self.still_since_s

    def forgotten(self, t_s: float, cfg: TextConfig) -> bool:
        """Detection looked and has not found it for long: removed, or it never was text."""
        if self.content is not None:
            patience = cfg.forget_s
        else:
            # Pending regions that detection lost were mostly passing vehicles' lettering.
            patience = max(cfg.stable_s, 2 * cfg.ocr_interval_s)
        return t_s - self.last_found_s >= patience
