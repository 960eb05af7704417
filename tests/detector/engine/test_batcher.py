"""The micro-batcher without Ray: close requests share one model call, each caller gets its
own answer, a failing model fails every caller of its batch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from detector.engine.batcher import MicroBatcher

T = TypeVar("T")


def run_alone(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own: the browser tests' Playwright keeps an event
    loop running on the main thread for the whole session, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class FakeModel:
    """Doubles its inputs; remembers the batches it was given."""

    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.calls: list[list[int]] = []
        self.delay_s = delay_s
        self.fail = fail

    def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        time.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("model broke")
        return [item * 2 for item in items]


async def submit_all(batcher: MicroBatcher[int, int], items: list[int]) -> list[int]:
    return list(await asyncio.gather(*(batcher.submit(item) for item in items)))


@pytest.mark.parametrize(
    ("callers", "max_batch", "batches"),
    [(3, 8, [[0, 1, 2]]), (8, 8, [[0, 1, 2, 3, 4, 5, 6, 7]]), (5, 2, [[0, 1], [2, 3], [4]])],
)
def test_close_requests_share_a_call(
    callers: int, max_batch: int, batches: list[list[int]]
) -> None:
    model = FakeModel()
    batcher: MicroBatcher[int, int] = MicroBatcher(model, max_batch=max_batch, max_wait_ms=50)

    results = run_alone(submit_all(batcher, list(range(callers))))

    assert results == [item * 2 for item in range(callers)]
    assert model.calls == batches
    counts = batcher.counts()
    assert (counts.requests, counts.batches) == (callers, len(batches))
    assert counts.largest_batch == max(len(batch) for batch in batches)


def test_requests_arriving_while_the_model_runs_form_the_next_batch() -> None:
    model = FakeModel(delay_s=0.1)
    batcher: MicroBatcher[int, int] = MicroBatcher(model, max_batch=8, max_wait_ms=5)

    async def scenario() -> list[int]:
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0.03)  # the model is busy with [0] now
        later = [asyncio.ensure_future(batcher.submit(item)) for item in (1, 2, 3)]
        return list(await asyncio.gather(first, *later))

    assert run_alone(scenario()) == [0, 2, 4, 6]
    assert model.calls == [[0], [1, 2, 3]]


def test_a_lone_request_waits_no_longer_than_max_wait() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(FakeModel(), max_batch=8, max_wait_ms=10)
    started = time.monotonic()
    assert run_alone(submit_all(batcher, [21])) == [42]
    assert time.monotonic() - started < 1.0


def test_a_failing_model_fails_every_caller_of_the_batch() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(FakeModel(fail=True), max_wait_ms=10)

    async def scenario() -> list[object]:
        return await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)

    outcomes = run_alone(scenario())
    assert [str(outcome) for outcome in outcomes] == ["model broke"] * 3


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        MicroBatcher(FakeModel(), max_batch=0)
