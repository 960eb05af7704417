"""Which decoded frames go to analysis: pure timing logic, no video I/O."""

from __future__ import annotations

from enum import StrEnum


class SamplingMode(StrEnum):
    """How a camera's frames are chosen for analysis."""

    RATE = "rate"
    """Decode every frame, hand ``rate_fps`` frames per second to analysis."""
    KEYFRAMES = "keyframes"
    """Decode key frames only; the decoder skips everything else (cheapest by far)."""
    ALL = "all"
    """Decode and analyse every frame."""


class RateSampler:
    """Picks frames so that analysis sees ``rate_fps`` frames per second of media time.

    The schedule is anchored on the first frame and advances in fixed steps, so rounding never
    accumulates into drift; a gap in the stream (dropped frames, a reconnect) re-anchors instead
    of emitting a burst of catch-up frames.
    """

    def __init__(self, rate_fps: float) -> None:
        if rate_fps <= 0:
            raise ValueError(f"rate_fps must be positive, got {rate_fps}")
        self._period_s = 1.0 / rate_fps
        self._next_s: float | None = None

    def reset(self) -> None:
        """Forget the schedule, e.g. after a reconnect where the media clock restarts."""
        self._next_s = None

    def accept(self, time_s: float, frame_duration_s: float = 0.0) -> bool:
        """Whether the frame presented at ``time_s`` (seconds) is due for analysis.

        ``frame_duration_s`` is the spacing of the source's frames; a frame within half of it
        before the scheduled instant counts as on time, so a 25 fps source sampled at 1 fps
        yields exactly one frame per second.
        """
        if self._next_s is None or time_s < self._next_s - self._period_s:
            self._next_s = time_s
        tolerance_s = frame_duration_s / 2.0
        if time_s + tolerance_s < self._next_s:
            return False
        self._next_s += self._period_s
        if time_s + tolerance_s >= self._next_s:
            # A gap longer than one period: restart the schedule from this frame.
            self._next_s = time_s + self._period_s
        return True


class BestEffortTimestamp:
    """FFmpeg's ``guess_correct_pts``: trust whichever of pts and dts has gone backwards less.

    Some files carry broken presentation stamps (packed B-frames in AVI write decode order
    into pts); their decode stamps are the better clock.
    """

    def __init__(self) -> None:
        self._faulty_pts = 0
        self._faulty_dts = 0
        self._last_pts: int | None = None
        self._last_dts: int | None = None

    def __call__(self, pts: int | None, dts: int | None) -> int | None:
        if dts is not None:
            if self._last_dts is not None and dts <= self._last_dts:
                self._faulty_dts += 1
            self._last_dts = dts
        if pts is not None:
            if self._last_pts is not None and pts <= self._last_pts:
                self._faulty_pts += 1
            self._last_pts = pts
        if pts is not None and (self._faulty_pts <= self._faulty_dts or dts is None):
            return pts
        return dts
