"""Time, injected.

Everything in the runtime that waits or compares deadlines takes a :class:`Clock` so that tests can
drive time by hand (:class:`FakeClock`). Two readings are offered because they answer different
questions:

* ``monotonic()`` — seconds on a clock that never jumps; every deadline, backoff and lease
  expiry is measured on it (a wall-clock step must never expire a lease or wake a queue early).
* ``now()`` — timezone-aware UTC wall time; only for values written into objects
  (``status.conditions[].lastUpdateTime``, pause start times, Lease ``renewTime``) and handed to
  the pure core as its ``now`` argument.

The pure core never imports this module: it receives ``now`` as an argument.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when a test calls :meth:`advance`.

    ``sleep`` parks the caller until the fake time reaches its deadline; ``advance`` wakes every
    sleeper whose deadline has passed, in deadline order, and yields to the event loop so that the
    woken tasks run before ``advance`` returns.
    """

    def __init__(self, start: datetime | None = None, monotonic_start: float = 1000.0) -> None:
        self._mono = monotonic_start
        self._wall = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._wall

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + seconds, next(self._seq), fut))
        await fut

    @property
    def sleepers(self) -> int:
        """How many tasks are parked in :meth:`sleep` (cancelled ones excluded)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, waking sleepers whose deadline is reached."""
        target = self._mono + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, fut = heapq.heappop(self._sleepers)
            self._wall += timedelta(seconds=deadline - self._mono)
            self._mono = deadline
            if not fut.done():
                fut.set_result(None)
            await _settle()
        self._wall += timedelta(seconds=target - self._mono)
        self._mono = target
        await _settle()


async def _settle(rounds: int = 5) -> None:
    # Let woken tasks run (and chain into further awaits) before time moves again.
    for _ in range(rounds):
        await asyncio.sleep(0)
