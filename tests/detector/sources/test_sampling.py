from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from detector.sources.backoff import ExponentialBackoff
from detector.sources.sampling import BestEffortTimestamp, RateSampler


@pytest.mark.parametrize(
    ("fps", "seconds", "rate_fps", "expected"),
    [
        (25, 10.0, 1.0, 10),
        (25, 10.0, 5.0, 50),
        (30, 10.0, 1.0, 10),
        (30, 10.0, 2.0, 20),
        (25, 10.0, 25.0, 250),
        (25, 10.0, 60.0, 250),  # cannot sample faster than the source
        (10, 10.0, 0.5, 5),
        (29.97, 10.0, 1.0, 10),
    ],
)
def test_rate_sampler_yields_rate_times_duration(
    fps: float, seconds: float, rate_fps: float, expected: int
) -> None:
    sampler = RateSampler(rate_fps)
    times = [i / fps for i in range(round(seconds * fps))]
    accepted = [t for t in times if sampler.accept(t, 1 / fps)]
    assert len(accepted) == expected
    if rate_fps < fps:
        gaps = [b - a for a, b in itertools.pairwise(accepted)]
        assert max(gaps) == pytest.approx(1 / rate_fps, abs=1 / fps)


def test_rate_sampler_restarts_after_a_gap_instead_of_bursting() -> None:
    sampler = RateSampler(1.0)
    before = [t / 25 for t in range(50)]
    after = [100 + t / 25 for t in range(50)]  # a 98 s hole, e.g. a stalled stream
    accepted = [t for t in before + after if sampler.accept(t, 0.04)]
    assert accepted == pytest.approx([0.0, 1.0, 100.0, 101.0])


def test_rate_sampler_re_anchors_when_the_clock_restarts() -> None:
    sampler = RateSampler(1.0)
    first = [t / 25 for t in range(100)]
    second = [t / 25 for t in range(50)]  # reconnect: media time starts at 0 again
    accepted = [t for t in first + second if sampler.accept(t, 0.04)]
    assert accepted == pytest.approx([0.0, 1.0, 2.0, 3.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        # Decoder output of a well-formed B-frame stream: pts rise, use them.
        ([(0, -2), (1, -1), (2, 0), (3, 1)], [0, 1, 2, 3]),
        # Packed AVI: pts go backwards repeatedly, dts are monotonic, so dts wins.
        ([(1, 0), (4, 4), (6, 5), (5, 6), (7, 7), (9, 8), (8, 9)], [1, 4, 6, 6, 7, 8, 9]),
        # No pts at all.
        ([(None, 0), (None, 1)], [0, 1]),
    ],
)
def test_best_effort_timestamp(stamps: list[tuple[int | None, int]], expected: list[int]) -> None:
    clock = BestEffortTimestamp()
    assert [clock(pts, dts) for pts, dts in stamps] == expected


def test_backoff_grows_exponentially_to_its_cap_with_bounded_jitter() -> None:
    backoff = ExponentialBackoff(1.0, 30.0, jitter=0.2, rng=random.Random(1))
    delays = [backoff.next_delay_s() for _ in range(10)]
    for n, delay in enumerate(delays):
        base = min(30.0, 2.0**n)
        assert base * 0.8 <= delay <= min(30.0, base * 1.2)
    assert delays[-1] <= 30.0
    backoff.reset()
    assert backoff.next_delay_s() <= 1.2


def test_backoff_jitter_spreads_cameras() -> None:
    firsts = {
        round(ExponentialBackoff(4.0, 60.0, rng=random.Random(seed)).next_delay_s(), 3)
        for seed in range(20)
    }
    assert len(firsts) > 10


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_s": 0.0},
        {"initial_s": 10.0, "max_s": 1.0},
        {"multiplier": 0.5},
        {"jitter": 1.0},
    ],
)
def test_backoff_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="backoff"):
        ExponentialBackoff(**kwargs)
