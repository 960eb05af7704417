"""A camera's known text: what was there from the start, and places that are never ads."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from detector.analyzers.text.appearance import Box, Gray, Signature, content_distance, signature
from detector.analyzers.text.config import TextConfig
from detector.analyzers.text.regions import same_place_any

logger = logging.getLogger(__name__)

_SNAPSHOTS_WHILE_LEARNING = 3
"""Grey frames kept from the learning period: text hidden in one is usually visible in another."""
_PENDING_IOU = 0.5
_PENDING_COVERAGE = 0.9
_MAX_PLACES = 2000


@dataclass(frozen=True)
class _Pending:
    box: Box
    signature: Signature


class TextInventory:
    """Reference text of one camera, plus the ignore list of clock and caption places.

    Text is known when its box matches a reference box (IoU or coverage, tolerant to jitter
    and to detection splitting or merging lines), or when its pixels match the same place in a
    reference snapshot: it was there from the start even where detection missed it then.
    """

    def __init__(self, config: TextConfig) -> None:
        self.config = config
        self.boxes: list[Box] = []
        """Reference text lines, source pixels."""
        self.ignored: list[Box] = []
        """Places where text changes in place (clocks, captions): never new."""
        self.snapshots: list[Gray] = []
        self._pending: list[_Pending] = []

    def add_reference(self, gray: Gray, boxes: list[Box]) -> None:
        """Text of a set-up reference image: known as it is, without any waiting."""
        self.snapshots.append(gray)
        for box in boxes:
            self._add(self.boxes, box)

    def learn(self, gray: Gray, boxes: list[Box]) -> None:
        """Text detected during learning; it joins the inventory if still unchanged at the end."""
        for box in boxes:
            if same_place_any(box, [p.box for p in self._pending], _PENDING_IOU, _PENDING_COVERAGE):
                continue
            sig = signature(gray, box)
            if sig is not None:
                self._pending.append(_Pending(box, sig))

    def keep_snapshot(self, gray: Gray) -> None:
        if len(self.snapshots) < _SNAPSHOTS_WHILE_LEARNING + 1:
            self.snapshots.append(gray)

    def finish_learning(self, gray: Gray, boxes_now: list[Box]) -> None:
        """Keep the text that stayed the same; clocks and passing lorries drop out.

        ``boxes_now`` are lines detected on the last frame: those that look as in an earlier
        snapshot were there, unchanged, during learning.
        """
        for pending in self._pending:
            now = signature(gray, pending.box)
            if now is not None and self._same(now, pending.signature):
                self._add(self.boxes, pending.box)
        for box in boxes_now:
            if not self.is_known(box) and self.looks_like_reference(gray, box):
                self._add(self.boxes, box)
        logger.info(
            "text inventory learned: %d still text lines (%d seen while learning, %d at its end)",
            len(self.boxes),
            len(self._pending),
            len(boxes_now),
        )
        self._pending.clear()

    def is_known(self, box: Box) -> bool:
        return same_place_any(box, self.boxes, self.config.match_iou, self.config.match_coverage)

    def is_ignored(self, box: Box) -> bool:
        return same_place_any(box, self.ignored, self.config.match_iou, self.config.match_coverage)

    def looks_like_reference(self, gray: Gray, box: Box) -> bool:
        """Whether the pixels at ``box`` are as in a reference snapshot of the same size."""
        now = signature(gray, box)
        if now is None:
            return False
        for snapshot in self.snapshots:
            if snapshot.shape != gray.shape:
                continue
            then = signature(snapshot, box)
            if then is not None and self._same(now, then):
                return True
        return False

    def remember_known(self, box: Box) -> None:
        self._add(self.boxes, box)

    def ignore(self, box: Box) -> None:
        self._add(self.ignored, box)

    def _same(self, a: Signature, b: Signature) -> bool:
        return content_distance(a, b) <= self.config.content_change

    @staticmethod
    def _add(places: list[Box], box: Box) -> None:
        if len(places) >= _MAX_PLACES:
            logger.warning("text inventory full (%d places); %s not added", _MAX_PLACES, box)
            return
        places.append(box)
