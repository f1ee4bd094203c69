"""The reflector and shared informer against a scripted list/watch source, on a FakeClock."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest

from rollouts.clock import FakeClock
from rollouts.informers.shared import SharedInformer
from rollouts.k8s.errors import ApiError, TransportError
from tests.informers.fakes import FakeSource, Recorder, obj, page, settle


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def start(
    source: FakeSource, clock: FakeClock, **kw: object
) -> AsyncIterator[tuple[SharedInformer, Recorder]]:
    informer = SharedInformer(source, clock, name="test", **kw)  # type: ignore[arg-type]
    rec = Recorder()
    informer.add_event_handler(rec)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(informer.run())
        await settle()
        try:
            yield informer, rec
        finally:
            task.cancel()


@pytest.fixture
async def running(clock: FakeClock) -> AsyncIterator[tuple[FakeSource, SharedInformer, Recorder]]:
    source = FakeSource([page("10", obj("a", "3"), obj("b", "4")), page("10", obj("c", "5"))])
    async for informer, rec in start(source, clock, reflector_options={"rng": random.Random(1)}):
        yield source, informer, rec


async def test_paginated_list_then_watch_from_the_list_rv(
    running: tuple[FakeSource, SharedInformer, Recorder],
) -> None:
    source, informer, rec = running
    assert [c["continue"] for c in source.list_calls] == [None, "c1"]
    assert all(c["limit"] == 500 for c in source.list_calls)
    assert rec.events == [("add", "a", "3"), ("add", "b", "4"), ("add", "c", "5")]
    assert informer.has_synced()
    assert source.stream.resource_version == "10"
    assert 300 <= source.stream.timeout_seconds < 600


async def test_events_reach_store_and_handlers(running: tuple[FakeSource, SharedInformer, Recorder]) -> None:
    source, informer, rec = running
    rec.events.clear()
    source.stream.push("ADDED", obj("d", "11"))
    source.stream.push("MODIFIED", obj("a", "12"))
    source.stream.push("DELETED", obj("b", "13"))
    await settle()
    assert rec.events == [("add", "d", "11"), ("update", "a", "3", "12"), ("delete", "b", "13")]
    assert sorted(informer.store.keys()) == ["default/a", "default/c", "default/d"]
    assert informer.reflector.last_resource_version == "13"


async def test_bookmark_moves_rv_and_normal_end_rewatches_at_once(
    running: tuple[FakeSource, SharedInformer, Recorder],
) -> None:
    source, _, rec = running
    rec.events.clear()
    source.stream.push("BOOKMARK", {"kind": "ReplicaSet", "metadata": {"resourceVersion": "42"}})
    source.stream.end()
    await settle()
    assert rec.events == []  # a bookmark is not an object event
    assert len(source.streams) == 2  # no backoff after a normal end
    assert source.stream.resource_version == "42"
    assert len(source.list_calls) == 2  # and no relist


async def test_410_error_event_relists_after_backoff(
    clock: FakeClock, running: tuple[FakeSource, SharedInformer, Recorder]
) -> None:
    source, _, rec = running
    source.set_next_list([page("50", obj("a", "3"), obj("c", "20"))])
    rec.events.clear()
    source.stream.push("ERROR", {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"})
    await settle()
    assert len(source.streams) == 1  # waiting for the backoff
    await clock.advance(1.6)  # first step: 0.8 s with up to 100% jitter
    assert source.list_calls[-1]["continue"] is None and len(source.list_calls) == 3
    # the relist: b vanished while we were not watching -> tombstone; a unchanged, c changed
    assert rec.events == [("tombstone", "default/b"), ("update", "a", "3", "3"), ("update", "c", "5", "20")]
    assert source.stream.resource_version == "50"
    assert source.streams[0].closed


async def test_410_as_api_error_relists(
    clock: FakeClock, running: tuple[FakeSource, SharedInformer, Recorder]
) -> None:
    source, informer, _ = running
    source.set_next_list([page("60")])
    source.stream.fail(ApiError(410, "Gone", "too old resource version: 1 (50)"))
    await settle()
    await clock.advance(1.6)
    assert informer.reflector.lists == 2
    assert source.stream.resource_version == "60"
    assert len(informer.store) == 0


async def test_dropped_stream_rewatches_from_last_rv_without_relist(
    clock: FakeClock, running: tuple[FakeSource, SharedInformer, Recorder]
) -> None:
    source, informer, _ = running
    source.stream.push("MODIFIED", obj("a", "15"))
    source.stream.fail(TransportError("connection reset"))
    await settle()
    await clock.advance(1.6)
    assert len(source.streams) == 2
    assert source.stream.resource_version == "15"
    assert informer.reflector.lists == 1


async def test_stuck_watch_restarts_after_inactivity_timeout(
    clock: FakeClock, running: tuple[FakeSource, SharedInformer, Recorder]
) -> None:
    source, informer, _ = running
    source.stream.push("BOOKMARK", {"metadata": {"resourceVersion": "11"}})
    await settle()
    await clock.advance(179)  # activity at t=0 restarts the 180 s window
    assert len(source.streams) == 1
    await clock.advance(1)
    assert source.streams[0].closed
    await clock.advance(1.6)
    assert len(source.streams) == 2
    assert source.stream.resource_version == "11"
    assert informer.reflector.lists == 1


async def test_duplicate_and_out_of_order_events_are_dropped(
    running: tuple[FakeSource, SharedInformer, Recorder],
) -> None:
    source, informer, rec = running
    rec.events.clear()
    source.stream.push("MODIFIED", obj("a", "20"))
    source.stream.push("MODIFIED", obj("a", "20"))  # duplicate
    source.stream.push("MODIFIED", obj("a", "18"))  # older than cached
    source.stream.push("DELETED", obj("zz", "21"))  # never seen
    source.stream.push("DELETED", obj("a", "19"))  # stale delete
    await settle()
    assert rec.events == [("update", "a", "3", "20")]
    assert informer.store.get("default/a") == obj("a", "20")
    assert informer.events_dropped == 4
    assert informer.reflector.last_resource_version == "21"


async def test_resync_redelivers_every_cached_object(
    clock: FakeClock,
) -> None:
    source = FakeSource([page("10", obj("a", "3"), obj("b", "4"))])
    async for _informer, rec in start(source, clock, resync_seconds=900):
        rec.events.clear()
        await clock.advance(899)
        assert rec.events == []
        await clock.advance(1)
        assert sorted(rec.events) == [("update", "a", "3", "3"), ("update", "b", "4", "4")]


async def test_failing_handler_is_logged_and_others_still_served(clock: FakeClock) -> None:
    source = FakeSource([page("10")])
    informer = SharedInformer(source, clock, name="t")

    class Boom:
        def on_add(self, o: object) -> None:
            raise RuntimeError("handler bug")

        on_update = on_delete = on_add

    rec = Recorder()
    informer.add_event_handler(Boom())  # type: ignore[arg-type]
    informer.add_event_handler(rec)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(informer.run())
        await settle()
        source.stream.push("ADDED", obj("x", "11"))
        source.stream.push("ADDED", obj("y", "12"))
        await settle()
        assert rec.events == [("add", "x", "11"), ("add", "y", "12")]
        assert not task.done()
        task.cancel()


async def test_list_failure_backs_off_and_retries(clock: FakeClock) -> None:
    source = FakeSource(TransportError("refused"), [page("7", obj("a", "1"))])
    async for informer, rec in start(source, clock):
        assert not informer.has_synced()
        await clock.advance(1.6)
        assert informer.has_synced()
        assert rec.events == [("add", "a", "1")]


async def test_late_handler_gets_adds_for_cached_objects(
    running: tuple[FakeSource, SharedInformer, Recorder],
) -> None:
    _, informer, _ = running
    late = Recorder()
    informer.add_event_handler(late)
    assert sorted(late.events) == [("add", "a", "3"), ("add", "b", "4"), ("add", "c", "5")]


async def test_wait_for_sync_times_out_on_the_clock(clock: FakeClock) -> None:
    source = FakeSource(TransportError("refused"))
    async for informer, _ in start(source, clock):
        waiter = asyncio.ensure_future(informer.wait_for_sync(5))
        await settle()
        await clock.advance(5)
        assert await waiter is False


async def test_wait_for_sync_returns_when_synced(clock: FakeClock) -> None:
    source = FakeSource([page("7")])
    async for informer, _ in start(source, clock):
        assert await informer.wait_for_sync(5) is True


async def test_objects_are_trimmed_and_transformed_before_caching(clock: FakeClock) -> None:
    big = obj(
        "a",
        "1",
        managedFields=[{"manager": "kubectl"}],
        annotations={"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "me"},
    )
    source = FakeSource([page("7", big)])

    def drop_status(o: dict[str, object]) -> dict[str, object]:
        o.pop("status", None)
        return o

    async for informer, _ in start(source, clock, transform=drop_status):
        source.stream.push("ADDED", {**obj("b", "8"), "status": {"x": 1}})
        await settle()
        cached = informer.store.get("default/a")
        assert cached is not None
        assert cached["metadata"] == {
            "name": "a",
            "namespace": "default",
            "resourceVersion": "1",
            "annotations": {"keep": "me"},
        }
        assert "status" not in (informer.store.get("default/b") or {"status": 1})


async def test_unchanged_spec_is_shared_with_the_cached_copy(
    running: tuple[FakeSource, SharedInformer, Recorder],
) -> None:
    source, informer, _ = running
    source.stream.push("MODIFIED", {**obj("a", "20"), "spec": {"replicas": 3, "template": {"x": [1]}}})
    source.stream.push("MODIFIED", {**obj("a", "21"), "spec": {"replicas": 3, "template": {"x": [1]}}})
    await settle()
    first_spec = informer.store.get("default/a")
    source.stream.push("MODIFIED", {**obj("a", "22"), "spec": {"replicas": 3, "template": {"x": [1]}}})
    source.stream.push("MODIFIED", {**obj("b", "23"), "spec": {"replicas": 4}})
    await settle()
    latest = informer.store.get("default/a")
    assert first_spec is not None and latest is not None
    assert latest["metadata"]["resourceVersion"] == "22"
    assert latest["spec"] is first_spec["spec"]


async def test_transform_does_not_see_unchanged_fields_again(clock: FakeClock) -> None:
    seen: list[bool] = []

    def spy(o: dict[str, object]) -> dict[str, object]:
        seen.append("spec" in o)
        return o

    source = FakeSource([page("7", {**obj("a", "1"), "spec": {"replicas": 1}})])
    async for informer, _ in start(source, clock, transform=spy):
        source.stream.push("MODIFIED", {**obj("a", "2"), "spec": {"replicas": 1}, "status": {"ready": 1}})
        source.stream.push("MODIFIED", {**obj("a", "3"), "spec": {"replicas": 2}})
        await settle()
        assert seen == [True, False, True]
        cached = informer.store.get("default/a")
        assert cached is not None and cached["spec"] == {"replicas": 2}
