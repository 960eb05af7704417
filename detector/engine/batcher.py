"""Micro-batching: requests that arrive close together go through one call of the model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class BatchCounts:
    """What the batcher has done so far."""

    requests: int
    batches: int
    largest_batch: int


class MicroBatcher(Generic[T, R]):
    """``await submit(item)`` from many coroutines; items arriving within ``max_wait_ms`` of
    the first waiting one (or ``max_batch`` of them) run as one ``run(items)`` call in a
    thread, one batch at a time: while the model works, the next batch gathers."""

    def __init__(
        self,
        run: Callable[[list[T]], list[R]],
        *,
        max_batch: int = 8,
        max_wait_ms: float = 10.0,
    ) -> None:
        if max_batch < 1 or max_wait_ms < 0:
            raise ValueError("max_batch must be ≥ 1 and max_wait_ms ≥ 0")
        self._run = run
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000.0
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._model = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._requests = 0
        self._batches = 0
        self._largest = 0

    def counts(self) -> BatchCounts:
        return BatchCounts(self._requests, self._batches, self._largest)

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        self._requests += 1
        if len(self._waiting) >= self.max_batch:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_wait_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        task = asyncio.get_running_loop().create_task(self._drain())
        self._tasks.add(task)  # held so the loop does not drop it half-way
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        # Items are taken when the model is free, so those that came while it ran join in.
        async with self._model:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._run_batch(batch)

    async def _run_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self._batches += 1
        self._largest = max(self._largest, len(batch))
        items = [item for item, _ in batch]
        try:
            results = await asyncio.to_thread(self._run, items)
            if len(results) != len(items):
                raise RuntimeError(f"the model gave {len(results)} results for {len(items)}")
        # Every caller of the batch must hear of the failure, whatever it is.
        except Exception as exc:  # noqa: BLE001
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
