"""The Service controller: a Service claimed by a Rollout that is gone (or no longer names it) is
released — annotation and hash selector removed — and nothing else is ever touched."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts.clock import FakeClock
from rollouts.informers import SharedInformerFactory
from rollouts.k8s.resources import ROLLOUTS, SERVICES
from rollouts.metrics import ControllerMetrics
from rollouts.reconcilers.service import ServiceController
from tests.reconcilers.rollout_fakes import FakeApi, rollout, service

MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"
HASH = "rollouts-pod-template-hash"


class World:
    def __init__(self) -> None:
        self.api = FakeApi()
        clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
        factory = SharedInformerFactory(self.api, clock)  # never run: fed by hand
        self.controller = ServiceController(self.api, factory, clock, ControllerMetrics("v0"))
        self.services = factory.informer(SERVICES)
        self.rollouts = factory.informer(ROLLOUTS)

    def add_service(self, obj: dict[str, Any]) -> None:
        self.services.apply("ADDED", self.api.put("services", obj))

    def add_rollout(self, obj: dict[str, Any]) -> None:
        self.rollouts.apply("ADDED", self.api.put("rollouts", obj))

    def queued(self) -> list[str]:
        return sorted(self.controller.queue.snapshot().ready)

    def svc(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.api.objects[("services", "ns", name)]
        return found


def _claimed(name: str, owner: str) -> dict[str, Any]:
    return service(name, {"app": "demo", HASH: "abc"}, {MANAGED_BY: owner, "team": "x"})


def _canary_rollout(stable: str, name: str = "demo") -> dict[str, Any]:
    ro = rollout(name=name)
    ro["spec"]["strategy"] = {"canary": {"stableService": stable}}
    return ro


async def test_a_service_whose_rollout_is_gone_is_released() -> None:
    world = World()
    world.add_service(_claimed("web", "demo"))
    assert world.queued() == ["ns/web"]
    await world.controller.reconcile("ns/web")
    released = world.svc("web")
    assert released["metadata"]["annotations"] == {"team": "x"}  # other annotations stay
    assert released["spec"]["selector"] == {"app": "demo"}
    assert world.api.writes() == [("patch", "services", "web")]


@pytest.mark.parametrize("owner", ["demo", "other"])
async def test_a_service_its_rollout_still_names_is_left_alone(owner: str) -> None:
    world = World()
    # the owner is read from the API, not the cache: it may belong to another controller instance
    world.api.put("rollouts", _canary_rollout("web", owner))
    world.add_service(_claimed("web", owner))
    before = copy.deepcopy(world.svc("web"))
    await world.controller.reconcile("ns/web")
    assert world.api.writes() == []
    assert world.svc("web") == before


@pytest.mark.parametrize(
    "svc",
    [
        service("web", {"app": "demo", HASH: "abc"}),  # hash selector, no claim: upstream leaves it
        service("web", {"app": "demo"}, {MANAGED_BY: "gone"}),  # claim without a hash selector
        service("web", {"app": "demo"}),
    ],
)
async def test_services_not_carrying_a_claim_and_a_hash_are_never_touched(svc: dict[str, Any]) -> None:
    world = World()
    world.add_service(svc)
    await world.controller.reconcile("ns/web")
    assert world.api.writes() == []


async def test_a_rollout_that_stops_naming_a_service_or_is_deleted_enqueues_it() -> None:
    world = World()
    old = _canary_rollout("web")
    world.add_rollout(old)
    assert world.queued() == []  # a Rollout that appears claims nothing by itself
    new = _canary_rollout("api")
    world.rollouts.apply("MODIFIED", world.api.put("rollouts", new))
    assert world.queued() == ["ns/web"]
    world.rollouts.apply("DELETED", new)
    assert world.queued() == ["ns/api", "ns/web"]


async def test_a_service_gone_before_its_turn_is_skipped() -> None:
    world = World()
    await world.controller.reconcile("ns/missing")
    assert world.api.writes() == []
