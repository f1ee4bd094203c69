"""The router layer of the Rollout reconciler: the routers' own Events (upstream's reasons, after the
pass), TrafficRoutingError when a router cannot do its job, and the current step's header route."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollouts.k8s.resources import ROLLOUTS
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.reconcilers.rollout_fakes import rollout, service
from tests.reconcilers.test_rollout_controller import World


def _events(world: World) -> list[tuple[str, str, str]]:
    return [
        (b["type"], b["reason"], b["message"]) for _, plural, _, b in world.api.calls if plural == "events"
    ]


def _routed_rollout(steps: list[dict[str, Any]] | None = None, **canary: object) -> dict[str, Any]:
    return rollout(
        replicas=2,
        steps=steps or [{"setWeight": 50}, {"pause": {}}],
        canaryService="canary",
        stableService="stable",
        **canary,
    )


async def test_the_routers_events_reach_the_rollout() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    world.add("rollouts", _routed_rollout(trafficRouting={"smi": {}}))
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert ("Normal", "TrafficSplitCreated", "TrafficSplit `demo` created") in _events(world)
    assert ("Normal", "TrafficWeightUpdated", "Traffic weight updated to 0") in _events(world)


async def test_a_router_error_is_a_traffic_routing_error_warning_and_fails_the_pass() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    world.add("rollouts", _routed_rollout(trafficRouting={"nginx": {"stableIngress": "missing"}}))
    with pytest.raises(TrafficRoutingError):
        for _ in range(4):
            await world.controller.reconcile("ns/demo")
            world.sync()
    assert (
        "Warning",
        "TrafficRoutingError",
        "error retrieving stableIngress `missing`: not found",
    ) in _events(world)


async def test_a_header_route_step_reaches_istio_and_goes_when_the_update_completes() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    primary = {
        "name": "primary",
        "route": [
            {"destination": {"host": "stable"}, "weight": 100},
            {"destination": {"host": "canary"}, "weight": 0},
        ],
    }
    world.api.put(
        "virtualservices",
        {"metadata": {"name": "vs", "namespace": "ns"}, "spec": {"hosts": ["demo"], "http": [primary]}},
    )
    header = {"name": "hdr", "match": [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}]}
    steps = [{"setWeight": 50}, {"setHeaderRoute": header}, {"pause": {}}]
    routing = {
        "istio": {"virtualService": {"name": "vs", "routes": ["primary"]}},
        "managedRoutes": [{"name": "hdr"}],
    }
    world.add("rollouts", _routed_rollout(steps, trafficRouting=routing))
    await world.settle()
    assert world.status()["phase"] == "Healthy"

    def http() -> list[dict[str, object]]:
        routes: list[dict[str, object]] = world.api.objects[("virtualservices", "ns", "vs")]["spec"]["http"]
        return routes

    assert [r["name"] for r in http()] == ["primary"]  # the first deploy runs no steps
    ro = copy.deepcopy(world.api.objects[("rollouts", "ns", "demo")])
    ro["spec"]["template"]["spec"]["containers"][0]["image"] = "demo:2"
    world.add("rollouts", ro)
    await world.settle()
    assert world.status()["currentStepIndex"] == 2
    assert [r["name"] for r in http()] == ["hdr", "primary"]
    assert http()[0]["match"] == [{"headers": {"X-Canary": {"exact": "yes"}}}]
    # promote: the update completes and the managed route goes with it
    await world.api.patch(ROLLOUTS, "demo", {"status": {"pauseConditions": None}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert [r["name"] for r in http()] == ["primary"]


async def test_ping_pong_is_refused_with_a_clear_traffic_routing_error() -> None:
    world = World()
    world.add("services", service("ping", {"app": "demo"}))
    world.add("services", service("pong", {"app": "demo"}))
    ro = rollout(
        replicas=2,
        steps=[{"setWeight": 50}, {"pause": {}}],
        pingPong={"pingService": "ping", "pongService": "pong"},
        trafficRouting={"alb": {"ingress": "ing", "rootService": "root", "servicePort": 80}},
    )
    world.add("rollouts", ro)
    with pytest.raises(TrafficRoutingError, match="pingPong is not supported"):
        for _ in range(4):
            await world.controller.reconcile("ns/demo")
            world.sync()
    assert (
        "Warning",
        "TrafficRoutingError",
        "canary.pingPong is not supported by this controller yet",
    ) in _events(world)
