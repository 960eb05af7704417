"""ByteTrack identities for detections, whichever backend produced them.

Ultralytics' ``BYTETracker`` is driven directly rather than through ``model.track``: the same
tracker then serves YOLOv5 checkpoints, it sees only the classes the class map keeps, one loaded
model can serve several cameras (``model.track`` keeps its tracker on the shared predictor), and
a detection the tracker has not confirmed yet stays in the output with ``tracker_id`` -1 instead
of vanishing for a frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detector.analyzers.detections import Detections

log = logging.getLogger(__name__)

TRACKER_CONFIG = "bytetrack.yaml"
"""Ultralytics' shipped ByteTrack defaults (thresholds, 30-frame buffer); read from disk."""


@dataclass(frozen=True, eq=False)
class _TrackerInput:
    """The slice of Ultralytics' ``Boxes`` interface that ``BYTETracker.update`` reads."""

    xywh: npt.NDArray[np.float32]
    conf: npt.NDArray[np.float32]
    cls: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, mask: npt.NDArray[np.bool_]) -> _TrackerInput:
        return _TrackerInput(self.xywh[mask], self.conf[mask], self.cls[mask])


def _tracker_input(detections: Detections) -> _TrackerInput:
    xyxy = detections.xyxy
    centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    xywh = np.concatenate([centre, xyxy[:, 2:] - xyxy[:, :2]], axis=1).astype(np.float32)
    kinds = sorted(set(detections.labels))
    cls = np.array([kinds.index(label) for label in detections.labels], np.float32)
    return _TrackerInput(xywh.reshape(-1, 4), detections.confidence, cls)


class ByteTrackIds:
    """Assigns stable ``tracker_id`` values to one camera's detections, frame after frame."""

    def __init__(self) -> None:
        from ultralytics.trackers.byte_tracker import BYTETracker
        from ultralytics.utils import YAML, IterableSimpleNamespace
        from ultralytics.utils.checks import check_yaml

        path = check_yaml(TRACKER_CONFIG)  # type: ignore[no-untyped-call]
        settings = IterableSimpleNamespace(**YAML.load(path))  # type: ignore[no-untyped-call]
        self._tracker: Any = BYTETracker(settings)  # type: ignore[no-untyped-call]

    def assign(self, detections: Detections) -> Detections:
        """``detections`` with tracker ids filled in; -1 where no confirmed track matches.

        Call once per analysed frame, in order: a frame without a call is, to the tracker,
        a frame that never happened.
        """
        rows: npt.NDArray[np.float64] = self._tracker.update(_tracker_input(detections))
        ids = np.full(len(detections), -1, np.int64)
        for row in rows:
            ids[int(row[-1])] = int(row[4])
        return Detections(
            xyxy=detections.xyxy,
            confidence=detections.confidence,
            labels=detections.labels,
            tracker_id=ids,
            data=detections.data,
        )
