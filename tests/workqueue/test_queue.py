"""WorkQueue / RateLimitingQueue behaviour, one scenario per test, on a FakeClock (no real sleeps)."""

from __future__ import annotations

import asyncio
import math

import pytest

from rollouts.clock import FakeClock
from rollouts.workqueue import (
    QueueEmpty,
    QueueShutDown,
    RateLimitingQueue,
    RecordingMetricsProvider,
    WorkQueue,
)


async def settle(rounds: int = 20) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def make_queue(clock: FakeClock | None = None) -> WorkQueue[str]:
    return WorkQueue("test", clock=clock or FakeClock())


def drain_ready(queue: WorkQueue[str]) -> list[str]:
    keys = []
    while True:
        try:
            keys.append(queue.get_nowait())
        except QueueEmpty:
            return keys


async def test_fifo_and_duplicates_collapse() -> None:
    queue = make_queue()
    for key in ["a", "b", "a", "c", "b"]:
        queue.add(key)
    assert len(queue) == 3
    assert drain_ready(queue) == ["a", "b", "c"]
    assert len(queue) == 0


async def test_key_added_while_processing_is_held_back_until_done() -> None:
    queue = make_queue()
    queue.add("a")
    assert queue.get_nowait() == "a"
    queue.add("a")
    queue.add("a")
    # Not handed to a second worker while the first still holds it.
    with pytest.raises(QueueEmpty):
        queue.get_nowait()
    snapshot = queue.snapshot()
    assert snapshot.processing == {"a"} and snapshot.dirty == {"a"} and snapshot.ready == ()
    queue.done("a")
    assert queue.get_nowait() == "a"  # exactly once more
    queue.done("a")
    assert drain_ready(queue) == []


async def test_requeued_key_goes_to_the_back() -> None:
    queue = make_queue()
    queue.add("a")
    queue.get_nowait()
    queue.add("a")
    queue.add("b")
    queue.done("a")
    assert drain_ready(queue) == ["b", "a"]


async def test_done_on_a_key_not_being_processed_is_a_clear_error() -> None:
    queue = make_queue()
    queue.add("a")
    with pytest.raises(ValueError, match="not being processed"):
        queue.done("a")
    assert drain_ready(queue) == ["a"]  # and the queue is unharmed


async def test_get_blocks_until_a_key_is_added() -> None:
    queue = make_queue()
    getter = asyncio.create_task(queue.get())
    await settle()
    assert not getter.done()
    queue.add("a")
    assert await getter == "a"


async def test_blocked_getters_are_served_in_arrival_order_one_key_each() -> None:
    queue = make_queue()
    getters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await settle()
    queue.add("a")
    queue.add("b")
    await settle()
    assert [g.done() for g in getters] == [True, True, False]
    assert [getters[0].result(), getters[1].result()] == ["a", "b"]
    getters[2].cancel()
    with pytest.raises(asyncio.CancelledError):
        await getters[2]


async def test_a_cancelled_getter_passes_its_wake_up_on() -> None:
    queue = make_queue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await settle()
    queue.add("a")  # wakes `first`...
    first.cancel()  # ...which is cancelled before it can take the key
    await settle()
    assert first.cancelled()
    assert await second == "a"


async def test_shutdown_wakes_blocked_getters_and_abandons_pending_keys() -> None:
    clock = FakeClock()
    queue = make_queue(clock)
    getters = [asyncio.create_task(queue.get()) for _ in range(2)]
    await settle()
    queue.add_after("later", 5.0)
    queue.shutdown()
    for getter in getters:
        with pytest.raises(QueueShutDown):
            await getter
    queue.add("a")  # ignored after shut-down
    queue.add_after("b", 0)
    assert len(queue) == 0
    with pytest.raises(QueueShutDown):
        queue.get_nowait()
    with pytest.raises(QueueShutDown):
        await queue.get()
    assert queue.snapshot().waiting == 0


async def test_async_for_ends_at_shutdown() -> None:
    queue = make_queue()
    seen: list[str] = []

    async def worker() -> None:
        async for key in queue:
            seen.append(key)
            queue.done(key)

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(worker())
        queue.add("a")
        queue.add("b")
        await settle()
        queue.shutdown()
    assert seen == ["a", "b"]


async def test_drain_waits_for_in_flight_work_within_the_bound() -> None:
    clock = FakeClock()
    queue = make_queue(clock)
    queue.add("a")
    queue.add("b")
    held = queue.get_nowait()
    drain = asyncio.create_task(queue.shutdown_with_drain(within=10.0))
    await settle()
    assert not drain.done()
    # "b" was never started: abandoned, not waited for.
    assert queue.snapshot().ready == ()
    await clock.advance(3.0)
    assert not drain.done()
    queue.done(held)
    assert await drain is True


async def test_drain_gives_up_after_the_bound() -> None:
    clock = FakeClock()
    queue = make_queue(clock)
    queue.add("a")
    queue.get_nowait()
    drain = asyncio.create_task(queue.shutdown_with_drain(within=10.0))
    await settle()
    await clock.advance(9.9)
    assert not drain.done()
    await clock.advance(0.2)
    assert await drain is False
    queue.done("a")  # a late done is still accepted


async def test_drain_with_nothing_in_flight_returns_at_once() -> None:
    queue = make_queue()
    assert await queue.shutdown_with_drain(within=1.0) is True


@pytest.mark.parametrize("within", [-1.0, math.nan, math.inf])
async def test_drain_needs_a_finite_bound(within: float) -> None:
    queue = make_queue()
    with pytest.raises(ValueError, match="drain bound"):
        await queue.shutdown_with_drain(within=within)
    assert not queue.shutting_down


