"""Queue invariants under arbitrary interleavings (hypothesis), on a FakeClock.

Two complementary checks:

* :class:`QueueModel` — a stateful test comparing the queue, operation by operation, with a
  plain-Python model of client-go's semantics (dirty set, processing set, FIFO, delayed keys with
  earliest-deadline-wins, per-key exponential backoff). After every step it checks the structural
  invariants (no key held twice, a key being processed is never ready, depth metric == length).
* :func:`test_concurrent_workers_never_share_a_key_and_every_request_is_served` — real worker
  tasks pulling from the queue while a random script adds, delays and advances time; checks that
  no key is ever processed by two workers at once and that every request is followed by a
  processing of its key, with no more processings than requests.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from rollouts.clock import FakeClock
from rollouts.workqueue import (
    ItemExponentialFailureRateLimiter,
    QueueEmpty,
    QueueShutDown,
    RateLimitingQueue,
    RecordingMetricsProvider,
    controller_rate_limiter,
)

T = TypeVar("T")
KEYS = st.sampled_from(["ns/a", "ns/b", "ns/c", "ns/d"])
# Whole seconds keep the model's deadline arithmetic exact.
DELAYS = st.integers(min_value=-1, max_value=6).map(float)


class QueueModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = FakeClock()
        self.metrics = RecordingMetricsProvider()
        self.queue: RateLimitingQueue[str] = RateLimitingQueue(
            "model",
            clock=self.clock,
            metrics=self.metrics,
            rate_limiter=ItemExponentialFailureRateLimiter(base=1.0, cap=8.0),
        )
        self.runner = self.loop.create_task(self.queue.run())
        # The model.
        self.now = self.clock.monotonic()
        self.ready: list[str] = []
        self.dirty: set[str] = set()
        self.processing: set[str] = set()
        self.waiting: dict[str, tuple[float, int]] = {}
        self.sequence = 0
        self.failures: Counter[str] = Counter()
        self.shut = False

    def run(self, step: Callable[[], T]) -> T:
        # Every queue call happens inside the loop, and gives the background task a chance to run.
        async def inside() -> T:
            result = step()
            await asyncio.sleep(0)
            return result

        return self.loop.run_until_complete(inside())

    def wait(self, awaitable: Awaitable[Any]) -> None:
        self.loop.run_until_complete(awaitable)

    # -- the model's semantics -------------------------------------------------------------------

    def model_add(self, key: str) -> None:
        if self.shut or key in self.dirty:
            return
        self.dirty.add(key)
        if key not in self.processing:
            self.ready.append(key)

    def model_add_after(self, key: str, delay: float) -> None:
        if self.shut:
            return
        if delay <= 0:
            self.model_add(key)
            return
        deadline = self.now + delay
        if key not in self.waiting or deadline < self.waiting[key][0]:
            self.waiting[key] = (deadline, self.sequence)
            self.sequence += 1

    # -- rules -----------------------------------------------------------------------------------

    @rule(key=KEYS)
    def add(self, key: str) -> None:
        self.run(lambda: self.queue.add(key))
        self.model_add(key)

    @rule(key=KEYS, delay=DELAYS)
    def add_after(self, key: str, delay: float) -> None:
        self.run(lambda: self.queue.add_after(key, delay))
        self.model_add_after(key, delay)

    @rule(key=KEYS)
    def add_rate_limited(self, key: str) -> None:
        self.run(lambda: self.queue.add_rate_limited(key))
        if not self.shut:
            self.model_add_after(key, min(8.0, 2.0 ** self.failures[key]))
            self.failures[key] += 1

    @rule(key=KEYS)
    def forget(self, key: str) -> None:
        self.run(lambda: self.queue.forget(key))
        del self.failures[key]

    @rule()
    def get(self) -> None:
        def take() -> str | None:
            try:
                return self.queue.get_nowait()
            except QueueEmpty:
                return None
            except QueueShutDown:
                return "<shut down>"

        got = self.run(take)
        if self.shut:
            assert got == "<shut down>"
        elif not self.ready:
            assert got is None
        else:
            expected = self.ready.pop(0)
            assert got == expected
            assert expected not in self.processing, "handed to a second worker"
            self.dirty.discard(expected)
            self.processing.add(expected)

    @precondition(lambda self: bool(self.processing))
    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.processing)))
        self.run(lambda: self.queue.done(key))
        self.processing.remove(key)
        if key in self.dirty:
            self.ready.append(key)

    @rule(seconds=st.integers(min_value=0, max_value=5))
    def advance(self, seconds: int) -> None:
        self.wait(self.clock.advance(seconds))
        self.now += seconds
        due = sorted((entry, key) for key, entry in self.waiting.items() if entry[0] <= self.now)
        for _, key in due:
            del self.waiting[key]
            self.model_add(key)

    @precondition(lambda self: not self.shut)
    @rule()
    def shutdown(self) -> None:
        self.run(self.queue.shutdown)
        self.shut = True
        self.ready.clear()
        self.dirty.clear()
        self.waiting.clear()

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def matches_the_model(self) -> None:
        snapshot = self.run(self.queue.snapshot)
        assert list(snapshot.ready) == self.ready
        assert snapshot.dirty == self.dirty
        assert snapshot.processing == self.processing
        assert snapshot.waiting == len(self.waiting)
        for key in ("ns/a", "ns/b", "ns/c", "ns/d"):
            assert self.queue.num_requeues(key) == self.failures[key]

    @invariant()
    def no_key_is_held_twice_or_ready_while_processing(self) -> None:
        snapshot = self.run(self.queue.snapshot)
        assert len(set(snapshot.ready)) == len(snapshot.ready)
        assert not set(snapshot.ready) & snapshot.processing
        assert set(snapshot.ready) <= snapshot.dirty
        assert snapshot.dirty - set(snapshot.ready) <= snapshot.processing

    @invariant()
    def depth_metric_equals_queue_length(self) -> None:
        length = self.run(lambda: len(self.queue))
        assert self.metrics["model"].depth.value == length == len(self.dirty)

    def teardown(self) -> None:
        try:
            if not self.shut:
                self.check_every_pending_key_comes_out_once()
            self.run(self.queue.shutdown)
            self.wait(self.runner)
        finally:
            self.loop.close()

    def check_every_pending_key_comes_out_once(self) -> None:
        # Liveness: finish the work in hand, let every deadline pass, and take what is left.
        for key in sorted(self.processing):
            self.run(partial(self.queue.done, key))
        self.wait(self.clock.advance(60))
        expected = Counter(self.dirty | self.waiting.keys())
        handed_out: Counter[str] = Counter()
        while True:
            try:
                handed_out[self.run(self.queue.get_nowait)] += 1
            except QueueEmpty:
                break
        assert handed_out == expected


QueueModel.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestQueueModel = QueueModel.TestCase


SCRIPT = st.lists(
    st.one_of(
        st.tuples(st.just("add"), KEYS, st.just(0.0)),
        st.tuples(st.just("add_after"), KEYS, st.sampled_from([0.0, 0.001, 0.5, 1.0, 3.0])),
        st.tuples(st.just("advance"), st.just(""), st.sampled_from([0.0, 0.001, 0.25, 1.0])),
    ),
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(script=SCRIPT, workers=st.integers(1, 4), rng=st.randoms(use_true_random=False))
async def test_concurrent_workers_never_share_a_key_and_every_request_is_served(
    script: list[tuple[str, str, float]], workers: int, rng: random.Random
) -> None:
    clock = FakeClock()
    events = 0  # a logical timestamp for requests and processing starts
    last_request: dict[str, int] = {}
    requests: Counter[str] = Counter()
    starts: dict[str, list[int]] = {}
    active: set[str] = set()

    def request(key: str) -> None:
        nonlocal events
        events += 1
        last_request[key] = events
        requests[key] += 1

    async def worker(queue: RateLimitingQueue[str]) -> None:
        nonlocal events
        async for key in queue:
            assert key not in active, f"{key} handed to two workers at once"
            active.add(key)
            events += 1
            starts.setdefault(key, []).append(events)
            try:
                await clock.sleep(rng.choice([0.0, 0.001, 0.3, 1.0]))
                if rng.random() < 0.3 and queue.num_requeues(key) < 3:
                    request(key)
                    queue.add_rate_limited(key)
                else:
                    queue.forget(key)
            finally:
                active.discard(key)
                queue.done(key)

    async with (
        RateLimitingQueue[str]("workers", clock=clock, rate_limiter=controller_rate_limiter()) as queue,
        asyncio.TaskGroup() as tasks,
    ):
        for _ in range(workers):
            tasks.create_task(worker(queue))
        for operation, key, amount in script:
            if operation == "add":
                request(key)
                queue.add(key)
            elif operation == "add_after":
                request(key)
                queue.add_after(key, amount)
            else:
                await clock.advance(amount)
            await asyncio.sleep(0)
        for _ in range(500):
            snapshot = queue.snapshot()
            if not (snapshot.dirty or snapshot.processing or snapshot.waiting):
                break
            await clock.advance(0.5)
        else:
            raise AssertionError(f"the queue never settled: {snapshot}")
        queue.shutdown()

    for key, last in last_request.items():
        assert starts.get(key), f"{key} was requested but never processed"
        assert max(starts[key]) > last, f"{key}'s last request was never served"
        assert len(starts[key]) <= requests[key], f"{key} processed more often than requested"
    assert not active
