"""Restart pacing: a camera dying again soon after its start waits longer each time."""

from __future__ import annotations

from pathlib import Path

import pytest

from detector.engine.restarts import RestartPolicy, record_start, restart_delay_s

POLICY = RestartPolicy(quick_s=30.0, initial_s=1.0, max_s=8.0)


@pytest.mark.parametrize(
    ("starts_s", "now_s", "delay_s"),
    [
        ([], 1000.0, 0.0),  # the first start
        ([900.0], 1000.0, 0.0),  # after a quiet spell
        ([990.0], 1000.0, 1.0),  # died 10 s after starting
        ([970.0, 990.0], 1000.0, 2.0),
        ([950.0, 970.0, 990.0], 1000.0, 4.0),
        ([930.0, 950.0, 970.0, 990.0], 1000.0, 8.0),
        ([i * 10.0 for i in range(1, 100)], 1000.0, 8.0),  # capped
        ([500.0, 600.0, 990.0], 1000.0, 1.0),  # only the latest run of quick restarts counts
        ([990.0, 500.0], 1000.0, 1.0),  # in any order
    ],
)
def test_quick_restarts_back_off_exponentially(
    starts_s: list[float], now_s: float, delay_s: float
) -> None:
    assert restart_delay_s(starts_s, now_s, POLICY) == delay_s


def test_the_history_lives_beside_the_spool(tmp_path: Path) -> None:
    folder = tmp_path / "cam-a"
    assert record_start(folder, 1000.0, POLICY) == 0.0
    assert record_start(folder, 1005.0, POLICY) == 1.0
    assert record_start(folder, 1010.0, POLICY) == 2.0
    (folder / "starts.json").write_text("{torn", encoding="utf-8")
    assert record_start(folder, 1015.0, POLICY) == 0.0  # a torn file only loses the history