async def test_add_after_releases_the_key_at_its_deadline_and_wakes_a_getter() -> None:
    clock = FakeClock()
    async with make_queue(clock) as queue:
        getter = asyncio.create_task(queue.get())
        queue.add_after("a", 2.0)
        await settle()
        await clock.advance(1.999)
        assert not getter.done()
        await clock.advance(0.001)
        await settle()
        assert getter.done() and getter.result() == "a"


async def test_add_after_earliest_deadline_wins() -> None:
    clock = FakeClock()
    async with make_queue(clock) as queue:
        queue.add_after("a", 10.0)
        queue.add_after("a", 3.0)  # earlier: replaces
        queue.add_after("a", 7.0)  # later: ignored
        await clock.advance(2.9)
        assert drain_ready(queue) == []
        await clock.advance(0.1)
        assert drain_ready(queue) == ["a"]
        queue.done("a")
        await clock.advance(20.0)
        assert drain_ready(queue) == []  # handed out once, not again at 7 s or 10 s


async def test_an_earlier_deadline_re_arms_the_background_timer() -> None:
    clock = FakeClock()
    async with make_queue(clock) as queue:
        getter = asyncio.create_task(queue.get())
        queue.add_after("slow", 100.0)
        await settle()
        queue.add_after("fast", 1.0)
        await settle()
        await clock.advance(1.0)
        await settle()
        assert getter.done() and getter.result() == "fast"


async def test_delayed_keys_come_out_in_deadline_order() -> None:
    clock = FakeClock()
    queue = make_queue(clock)
    queue.add_after("c", 3.0)
    queue.add_after("a", 1.0)
    queue.add_after("b", 2.0)
    await clock.advance(5.0)
    assert drain_ready(queue) == ["a", "b", "c"]


async def test_non_positive_delay_adds_now_and_bad_delays_are_rejected() -> None:
    queue = make_queue()
    queue.add_after("a", 0)
    queue.add_after("b", -5)
    assert drain_ready(queue) == ["a", "b"]
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="finite"):
            queue.add_after("c", bad)


async def test_rate_limited_re_adds_back_off_per_key_and_forget_resets() -> None:
    clock = FakeClock()
    queue: RateLimitingQueue[str] = RateLimitingQueue("Rollouts", clock=clock)
    # Argo Rollouts' limiter: 1 ms, 2 ms, 4 ms, 8 ms — not a microsecond earlier.
    for expected in (0.001, 0.002, 0.004, 0.008):
        queue.add_rate_limited("ns/a")
        await clock.advance(expected - 1e-6)
        assert drain_ready(queue) == []
        await clock.advance(2e-6)
        assert drain_ready(queue) == ["ns/a"]
        queue.done("ns/a")
    assert queue.num_requeues("ns/a") == 4
    queue.forget("ns/a")
    assert queue.num_requeues("ns/a") == 0


async def test_rate_limited_add_after_shutdown_records_nothing() -> None:
    queue: RateLimitingQueue[str] = RateLimitingQueue("Rollouts", clock=FakeClock())
    queue.shutdown()
    queue.add_rate_limited("a")
    assert queue.num_requeues("a") == 0


async def test_run_is_single_use_and_context_manager_leaves_no_tasks() -> None:
    clock = FakeClock()
    before = asyncio.all_tasks()
    async with make_queue(clock) as queue:
        queue.add_after("a", 1.0)
        await settle()
        with pytest.raises(RuntimeError, match="already running"):
            await queue.run()
    await settle()
    assert asyncio.all_tasks() == before
    assert clock.sleepers == 0


async def test_metrics_follow_client_go_accounting() -> None:
    clock = FakeClock()
    metrics = RecordingMetricsProvider()
    async with WorkQueue[str]("Rollouts", clock=clock, metrics=metrics) as queue:
        record = metrics["Rollouts"]
        queue.add("a")
        queue.add("a")  # a duplicate is not an add
        queue.add("b")
        assert (record.adds.value, record.depth.value) == (2, 2)

        await clock.advance(1.5)
        key = queue.get_nowait()
        assert record.queue_latency.observations == [1.5]
        assert record.depth.value == 1
        queue.add(key)  # re-added while processing: counts in depth
        assert (record.adds.value, record.depth.value) == (3, 2)

        await clock.advance(1.0)  # the 0.5 s publisher has run
        assert record.unfinished_work_seconds.value == pytest.approx(1.0)
        assert record.longest_running_processor_seconds.value == pytest.approx(1.0)
        other = queue.get_nowait()
        await clock.advance(1.0)
        assert record.unfinished_work_seconds.value == pytest.approx(2.0 + 1.0)
        assert record.longest_running_processor_seconds.value == pytest.approx(2.0)

        queue.done(key)
        assert record.work_duration.observations == [pytest.approx(2.0)]
        queue.done(other)
        await clock.advance(0.5)
        assert record.unfinished_work_seconds.value == 0.0

        queue.add_after("c", 1.0)
        queue.add_after("d", 0)
        assert record.retries.value == 2
        queue.shutdown()
        assert record.depth.value == 0


async def test_due_keys_enter_the_fifo_at_their_deadline_even_without_the_background_task() -> None:
    # No run(): only the queue's own polling releases delayed keys, and it must order them as if
    # they had been added at their deadline — before a key added afterwards.
    clock = FakeClock()
    queue = make_queue(clock)
    queue.add_after("early", 1.0)
    await clock.advance(1.0)
    queue.add("late")
    assert drain_ready(queue) == ["early", "late"]
