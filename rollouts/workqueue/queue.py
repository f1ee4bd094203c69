"""The work queue: client-go's de-duplicating, delaying queue on asyncio and an injected clock.

A key is in at most one of three places, and the queue's invariants are stated over them:

* ``_ready`` — FIFO of keys to hand out. A key appears in it at most once.
* ``_processing`` — keys handed out by :meth:`WorkQueue.get` and not yet :meth:`~WorkQueue.done`
  (with the monotonic time they were handed out). A key in it is never in ``_ready``: no key is
  ever handed to two workers at once.
* ``_dirty`` — keys that need processing: every key in ``_ready``, plus keys re-added while they
  were being processed. When such a key is done it goes to the back of ``_ready``; so a key
  added any number of times while it waits is handed out once ("once per dirty period").

Delayed keys (:meth:`WorkQueue.add_after`) wait in a :class:`~rollouts.workqueue.deadlines.DeadlineHeap`
until their deadline on the injected clock; the heap is polled at the start of every public
operation (so the FIFO order is as if each key had been added exactly at its deadline) and by one
background task (see :meth:`WorkQueue.run`) that wakes blocked getters when a
deadline passes. The same task group publishes the unfinished-work gauges every 0.5 s, as client-go
does. Use the queue as an async context manager, or run :meth:`WorkQueue.run` in your own
TaskGroup; either way nothing outlives :meth:`WorkQueue.shutdown`.

Shut-down differs from client-go in one deliberate way: keys still waiting are abandoned (getters
raise :class:`QueueShutDown` at once, even if keys were ready) because a stopping controller must
not start new reconciles; :meth:`WorkQueue.shutdown_with_drain` then waits, within a bound, for
the reconciles already running.

All methods but :meth:`get`, :meth:`run` and :meth:`shutdown_with_drain` are synchronous and
must be called from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Self, TypeVar

from rollouts.clock import Clock
from rollouts.workqueue.deadlines import DeadlineHeap
from rollouts.workqueue.metrics import NoopMetricsProvider, QueueMetricsProvider

K = TypeVar("K", bound=Hashable)

# client-go refreshes the unfinished-work gauges on this period.
UNFINISHED_WORK_UPDATE_PERIOD = 0.5


class QueueShutDown(Exception):
    """The queue is shut down: a worker that sees this should return."""


class QueueEmpty(Exception):
    """:meth:`WorkQueue.get_nowait` found no key ready."""


@dataclass(frozen=True)
class QueueSnapshot(Generic[K]):
    """A read-only view of the queue, for tests, debugging and health checks."""

    ready: tuple[K, ...]  # in hand-out order
    dirty: frozenset[K]  # ready keys and keys re-added while processing
    processing: frozenset[K]
    waiting: int  # keys delayed until a deadline


class WorkQueue(Generic[K]):
    """A de-duplicating FIFO of keys with delayed adds; ``name`` labels its metrics.

    ``len(queue)`` and the depth metric count the dirty keys (ready, or re-added while being
    processed), as client-go's depth does.
    """

    def __init__(self, name: str, *, clock: Clock, metrics: QueueMetricsProvider | None = None) -> None:
        self.name = name
        self._clock = clock
        self._ready: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: dict[K, float] = {}
        self._added_at: dict[K, float] = {}
        self._delayed: DeadlineHeap[K] = DeadlineHeap()
        self._getters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False
        self._stopped = asyncio.Event()  # set by shutdown(); ends the background loops
        self._deadline_changed = asyncio.Event()  # re-arms the delayed-key timer
        self._idle = asyncio.Event()  # set exactly when nothing is processing
        self._idle.set()
        self._running = False
        self._task_group: asyncio.TaskGroup | None = None

        provider = metrics if metrics is not None else NoopMetricsProvider()
        self._depth = provider.depth(name)
        self._adds = provider.adds(name)
        self._latency = provider.queue_latency(name)
        self._work_duration = provider.work_duration(name)
        self._unfinished_work = provider.unfinished_work_seconds(name)
        self._longest_running = provider.longest_running_processor_seconds(name)
        self._retries = provider.retries(name)

    # -- adding ----------------------------------------------------------------------------------

    def add(self, key: K) -> None:
        """Mark ``key`` as needing processing. No-op if it already does, or after shut-down."""
        self._promote_due()
        self._add(key)

    def _add(self, key: K) -> None:
        if self._shutting_down or key in self._dirty:
            return
        self._dirty.add(key)
        self._adds.inc()
        self._added_at.setdefault(key, self._clock.monotonic())
        if key not in self._processing:
            # A key being processed is queued again by done(), never here.
            self._ready.append(key)
            self._wake_one_getter()
        self._depth.set(len(self._dirty))

    def add_after(self, key: K, delay: float) -> None:
        """Add ``key`` once ``delay`` seconds have passed; if it already waits, the earlier deadline wins."""
        if not math.isfinite(delay):
            raise ValueError(f"delay for {key!r} must be a finite number of seconds, got {delay!r}")
        if self._shutting_down:
            return
        self._promote_due()
        self._retries.inc()
        if delay <= 0:
            self._add(key)
            return
        if self._delayed.schedule(key, self._clock.monotonic() + delay):
            self._deadline_changed.set()

    # -- handing out -----------------------------------------------------------------------------

    async def get(self) -> K:
        """The next key, waiting until one is ready. Raises :class:`QueueShutDown` once shut down.

        The caller owns the key until it calls :meth:`done` with it (use ``try/finally``).
        """
        while True:
            if self._shutting_down:
                raise QueueShutDown(self.name)
            self._promote_due()
            if self._ready:
                return self._hand_out()
            woken = asyncio.get_running_loop().create_future()
            self._getters.append(woken)
            try:
                await woken
            except asyncio.CancelledError:
                if woken in self._getters:
                    self._getters.remove(woken)
                elif self._ready:
                    # We were woken for a key we will not take: pass the wake-up on.
                    self._wake_one_getter()
                raise

    def get_nowait(self) -> K:
        """The next key if one is ready now, else :class:`QueueEmpty`."""
        if self._shutting_down:
            raise QueueShutDown(self.name)
        self._promote_due()
        if not self._ready:
            raise QueueEmpty(self.name)
        return self._hand_out()

    def done(self, key: K) -> None:
        """The worker holding ``key`` has finished; re-queue it if it was added meanwhile."""
        self._promote_due()
        started = self._processing.pop(key, None)
        if started is None:
            raise ValueError(f"done({key!r}) on queue {self.name!r}: the key is not being processed")
        self._work_duration.observe(self._clock.monotonic() - started)
        if key in self._dirty:
            self._ready.append(key)
            self._wake_one_getter()
        if not self._processing:
            self._idle.set()

    def __aiter__(self) -> AsyncIterator[K]:
        return self

    async def __anext__(self) -> K:
        try:
            return await self.get()
        except QueueShutDown:
            raise StopAsyncIteration from None

    # -- inspecting ------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Keys waiting to be handed out (ready, or re-added while processing) — the depth metric."""
        self._promote_due()
        return len(self._dirty)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def snapshot(self) -> QueueSnapshot[K]:
        self._promote_due()
        return QueueSnapshot(
            ready=tuple(self._ready),
            dirty=frozenset(self._dirty),
            processing=frozenset(self._processing),
            waiting=len(self._delayed),
        )

    # -- lifecycle -------------------------------------------------------------------------------

    async def run(self) -> None:
        """The queue's background work; returns after :meth:`shutdown`. Run it exactly once."""
        if self._running:
            raise RuntimeError(f"queue {self.name!r} is already running")
        self._running = True
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._release_delayed_keys())
            tasks.create_task(self._publish_unfinished_work())

    async def __aenter__(self) -> Self:
        self._task_group = asyncio.TaskGroup()
        await self._task_group.__aenter__()
        self._task_group.create_task(self.run())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()
        assert self._task_group is not None, "__aexit__ without __aenter__"
        await self._task_group.__aexit__(exc_type, exc, tb)

    def shutdown(self) -> None:
        """Stop accepting keys, abandon those waiting, and make every getter raise QueueShutDown.

        Keys being processed stay owned by their workers, who still call :meth:`done`.
        """
        if self._shutting_down:
            return
        self._shutting_down = True
        self._ready.clear()
        self._dirty.clear()
        self._added_at.clear()
        self._delayed.clear()
        self._depth.set(0)
        self._stopped.set()
        self._deadline_changed.set()
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)

    async def shutdown_with_drain(self, within: float) -> bool:
        """:meth:`shutdown`, then wait up to ``within`` seconds (on the clock) for in-flight keys.

        Returns True if every in-flight key was done in time.
        """
        if not math.isfinite(within) or within < 0:
            raise ValueError(f"drain bound must be a finite, non-negative number of seconds, got {within!r}")
        self.shutdown()
        return await _wait_for_event(self._clock, self._idle, within)

    # -- internals -------------------------------------------------------------------------------

    def _hand_out(self) -> K:
        key = self._ready.popleft()
        self._dirty.discard(key)
        now = self._clock.monotonic()
        self._processing[key] = now
        self._idle.clear()
        added = self._added_at.pop(key, None)
        if added is not None:
            self._latency.observe(now - added)
        self._depth.set(len(self._dirty))
        return key

    def _wake_one_getter(self) -> None:
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)
                return

    def _promote_due(self) -> None:
        # Called first by every public operation, so keys enter the FIFO in the order they would
        # have if each had been added exactly at its deadline, however late the background
        # waiter runs.
        if self._delayed:
            for key in self._delayed.pop_due(self._clock.monotonic()):
                self._add(key)

    async def _release_delayed_keys(self) -> None:
        # Sleeps until the earliest deadline, or until an earlier one is scheduled, then adds the
        # due keys (which wakes blocked getters).
        while not self._shutting_down:
            self._deadline_changed.clear()
            self._promote_due()
            deadline = self._delayed.next_deadline()
            within = None if deadline is None else max(0.0, deadline - self._clock.monotonic())
            await _wait_for_event(self._clock, self._deadline_changed, within)

    async def _publish_unfinished_work(self) -> None:
        while not self._shutting_down:
            now = self._clock.monotonic()
            ages = [now - started for started in self._processing.values()]
            self._unfinished_work.set(sum(ages))
            self._longest_running.set(max(ages, default=0.0))
            await _wait_for_event(self._clock, self._stopped, UNFINISHED_WORK_UPDATE_PERIOD)


async def _wait_for_event(clock: Clock, event: asyncio.Event, within: float | None) -> bool:
    """Wait until ``event`` is set or ``within`` seconds pass on ``clock`` (None: no limit).

    Returns True if the event was set.

    Both waits are child tasks of this call and are cancelled and awaited before it returns.
    """
    if event.is_set():
        return True
    if within is None:
        await event.wait()
        return True
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(clock.sleep(within))]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    return event.is_set()
