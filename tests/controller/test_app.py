"""The process lifecycle with a fake Lease API and fake controllers: serves /healthz and /metrics on
127.0.0.1 ephemeral ports, elects, runs workers, shuts down cleanly, exits non-zero on a lost lease."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from rollouts.clock import Clock, FakeClock
from rollouts.controller.app import EXIT_CANNOT_SERVE, EXIT_LOST_LEASE, EXIT_OK, ControllerApp, Dependencies
from rollouts.controller.controllers import ControllerRegistry, Informers, Runtime
from rollouts.controller.flags import Options, parse
from rollouts.metrics import ControllerMetrics
from rollouts.workqueue import RateLimitingQueue
from tests.leaderelection.fake_lease_api import FakeLeaseApi

LOCK = ("ctl", "argo-rollouts-controller-lock")


def options(**overrides: Any) -> Options:
    base = parse(["--namespace", "ctl", "--shutdown-grace", "2s"], {})
    local = {"metrics_port": 0, "healthz_port": 0, "metrics_bind": "127.0.0.1", "healthz_bind": "127.0.0.1"}
    return dataclasses.replace(base, **{**local, **overrides})


def fake_queue(clock: Clock, keys: list[str]) -> RateLimitingQueue[str]:
    queue: RateLimitingQueue[str] = RateLimitingQueue("fake", clock=clock)
    for key in keys:
        queue.add(key)
    return queue


class FakeController:
    def __init__(self, queue: RateLimitingQueue[str], release: asyncio.Event) -> None:
        self.name = "fake"
        self.threads = 1
        self.queue = queue
        self.release = release
        self.started: list[str] = []
        self.finished: list[str] = []

    async def reconcile(self, key: str) -> None:
        self.started.append(key)
        if key == "ns/bad":
            raise RuntimeError("reconcile failed")
        if key in ("ns/slow", "ns/stuck"):
            await self.release.wait()
        self.finished.append(key)


class FakeInformers:
    def __init__(self) -> None:
        self.synced = False
        self.running = False
        self._synced_event = asyncio.Event()

    async def run(self) -> None:
        self.running = True
        try:
            self.synced = True
            self._synced_event.set()
            await asyncio.Event().wait()
        finally:
            self.running = False

    async def wait_for_sync(self, timeout: float) -> bool:  # noqa: ASYNC109
        await self._synced_event.wait()
        return True

    def has_synced(self) -> bool:
        return self.synced


class Harness:
    def __init__(self, app: ControllerApp, ports: dict[str, int]) -> None:
        self.app = app
        self.ports = ports

    async def get(self, endpoint: str) -> tuple[int, str]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
            port = self.ports[endpoint]
            async with s.get(f"http://127.0.0.1:{port}/{endpoint}") as r:
                return r.status, await r.text()


@asynccontextmanager
async def started(
    app_options: Options,
    api: FakeLeaseApi,
    clock: Clock,
    registry: ControllerRegistry | None = None,
    informers: Informers | None = None,
    metrics: ControllerMetrics | None = None,
) -> AsyncIterator[tuple[Harness, asyncio.Task[int]]]:
    ports: dict[str, int] = {}
    bound = asyncio.Event()

    def on_bound(endpoint: str, port: int) -> None:
        ports[endpoint] = port
        if len(ports) == 2:
            bound.set()

    deps = Dependencies(
        client=object(),
        lease_api=api,
        clock=clock,
        metrics=metrics or ControllerMetrics("v0.0.0-test"),
        identity="me",
        registry=registry or ControllerRegistry(),
        informers_factory=(lambda client, opts: informers) if informers is not None else None,
        on_bound=on_bound,
    )
    app = ControllerApp(app_options, deps)
    task = asyncio.create_task(app.run())
    await asyncio.wait_for(bound.wait(), 5)
    try:
        yield Harness(app, ports), task
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def leftover_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


async def test_elects_serves_and_shuts_down_cleanly_releasing_the_lease() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    async with started(options(), api, clock) as (h, task):
        assert h.app.is_leader()
        assert api.spec(LOCK[1], LOCK[0])["holderIdentity"] == "me"
        assert await h.get("healthz") == (200, "ok")
        status, text = await h.get("metrics")
        assert status == 200
        assert 'argo_rollouts_controller_info{version="v0.0.0-test"} 1.0' in text
        h.app.stop()
        assert await asyncio.wait_for(task, 5) == EXIT_OK
    assert api.spec(LOCK[1], LOCK[0])["holderIdentity"] == ""
    assert leftover_tasks() == set()


async def test_a_standby_replica_is_healthy_and_serves_metrics() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    api.set_holder("other", LOCK[1], LOCK[0])
    async with started(options(), api, clock) as (h, task):
        assert not h.app.is_leader()
        assert await h.get("healthz") == (200, "ok")
        assert (await h.get("metrics"))[0] == 200
        h.app.stop()
        assert await asyncio.wait_for(task, 5) == EXIT_OK
    assert api.spec(LOCK[1], LOCK[0])["holderIdentity"] == "other"  # not ours: untouched
    assert leftover_tasks() == set()


async def test_a_lost_lease_stops_everything_and_exits_non_zero() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    informers = FakeInformers()
    queue = fake_queue(clock, [])
    controller = FakeController(queue, asyncio.Event())
    registry = ControllerRegistry()
    registry.register("fake", lambda runtime: controller)
    async with started(options(), api, clock, registry, informers) as (_h, task):
        await asyncio.sleep(0.05)
        assert informers.running
        api.down = True
        await clock.advance(8)
        assert not task.done()
        await clock.advance(2)
        assert await asyncio.wait_for(task, 5) == EXIT_LOST_LEASE
    assert not informers.running
    assert leftover_tasks() == set()


async def test_health_reports_a_stale_lease_while_leading() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    async with started(options(), api, clock) as (h, task):
        api.down = True
        await clock.advance(2)
        assert await h.get("healthz") == (200, "ok")  # renewed 2 s ago: fresh
        h.app.elector._last_renew -= 10  # type: ignore[union-attr]  # as if renewals stalled 10 s
        assert await h.get("healthz") == (503, "unhealthy: leader-lease")
        h.app.stop()
        await asyncio.wait_for(task, 5)


async def test_workers_reconcile_requeue_failures_and_finish_in_flight_work_on_stop() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    informers = FakeInformers()
    release = asyncio.Event()
    queue = fake_queue(clock, ["ns/a", "ns/bad", "ns/slow"])
    controller = FakeController(queue, release)
    built: list[Runtime] = []
    registry = ControllerRegistry()

    def factory(runtime: Runtime) -> FakeController:
        built.append(runtime)
        return controller

    registry.register("fake", factory)
    async with started(options(), api, clock, registry, informers) as (h, task):
        for _ in range(100):
            if controller.started == ["ns/a", "ns/bad", "ns/slow"]:
                break
            await asyncio.sleep(0.01)
        assert controller.started == ["ns/a", "ns/bad", "ns/slow"]
        assert built[0].informers is informers
        assert queue.num_requeues("ns/bad") == 1
        assert queue.num_requeues("ns/a") == 0
        assert await h.get("healthz") == (200, "ok")
        h.app.stop()  # ns/slow is in flight: shutdown waits for it (grace 2 s)
        await asyncio.sleep(0.05)
        assert not task.done()
        release.set()
        assert await asyncio.wait_for(task, 5) == EXIT_OK
    assert controller.finished == ["ns/a", "ns/slow"]
    assert queue.snapshot().processing == frozenset()
    assert leftover_tasks() == set()


async def test_a_dead_worker_makes_healthz_fail() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    informers = FakeInformers()
    queue = fake_queue(clock, [])
    controller = FakeController(queue, asyncio.Event())
    registry = ControllerRegistry()
    registry.register("fake", lambda runtime: controller)
    async with started(options(), api, clock, registry, informers) as (h, task):
        await asyncio.sleep(0.05)
        queue.shutdown()  # the worker exits as it would if it had died
        await asyncio.sleep(0.05)
        assert await h.get("healthz") == (503, "unhealthy: workers")
        h.app.stop()
        assert await asyncio.wait_for(task, 5) == EXIT_OK


async def test_without_leader_election_it_leads_at_once() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    async with started(options(leader_elect=False), api, clock) as (h, task):
        assert h.app.is_leader()
        assert api.leases == {}
        h.app.stop()
        assert await asyncio.wait_for(task, 5) == EXIT_OK


async def test_reconciles_still_running_after_the_grace_period_are_cancelled() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    informers = FakeInformers()
    queue = fake_queue(clock, ["ns/stuck"])
    controller = FakeController(queue, asyncio.Event())  # never released
    registry = ControllerRegistry()
    registry.register("fake", lambda runtime: controller)
    async with started(options(), api, clock, registry, informers) as (h, task):
        for _ in range(100):
            if controller.started:
                break
            await asyncio.sleep(0.01)
        assert controller.started == ["ns/stuck"]
        h.app.stop()
        await asyncio.sleep(0.05)
        await clock.advance(1.9)
        assert not task.done()
        await clock.advance(0.1)  # the 2 s grace is over
        assert await asyncio.wait_for(task, 5) == EXIT_OK
    assert controller.finished == []
    assert api.spec(LOCK[1], LOCK[0])["holderIdentity"] == ""
    assert leftover_tasks() == set()


async def test_a_taken_port_is_a_clear_exit_not_a_crash() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        deps = Dependencies(
            client=object(),
            lease_api=FakeLeaseApi(),
            clock=FakeClock(),
            metrics=ControllerMetrics("v"),
            identity="me",
        )
        app = ControllerApp(options(healthz_port=port), deps)
        assert await asyncio.wait_for(app.run(), 5) == EXIT_CANNOT_SERVE
    assert leftover_tasks() == set()


async def test_an_instance_id_elects_on_its_own_lease() -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    async with started(options(instance_id="blue"), api, clock) as (h, task):
        assert h.app.is_leader()
        assert list(api.leases) == [("ctl", "argo-rollouts-controller-lock-blue")]
        h.app.stop()
        assert await asyncio.wait_for(task, 5) == EXIT_OK
