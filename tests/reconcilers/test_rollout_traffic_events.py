"""The router layer of the Rollout reconciler: the routers' own Events (upstream's reasons, after the
pass), TrafficRoutingError when a router cannot do its job, and the current step's header route."""

from __future__ import annotations

import copy
import json
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


def _alb_ingress() -> dict[str, Any]:
    backend = {"service": {"name": "root", "port": {"name": "use-annotation"}}}
    return {
        "metadata": {"name": "ing", "namespace": "ns", "annotations": {}},
        "spec": {"rules": [{"http": {"paths": [{"path": "/*", "backend": backend}]}}]},
    }


async def test_an_alb_ping_pong_rollout_routes_to_the_side_that_is_canary_now() -> None:
    world = World()
    for name in ("ping", "pong", "root"):
        world.add("services", service(name, {"app": "demo"}))
    world.api.put("ingresses", _alb_ingress())
    ro = rollout(
        replicas=2,
        steps=[{"setWeight": 50}, {"pause": {}}],
        pingPong={"pingService": "ping", "pongService": "pong"},
        trafficRouting={"alb": {"ingress": "ing", "rootService": "root", "servicePort": 80}},
    )
    world.add("rollouts", ro)
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert world.status()["canary"]["stablePingPong"] == "ping"

    def groups() -> dict[str, int]:
        annotations = world.api.objects[("ingresses", "ns", "ing")]["metadata"]["annotations"]
        action = json.loads(annotations["alb.ingress.kubernetes.io/actions.root"])
        return {g["ServiceName"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}

    def selected(name: str) -> str | None:
        selector: dict[str, str] = world.api.objects[("services", "ns", name)]["spec"]["selector"]
        return selector.get("rollouts-pod-template-hash")

    v1 = world.status()["stableRS"]
    assert groups() == {"pong": 0, "ping": 100} and selected("ping") == v1
    updated = copy.deepcopy(world.api.objects[("rollouts", "ns", "demo")])
    updated["spec"]["template"]["spec"]["containers"][0]["image"] = "demo:2"
    world.add("rollouts", updated)
    await world.settle()
    v2 = world.status()["currentPodHash"]
    assert world.status()["currentStepIndex"] == 1
    assert groups() == {"pong": 50, "ping": 50}
    assert (selected("ping"), selected("pong")) == (v1, v2)
    await world.api.patch(ROLLOUTS, "demo", {"status": {"pauseConditions": None}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert world.status()["stableRS"] == v2
    assert world.status()["canary"]["stablePingPong"] == "pong"
    # the roles flipped: everything goes to pong, which already selected the new pods
    assert groups() == {"ping": 0, "pong": 100}
    assert (selected("ping"), selected("pong")) == (v1, v2)
    assert not any(e[1] == "TrafficRoutingError" for e in _events(world))
