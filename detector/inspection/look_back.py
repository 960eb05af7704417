"""Look back (回头看): is a rectified ticket's violation back in the same zone? Pure logic.

The decision reads the scene rules' per-frame observations, not raised incidents: an incident
needs the rule's dwell (a stall must stand still for minutes), longer than a look-back window.
A single frame proves little (a person pausing, a shadow), so the thing must show in a share
of the sampled frames, and only where the ticket's box was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from detector.rules.geometry import BoxXYXY
from detector.rules.scene import SceneConfig

MIN_SHARE = 0.5
"""Share of the window's sampled frames that must show the violation for it to be back."""
MIN_OVERLAP = 0.3
"""Intersection over union with the ticket's box that counts as the same place: a pile
rebuilt half a width aside still counts, a thing at the next shop does not."""
MIN_FRAMES = 2
"""Never 'back' on one frame, however short the window."""

RELATED_TYPES: tuple[frozenset[str], ...] = (frozenset({"clutter", "stall", "out_of_store"}),)
"""Types the rules tell apart only by what stands next to the thing (a person, a door line):
a reviewer's 'stall' comes back as the weights-free analyzer's 'clutter' when no model sees
the vendor, and it is the same thing on the same ground."""


class Outcome(StrEnum):
    BACK = "back"
    CLEAR = "clear"


@dataclass(frozen=True)
class Sighting:
    """One per-frame observation of a violation: its type and box (source pixels)."""

    type: str
    box_xyxy: BoxXYXY


@dataclass(frozen=True)
class LookBackPolicy:
    min_share: float = MIN_SHARE
    min_overlap: float = MIN_OVERLAP
    min_frames: int = MIN_FRAMES


@dataclass(frozen=True)
class LookBackDecision:
    """The outcome and the evidence behind it, for the table and the look-back's note."""

    outcome: Outcome
    frames: int
    """Sampled frames in the window."""
    frames_seen: int
    """Frames showing the ticket's type (or a related one) over its box by ``min_overlap``."""
    best_overlap: float
    """Highest intersection over union of a matching sighting with the ticket's box (0-1)."""
    policy: LookBackPolicy

    @property
    def note(self) -> str:
        return (
            f"{self.outcome.value}: seen in {self.frames_seen} of {self.frames} sampled frames, "
            f"best overlap {self.best_overlap:.2f} (back from {self.policy.min_share:.0%} of "
            f"frames at overlap {self.policy.min_overlap:.2f} or more)"
        )


def related(code: str) -> frozenset[str]:
    """``code`` and the types that mean the same thing on the ground."""
    return next((group for group in RELATED_TYPES if code in group), frozenset({code}))


def iou(a: BoxXYXY, b: BoxXYXY) -> float:
    """Intersection over union of two boxes; 0 for boxes of no size."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def decide_look_back(
    ticket_type: str,
    box_xyxy: BoxXYXY,
    frames: Sequence[Sequence[Sighting]],
    policy: LookBackPolicy | None = None,
) -> LookBackDecision:
    """Back when at least ``min_share`` of the sampled ``frames`` (and ``min_frames``) show the
    ticket's type or a related one overlapping ``box_xyxy`` by ``min_overlap``; else clear."""
    policy = policy or LookBackPolicy()
    if not frames:
        raise ValueError("a look-back needs at least one sampled frame")
    types = related(ticket_type)
    seen, best = 0, 0.0
    for sightings in frames:
        overlaps = [iou(s.box_xyxy, box_xyxy) for s in sightings if s.type in types]
        top = max(overlaps, default=0.0)
        best = max(best, top)
        seen += top >= policy.min_overlap
    back = seen >= policy.min_frames and seen >= policy.min_share * len(frames)
    return LookBackDecision(
        Outcome.BACK if back else Outcome.CLEAR, len(frames), seen, round(best, 3), policy
    )


def blind_spot(scene: SceneConfig, ticket_type: str, now_utc: datetime) -> str | None:
    """Why this camera cannot judge ``ticket_type`` now (None: it can). A rule switched off,
    without zones, or outside its active hours never observes anything, and 'clear' from it
    would close a ticket on no evidence."""
    watched = [
        code
        for code in sorted(related(ticket_type))
        if scene.rule(code).enabled and scene.zones_for(code)
    ]
    if not watched:
        return f"the scene does not watch {ticket_type}"
    # The ticket's own rule says when its violation counts (a stall at 2 a.m. may be allowed).
    windows = scene.rule(ticket_type).active
    local = now_utc.astimezone(ZoneInfo(scene.timezone)).time()
    if windows and not any(window.contains(local) for window in windows):
        return f"{ticket_type} is outside the rule's active hours now"
    return None
