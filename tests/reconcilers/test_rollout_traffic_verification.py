"""Verified weights: ReplicaSet scale-downs wait for the routers to confirm the weight.

Two levels: the applier given a hand-made plan and a route answering a scripted verdict, and the
controller driving a Gateway API-routed Rollout with dynamicStableScale whose HTTPRoute status the
test moves like a Gateway controller would.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollouts.clock import FakeClock
from rollouts.core.conditions import SCALING_REPLICA_SET, scaling_event_message
from rollouts.core.plan import DesiredTraffic, Event, Plan, ScaleChange
from rollouts.reconcilers.events import EventRecorder
from rollouts.reconcilers.rollout_applier import PlanApplier
from rollouts.reconcilers.weight_verification import (
    TRAFFIC_WEIGHT_VERIFIED,
    VERIFY_RETRY_SECONDS,
    VERIFY_TIMEOUT_SECONDS,
    WEIGHT_NOT_VERIFIED,
    WEIGHT_VERIFIED,
    WeightVerifier,
)
from rollouts.trafficrouting.gatewayapi_objects import PLUGIN_NAME
from rollouts.trafficrouting.resources import HTTP_ROUTES
from tests.reconcilers.rollout_fakes import FakeApi, rollout, service
from tests.reconcilers.test_rollout_controller import World

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TRAFFIC = DesiredTraffic(canary_weight=0, stable_weight=100, canary_hash="c", stable_hash="s")


def _rs(name: str, replicas: int) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": {"replicas": replicas}}


def _status(weight: int = 0) -> dict[str, Any]:
    return {"canary": {"weights": {"canary": {"weight": weight}, "stable": {"weight": 100 - weight}}}}


class Scene:
    """An applier over a fake API with a canary (3 pods) and a stable (1 pod), and a scripted route."""

    def __init__(self) -> None:
        self.api = FakeApi()
        self.clock = FakeClock(NOW)
        self.applier = PlanApplier(self.api, EventRecorder(self.api, self.clock))
        self.rollout = self.api.put("rollouts", rollout())
        self.replica_sets = {
            rs["metadata"]["name"]: self.api.put("replicasets", rs)
            for rs in (_rs("canary", 3), _rs("stable", 1))
        }
        self.verdict: bool | None = None
        self.routed_after: list[list[tuple[str, str, str]]] = []

    async def route(self, desired: DesiredTraffic) -> bool | None:
        self.routed_after.append(self.api.writes())
        return self.verdict

    async def apply(self, plan: Plan) -> Any:
        """Apply ``plan`` with the stored conditions carried into its status, as the core carries them."""
        self.api.calls.clear()
        self.rollout = self.api.objects[("rollouts", "ns", "demo")]
        stored = (self.rollout.get("status") or {}).get("conditions")
        if stored:
            plan.status["conditions"] = copy.deepcopy(stored)
        return await self.applier.apply(self.rollout, plan, self.replica_sets, self.clock.now(), self.route)

    def replicas(self, name: str) -> int:
        value: int = self.api.objects[("replicasets", "ns", name)]["spec"]["replicas"]
        return value

    def events(self) -> list[tuple[str, str]]:
        return [
            (body["type"], body["reason"]) for verb, plural, _, body in self.api.calls if plural == "events"
        ]

    def verification_events(self) -> list[tuple[str, str]]:
        return [e for e in self.events() if e[1] != SCALING_REPLICA_SET]

    def event_messages(self) -> list[str]:
        return [body["message"] for _, plural, _, body in self.api.calls if plural == "events"]

    def condition(self) -> dict[str, Any] | None:
        return _condition(self.api.objects[("rollouts", "ns", "demo")].get("status") or {})


def _abort_plan(weight: int = 0) -> Plan:
    """The canary goes from 3 to 0 pods, the stable from 1 to 3, the weight to ``weight``."""
    traffic = DesiredTraffic(weight, 100 - weight, "c", "s")
    scales = [ScaleChange("canary", 0), ScaleChange("stable", 3)]
    events = [
        Event("Normal", SCALING_REPLICA_SET, scaling_event_message("up", "stable", 1, 1, 3)),
        Event("Normal", SCALING_REPLICA_SET, scaling_event_message("down", "canary", 2, 3, 0)),
    ]
    return Plan(None, scales, [], traffic, _status(weight), events, None)


@pytest.mark.parametrize("verdict", [True, None])
async def test_a_confirmed_or_unverifiable_weight_lets_the_scale_down_follow_the_routing(
    verdict: bool | None,
) -> None:
    scene = Scene()
    scene.verdict = verdict
    outcome = await scene.apply(_abort_plan())
    # the scale-up comes before the routers, the scale-down after them
    assert scene.routed_after == [[("patch", "replicasets", "stable")]]
    assert scene.api.writes()[:3] == [
        ("patch", "replicasets", "stable"),
        ("patch", "replicasets", "canary"),
        ("patch-status", "rollouts", "demo"),
    ]
    assert (scene.replicas("canary"), scene.replicas("stable")) == (0, 3)
    assert scene.events() == [("Normal", SCALING_REPLICA_SET)] * 2
    weights = scene.api.objects[("rollouts", "ns", "demo")]["status"]["canary"]["weights"]
    assert weights.get("verified") is verdict
    assert outcome.requeue_after is None


async def test_an_unconfirmed_weight_holds_only_the_scale_downs_and_requeues() -> None:
    scene = Scene()
    scene.verdict = False
    outcome = await scene.apply(_abort_plan())
    assert (scene.replicas("canary"), scene.replicas("stable")) == (3, 3)
    assert ("patch", "replicasets", "canary") not in scene.api.writes()
    status = scene.api.objects[("rollouts", "ns", "demo")]["status"]
    assert status["canary"]["weights"]["verified"] is False
    assert outcome.requeue_after == VERIFY_RETRY_SECONDS
    assert scene.condition() is None  # not yet timed out: no condition, no event
    # the scale-up is announced, the held scale-down is not
    assert scene.event_messages() == ["Scaled up ReplicaSet stable (revision 1) from 1 to 3"]
    # confirmed on a later pass: the same plan's scale-down goes through
    scene.verdict = True
    await scene.clock.advance(VERIFY_RETRY_SECONDS)
    await scene.apply(_abort_plan())
    assert scene.replicas("canary") == 0
    assert scene.condition() is None


async def test_the_plans_own_requeue_wins_when_sooner_than_the_retry() -> None:
    scene = Scene()
    scene.verdict = False
    plan = _abort_plan()
    soon = Plan(None, plan.scales, [], plan.traffic, plan.status, [], NOW + timedelta(seconds=1))
    outcome = await scene.apply(soon)
    assert outcome.requeue_after == 1.0


async def test_a_weight_unconfirmed_past_the_timeout_gets_a_condition_and_one_warning() -> None:
    scene = Scene()
    scene.verdict = False
    await scene.apply(_abort_plan())
    await scene.clock.advance(VERIFY_TIMEOUT_SECONDS - 1)
    await scene.apply(_abort_plan())
    assert scene.condition() is None
    await scene.clock.advance(1)
    await scene.apply(_abort_plan())
    condition = scene.condition()
    assert condition is not None
    assert (condition["status"], condition["reason"]) == ("False", WEIGHT_NOT_VERIFIED)
    assert "Traffic weight 0 not confirmed" in condition["message"]
    assert scene.verification_events() == [("Warning", WEIGHT_NOT_VERIFIED)]
    assert scene.replicas("canary") == 3  # still held: the pods may still get traffic
    await scene.clock.advance(VERIFY_RETRY_SECONDS)
    await scene.apply(_abort_plan())
    assert scene.verification_events() == []  # said once
    scene.verdict = True
    await scene.apply(_abort_plan())
    condition = scene.condition()
    assert condition is not None
    assert (condition["status"], condition["reason"]) == ("True", WEIGHT_VERIFIED)
    assert scene.verification_events() == [("Normal", WEIGHT_VERIFIED)]
    assert scene.replicas("canary") == 0


async def test_a_new_desired_weight_restarts_the_wait() -> None:
    scene = Scene()
    scene.verdict = False
    await scene.apply(_abort_plan(weight=10))
    await scene.clock.advance(VERIFY_TIMEOUT_SECONDS - 1)
    await scene.apply(_abort_plan(weight=0))
    await scene.clock.advance(VERIFY_TIMEOUT_SECONDS - 1)
    await scene.apply(_abort_plan(weight=0))
    assert scene.condition() is None
    await scene.clock.advance(1)
    await scene.apply(_abort_plan(weight=0))
    assert scene.condition() is not None


def test_the_verifier_leaves_verified_unset_when_no_router_can_tell() -> None:
    verifier = WeightVerifier()
    status = _status(20)
    status["canary"]["weights"]["verified"] = False  # from an earlier pass
    judged = verifier.judge("ns/demo", 20, None, status, NOW)
    assert "verified" not in judged.status["canary"]["weights"]
    assert status["canary"]["weights"]["verified"] is False  # the plan's status is not mutated
    assert not judged.hold_scale_downs


# -- the controller, end to end over the recorded fake API -------------------------------------


def _http_route(observed_generation: int) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "route", "namespace": "ns", "generation": 2},
        "spec": {
            "rules": [
                {
                    "backendRefs": [
                        {"name": "stable", "port": 80, "weight": 100},
                        {"name": "canary", "port": 80, "weight": 0},
                    ]
                }
            ]
        },
        "status": {
            "parents": [
                {
                    "conditions": [
                        {"type": "Accepted", "status": "True", "observedGeneration": observed_generation}
                    ]
                }
            ]
        },
    }


def _gateway_rollout() -> dict[str, Any]:
    return rollout(
        replicas=4,
        steps=[{"setWeight": 50}, {"pause": {}}],
        canaryService="canary",
        stableService="stable",
        dynamicStableScale=True,
        trafficRouting={"plugins": {PLUGIN_NAME: {"httpRoute": "route"}}},
    )


def _replicas_by_revision(world: World) -> dict[str, int]:
    return {
        rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]: rs["spec"]["replicas"]
        for rs in world.api.of("replicasets")
    }


async def test_dynamic_stable_scale_waits_for_the_gateway_to_observe_the_weight() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    world.api.put("httproutes", _http_route(observed_generation=2))
    world.add("rollouts", _gateway_rollout())
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    # the Gateway controller now lags behind every write to the route
    world.api.put("httproutes", _http_route(observed_generation=1))
    ro = copy.deepcopy(world.api.objects[("rollouts", "ns", "demo")])
    ro["spec"]["template"]["spec"]["containers"][0]["image"] = "demo:2"
    world.add("rollouts", ro)
    await world.settle()
    route = world.api.objects[("httproutes", "ns", "route")]
    weights = {ref["name"]: ref["weight"] for ref in route["spec"]["rules"][0]["backendRefs"]}
    assert weights == {"canary": 50, "stable": 50}
    assert world.status()["canary"]["weights"]["canary"]["weight"] == 50
    assert world.status()["canary"]["weights"]["verified"] is False
    # the stable keeps all 4 pods while the Gateway has not confirmed the 50/50 split
    assert _replicas_by_revision(world) == {"1": 4, "2": 2}
    # past the timeout the Rollout says so, and the core carries the condition from pass to pass
    await world.clock.advance(VERIFY_TIMEOUT_SECONDS)
    await world.settle()
    held = _condition(world.status())
    assert held is not None and (held["status"], held["reason"]) == ("False", WEIGHT_NOT_VERIFIED)
    assert _replicas_by_revision(world) == {"1": 4, "2": 2}
    # the Gateway controller catches up
    await world.api.patch(
        HTTP_ROUTES,
        "route",
        {"status": _http_route(observed_generation=2)["status"]},
        "ns",
        subresource="status",
    )
    await world.settle()
    assert world.status()["canary"]["weights"]["verified"] is True
    assert _replicas_by_revision(world) == {"1": 2, "2": 2}
    confirmed = _condition(world.status())
    assert confirmed is not None and (confirmed["status"], confirmed["reason"]) == ("True", WEIGHT_VERIFIED)


def _condition(status: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in status.get("conditions") or [] if c["type"] == TRAFFIC_WEIGHT_VERIFIED), None)


def test_a_forgotten_rollout_starts_a_fresh_wait() -> None:
    verifier = WeightVerifier()
    assert verifier.judge("ns/demo", 0, False, _status(), NOW).event is None
    verifier.forget("ns/demo")  # the Rollout was deleted (and is created again)
    later = NOW + timedelta(seconds=VERIFY_TIMEOUT_SECONDS + 1)
    judged = verifier.judge("ns/demo", 0, False, _status(), later)
    assert judged.hold_scale_downs and judged.event is None
    timed_out = verifier.judge(
        "ns/demo", 0, False, _status(), later + timedelta(seconds=VERIFY_TIMEOUT_SECONDS)
    )
    assert timed_out.event is not None and timed_out.event.reason == WEIGHT_NOT_VERIFIED
