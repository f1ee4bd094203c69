"""The elector's decisions, driven by a FakeClock and an in-memory Lease API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from rollouts.clock import FakeClock, SystemClock
from rollouts.leaderelection import LeaderElectionConfig, LeaderElector, LeadershipLost, lease_name
from tests.leaderelection.fake_lease_api import FakeLeaseApi


def config(identity: str = "me") -> LeaderElectionConfig:
    return LeaderElectionConfig(name="lock", namespace="ns", identity=identity)


class Events:
    def __init__(self) -> None:
        self.log: list[str] = []

    def started(self) -> None:
        self.log.append("started")

    def stopped(self) -> None:
        self.log.append("stopped")

    def new_leader(self, identity: str) -> None:
        self.log.append(f"leader={identity}")


def elector(api: FakeLeaseApi, clock: FakeClock, events: Events, identity: str = "me") -> LeaderElector:
    return LeaderElector(
        api,
        config(identity),
        clock,
        on_started_leading=events.started,
        on_stopped_leading=events.stopped,
        on_new_leader=events.new_leader,
        jitter=lambda seconds: seconds,
    )


@asynccontextmanager
async def running(e: LeaderElector) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(e.run())
    await asyncio.sleep(0)
    for _ in range(5):
        await asyncio.sleep(0)
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_acquires_an_absent_lease_by_creating_it() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    e = elector(api, clock, events)
    async with running(e):
        assert e.is_leader()
        spec = api.spec()
        assert spec["holderIdentity"] == "me"
        assert spec["leaseDurationSeconds"] == 15
        assert spec["leaseTransitions"] == 0
        assert spec["acquireTime"] == spec["renewTime"] == "2026-01-01T00:00:00.000000Z"
        assert events.log == ["leader=me", "started"]
        assert e.lease_fresh()


async def test_renews_every_retry_period_keeping_acquire_time() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    e = elector(api, clock, events)
    async with running(e):
        assert api.writes == 1
        await clock.advance(2)
        assert api.writes == 2
        spec = api.spec()
        assert spec["renewTime"] == "2026-01-01T00:00:02.000000Z"
        assert spec["acquireTime"] == "2026-01-01T00:00:00.000000Z"
        assert spec["leaseTransitions"] == 0
        await clock.advance(1.9)
        assert api.writes == 2
        await clock.advance(0.1)
        assert api.writes == 3
        assert e.is_leader()


async def test_waits_for_a_live_holder_and_takes_over_once_its_lease_expires() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    api.set_holder("other")
    e = elector(api, clock, events)
    async with running(e):
        assert not e.is_leader()
        assert e.observed_leader == "other"
        await clock.advance(14)
        assert not e.is_leader()
        await clock.advance(2)  # 16 s since we saw the record change: expired
        assert e.is_leader()
        spec = api.spec()
        assert spec["holderIdentity"] == "me"
        assert spec["leaseTransitions"] == 2  # other's acquisition, then ours
        assert events.log == ["leader=other", "leader=me", "started"]


async def test_a_holder_that_keeps_renewing_is_never_displaced() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    api.set_holder("other")
    e = elector(api, clock, events)
    async with running(e):
        for _ in range(20):
            await clock.advance(5)
            api.set_holder("other")  # a renew: the record changes, so our expiry clock restarts
        assert not e.is_leader()
        assert api.spec()["holderIdentity"] == "other"


async def test_expiry_ignores_remote_timestamps() -> None:
    # The record never changes, whatever its renewTime says: expiry follows our own clock only.
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    api.set_holder("other")
    api.leases[("ns", "lock")]["spec"]["renewTime"] = "2099-01-01T00:00:00.000000Z"
    e = elector(api, clock, events)
    async with running(e):
        await clock.advance(16)
        assert e.is_leader()


async def test_loses_leadership_when_renewals_fail_for_the_renew_deadline() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    e = elector(api, clock, events)
    async with running(e) as task:
        api.down = True
        await clock.advance(8)
        assert e.is_leader()
        assert not task.done()
        assert e.lease_age() == 8
        await clock.advance(2)
        assert task.done()
        with pytest.raises(LeadershipLost):
            task.result()
        assert not e.is_leader()
        assert events.log[-1] == "stopped"


async def test_network_errors_shorter_than_the_deadline_are_survived() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    e = elector(api, clock, events)
    async with running(e) as task:
        api.down = True
        await clock.advance(8)
        api.down = False
        await clock.advance(2)
        assert e.is_leader() and not task.done()
        assert e.lease_age() == 0
        api.fail_next = [TimeoutError(), ConnectionError()]
        await clock.advance(6)
        assert e.is_leader()


async def test_steps_down_at_once_when_the_lease_names_another_holder() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    e = elector(api, clock, events)
    async with running(e) as task:
        api.set_holder("usurper")
        await clock.advance(2)
        assert task.done()
        with pytest.raises(LeadershipLost):
            task.result()
        assert events.log == ["leader=me", "started", "leader=usurper", "stopped"]


class RacingLeaseApi(FakeLeaseApi):
    """Another candidate writes the Lease between our read and our write."""

    race_once = True

    async def get(self, name: str, namespace: str) -> dict[str, Any]:
        lease = await super().get(name, namespace)
        if self.race_once:
            self.race_once = False
            self.set_holder("winner", name, namespace)
        return lease


async def test_a_resource_version_conflict_loses_the_race_without_becoming_leader() -> None:
    api, clock, events = RacingLeaseApi(), FakeClock(), Events()
    api.set_holder("old")
    api.race_once = False
    e = elector(api, clock, events)
    async with running(e):
        await clock.advance(15)
        api.race_once = True
        await clock.advance(2)  # attempt: read "old" (expired), but "winner" wrote first -> 409
        assert not e.is_leader()
        assert api.spec()["holderIdentity"] == "winner"


async def test_release_clears_the_holder_so_a_successor_acquires_at_once() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    first = elector(api, clock, events, "first")
    async with running(first) as task:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert await first.release()
    spec = api.spec()
    assert spec["holderIdentity"] == ""
    assert spec["leaseDurationSeconds"] == 1
    second = elector(api, clock, Events(), "second")
    async with running(second):
        assert second.is_leader()  # an empty holder is free: no need to wait for expiry
        assert api.spec()["leaseTransitions"] == 1


async def test_release_does_nothing_when_not_the_holder() -> None:
    api, clock, events = FakeLeaseApi(), FakeClock(), Events()
    api.set_holder("other")
    e = elector(api, clock, events)
    async with running(e):
        assert not await e.release()
    assert api.spec()["holderIdentity"] == "other"


def test_config_rejects_overlapping_timings() -> None:
    with pytest.raises(ValueError, match="renew deadline < lease duration"):
        LeaderElectionConfig(name="l", namespace="n", identity="i", lease_duration=10, renew_deadline=10)
    with pytest.raises(ValueError, match="identity"):
        LeaderElectionConfig(name="l", namespace="n", identity="")


def test_lease_name_follows_the_instance_id() -> None:
    assert lease_name("") == "argo-rollouts-controller-lock"
    assert lease_name("blue") == "argo-rollouts-controller-lock-blue"


class HangingLeaseApi(FakeLeaseApi):
    """Requests hang (no answer, no error) while ``hang`` is set."""

    hang = False

    async def get(self, name: str, namespace: str) -> dict[str, Any]:
        if self.hang:
            await asyncio.Event().wait()
        return await super().get(name, namespace)


async def test_a_hung_renew_cannot_keep_a_leader_past_its_deadline() -> None:
    # Real (small) durations: the bound on a hung call is a timeout on the event loop's clock.
    # Without the bound, the first hung renew (at 0.2 s) would only time out at 0.7 s.
    api = HangingLeaseApi()
    cfg = LeaderElectionConfig(
        name="lock", namespace="ns", identity="me", lease_duration=1.0, renew_deadline=0.5, retry_period=0.2
    )
    leading = asyncio.Event()
    e = LeaderElector(api, cfg, SystemClock(), on_started_leading=leading.set, jitter=lambda seconds: seconds)
    task = asyncio.create_task(e.run())
    try:
        await asyncio.wait_for(leading.wait(), 2)
        api.hang = True
        renewed_at = asyncio.get_running_loop().time()
        with pytest.raises(LeadershipLost):
            await asyncio.wait_for(task, 3)
        assert asyncio.get_running_loop().time() - renewed_at < cfg.renew_deadline + 0.12
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
