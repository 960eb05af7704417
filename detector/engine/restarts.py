"""Restart pacing: a camera that dies again soon after it started waits longer each time, so
a crash loop (a poisoned file, a model that segfaults) never becomes a tight loop."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

STARTS_NAME = "starts.json"
KEEP_STARTS = 20


@dataclass(frozen=True)
class RestartPolicy:
    quick_s: float = 30.0
    """A start within this many seconds of the previous one counts as a quick restart."""
    initial_s: float = 1.0
    max_s: float = 300.0


def restart_delay_s(starts_s: list[float], now_s: float, policy: RestartPolicy) -> float:
    """Seconds to wait before starting at ``now_s``, given earlier start times (epoch seconds).

    The n-th quick restart in a row waits ``initial_s * 2**(n-1)``, capped at ``max_s``; one
    start after a quiet spell waits nothing.
    """
    quick = 0
    later_s = now_s
    for start_s in sorted(starts_s, reverse=True):
        if later_s - start_s >= policy.quick_s:
            break
        quick += 1
        later_s = start_s
    if quick == 0:
        return 0.0
    return float(min(policy.max_s, policy.initial_s * 2 ** (quick - 1)))


def record_start(folder: Path, now_s: float, policy: RestartPolicy) -> float:
    """Note a start in ``folder/starts.json`` (on the shared storage, so a camera restarted on
    another node sees its history) and return the delay before it may run."""
    path = folder / STARTS_NAME
    starts: list[float] = []
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
        starts = [float(s) for s in loaded if isinstance(s, int | float)]
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:  # a torn file only costs the pacing history
        log.warning("%s: unreadable (%s); restart pacing starts afresh", path, exc)
    delay_s = restart_delay_s(starts, now_s, policy)
    starts = [*starts, now_s][-KEEP_STARTS:]
    folder.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(starts), encoding="utf-8")
    temporary.replace(path)
    return delay_s
