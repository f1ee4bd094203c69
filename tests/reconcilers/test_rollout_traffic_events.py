"""The Rollout's Events from the router layer: the routers' own (upstream's reasons, after the pass)
and TrafficRoutingError when a router cannot do its job."""

from __future__ import annotations

import pytest

from rollouts.trafficrouting.router import TrafficRoutingError
from tests.reconcilers.rollout_fakes import rollout, service
from tests.reconcilers.test_rollout_controller import World


def _events(world: World) -> list[tuple[str, str, str]]:
    return [
        (b["type"], b["reason"], b["message"]) for _, plural, _, b in world.api.calls if plural == "events"
    ]


def _smi_rollout(**canary: object) -> dict[str, object]:
    return rollout(
        replicas=2,
        steps=[{"setWeight": 50}, {"pause": {}}],
        canaryService="canary",
        stableService="stable",
        **canary,
    )


async def test_the_routers_events_reach_the_rollout() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    world.add("rollouts", _smi_rollout(trafficRouting={"smi": {}}))
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert ("Normal", "TrafficSplitCreated", "TrafficSplit `demo` created") in _events(world)
    assert ("Normal", "TrafficWeightUpdated", "Traffic weight updated to 0") in _events(world)


async def test_a_router_error_is_a_traffic_routing_error_warning_and_fails_the_pass() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    world.add("rollouts", _smi_rollout(trafficRouting={"nginx": {"stableIngress": "missing"}}))
    with pytest.raises(TrafficRoutingError):
        for _ in range(4):
            await world.controller.reconcile("ns/demo")
            world.sync()
    assert (
        "Warning",
        "TrafficRoutingError",
        "error retrieving stableIngress `missing`: not found",
    ) in _events(world)
