"""Reconnect delays for live sources: exponential growth with jitter, pure and seedable."""

from __future__ import annotations

import random


class ExponentialBackoff:
    """Delays ``initial_s * multiplier**n`` capped at ``max_s``, each scaled by random jitter.

    Jitter spreads the reconnect attempts of many cameras behind one failed switch, so they do
    not hit the recorder in lock-step when it comes back.
    """

    def __init__(
        self,
        initial_s: float = 1.0,
        max_s: float = 60.0,
        multiplier: float = 2.0,
        jitter: float = 0.25,
        rng: random.Random | None = None,
    ) -> None:
        if initial_s <= 0 or max_s < initial_s or multiplier < 1 or not 0 <= jitter < 1:
            raise ValueError(
                "backoff needs 0 < initial_s <= max_s, multiplier >= 1 and 0 <= jitter < 1"
            )
        self.initial_s = initial_s
        self.max_s = max_s
        self.multiplier = multiplier
        self.jitter = jitter
        self._rng = rng or random.Random()
        self.failures = 0

    def next_delay_s(self) -> float:
        """The delay before the next attempt, in seconds; counts one more failure."""
        base_s = min(self.max_s, self.initial_s * self.multiplier**self.failures)
        self.failures += 1
        spread = self._rng.uniform(-self.jitter, self.jitter)
        return min(self.max_s, base_s * (1.0 + spread))

    def reset(self) -> None:
        """Start again from ``initial_s`` (after a connection that delivered frames)."""
        self.failures = 0
