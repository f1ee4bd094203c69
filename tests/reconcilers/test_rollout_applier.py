"""The plan applier issues exactly the API calls a plan needs, and none when nothing changed."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollouts.api.rollout import Rollout
from rollouts.clock import FakeClock
from rollouts.core.plan import DesiredTraffic, Event, Plan, ScaleChange, ServiceSelector, plan_canary
from rollouts.core.pod_defaults import with_pod_defaults
from rollouts.k8s.errors import ApiError
from rollouts.reconcilers.events import SOURCE_COMPONENT, EventRecorder
from rollouts.reconcilers.rollout_applier import PlanApplier
from tests.reconcilers.rollout_fakes import FakeApi, rollout

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _applier(api: FakeApi) -> PlanApplier:
    return PlanApplier(api, EventRecorder(api, FakeClock(NOW)))


def _plan(api: FakeApi, name: str = "demo") -> Plan:
    ro = api.objects[("rollouts", "ns", name)]
    return plan_canary(Rollout.from_dict(ro), api.of("replicasets"), NOW)


async def _pass(api: FakeApi, name: str = "demo") -> None:
    ro = api.objects[("rollouts", "ns", name)]
    rss = {rs["metadata"]["name"]: rs for rs in api.of("replicasets")}
    await _applier(api).apply(ro, _plan(api, name), rss, NOW)


async def test_initial_deploy_is_one_create_with_the_scale_folded_in_and_one_status_patch() -> None:
    api = FakeApi()
    api.put("rollouts", rollout(replicas=4))
    await _pass(api)
    assert [(v, p) for v, p, _ in api.writes()] == [
        ("patch", "rollouts"),  # the revision annotation
        ("create", "replicasets"),
        ("patch-status", "rollouts"),
    ]
    assert api.calls[0][3] == {"metadata": {"annotations": {"rollout.argoproj.io/revision": "1"}}}
    created = api.calls[1][3]
    assert created["spec"]["replicas"] == 4
    assert created["metadata"]["annotations"]["rollout.argoproj.io/desired-replicas"] == "4"
    assert created["metadata"]["ownerReferences"][0]["uid"] == "uid-demo"
    status_patch = api.calls[2][3]
    assert status_patch["metadata"]["resourceVersion"]  # optimistic concurrency on the status
    events = [c for c in api.calls if c[1] == "events"]
    assert events and all(e[3]["source"]["component"] == SOURCE_COMPONENT for e in events)
    assert all(e[3]["involvedObject"]["name"] == "demo" for e in events)


async def test_a_settled_rollout_gets_no_call_at_all() -> None:
    api = FakeApi()
    api.put("rollouts", rollout(replicas=3))
    for _ in range(4):
        await _pass(api)
    status = api.objects[("rollouts", "ns", "demo")]["status"]
    assert status["phase"] == "Healthy"
    api.calls.clear()
    await _pass(api)
    assert api.calls == []


async def test_an_image_change_walks_to_the_pause_with_patches_of_only_what_changed() -> None:
    api = FakeApi()
    api.put("rollouts", rollout(replicas=5, steps=[{"setWeight": 20}, {"pause": {}}]))
    for _ in range(4):
        await _pass(api)
    ro = api.objects[("rollouts", "ns", "demo")]
    ro["spec"]["template"]["spec"]["containers"][0]["image"] = "demo:2"
    api.calls.clear()
    for _ in range(4):
        await _pass(api)
    status = api.objects[("rollouts", "ns", "demo")]["status"]
    assert status["phase"] == "Paused"
    assert status["currentStepIndex"] == 1
    scales = sorted(rs["spec"]["replicas"] for rs in api.of("replicasets"))
    assert scales == [1, 4]
    for verb, plural, _, body in api.calls:
        if verb == "patch" and plural == "replicasets":
            assert set(body) <= {"spec", "metadata"}
            assert set(body.get("spec", {})) <= {"replicas"}
    api.calls.clear()
    await _pass(api)
    assert api.calls == []  # paused: nothing to do until promoted


async def test_selector_and_history_changes_are_applied_in_order() -> None:
    api = FakeApi()
    ro = api.put("rollouts", rollout())
    api.put(
        "services", {"metadata": {"name": "stable", "namespace": "ns"}, "spec": {"selector": {"app": "demo"}}}
    )
    for name in ("demo-a", "demo-b"):
        api.put("replicasets", {"metadata": {"name": name, "namespace": "ns"}, "spec": {"replicas": 1}})
    plan = Plan(
        create_replica_set=None,
        scales=[ScaleChange("demo-a", 0, {"x": None})],
        service_selectors=[ServiceSelector("stable", "abc")],
        traffic=None,
        status={"phase": "Progressing"},
        events=[Event("Normal", "ScalingReplicaSet", "down")],
        requeue_at=NOW + timedelta(seconds=30),
        delete_replica_sets=["demo-b"],
    )
    rss = {rs["metadata"]["name"]: rs for rs in api.of("replicasets")}
    outcome = await _applier(api).apply(ro, plan, rss, NOW)
    assert api.writes() == [
        ("patch", "replicasets", "demo-a"),
        ("patch", "services", "stable"),
        ("delete", "replicasets", "demo-b"),
        ("patch-status", "rollouts", "demo"),
    ]
    assert api.calls[0][3] == {"spec": {"replicas": 0}}  # the annotation to remove is not there
    service = api.objects[("services", "ns", "stable")]
    assert service["spec"]["selector"] == {"app": "demo", "rollouts-pod-template-hash": "abc"}
    assert service["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] == "demo"
    assert outcome.requeue_after == 30.0
    assert api.calls[-1][1] == "events"


async def test_a_status_conflict_is_reported_and_no_event_is_emitted() -> None:
    api = FakeApi()
    api.put("rollouts", rollout())
    stale = api.objects[("rollouts", "ns", "demo")]
    api.put("rollouts", stale)  # someone else wrote meanwhile: a newer resourceVersion
    plan = Plan(None, [], [], None, {"phase": "Healthy"}, [Event("Normal", "X", "y")], None)
    outcome = await _applier(api).apply(stale, plan, {}, NOW)
    assert outcome.conflict
    assert [c[0] for c in api.calls] == ["patch-status"]


async def test_a_create_colliding_with_a_foreign_replica_set_bumps_the_collision_count() -> None:
    api = FakeApi()
    api.put("rollouts", rollout())
    plan = _plan(api)
    assert plan.create_replica_set is not None
    foreign: dict[str, Any] = {**plan.create_replica_set}
    foreign["metadata"] = {**foreign["metadata"], "ownerReferences": [], "namespace": "ns"}
    api.put("replicasets", foreign)
    ro = api.objects[("rollouts", "ns", "demo")]
    outcome = await _applier(api).apply(ro, plan, {}, NOW)
    assert api.objects[("rollouts", "ns", "demo")]["status"] == {"collisionCount": 1}
    assert outcome.requeue_after == 0.0
    assert (
        api.objects[("replicasets", "ns", foreign["metadata"]["name"])]["metadata"]["ownerReferences"] == []
    )


async def test_our_own_replica_set_found_by_the_create_is_adopted_and_the_pass_goes_on() -> None:
    api = FakeApi()
    api.put("rollouts", rollout(replicas=2))
    plan = _plan(api)
    assert plan.create_replica_set is not None
    name = plan.create_replica_set["metadata"]["name"]
    existing = copy.deepcopy(plan.create_replica_set)  # created by an earlier pass, not cached yet
    existing["spec"]["template"] = with_pod_defaults(existing["spec"]["template"])  # as the server stores it
    api.put("replicasets", existing)
    api.calls.clear()
    ro = api.objects[("rollouts", "ns", "demo")]
    outcome = await _applier(api).apply(ro, plan, {}, NOW)
    assert not outcome.conflict
    assert ("patch", "replicasets", name) in api.writes()  # scaled as planned
    assert api.objects[("replicasets", "ns", name)]["spec"]["replicas"] == 2
    assert "collisionCount" not in api.objects[("rollouts", "ns", "demo")]["status"]


async def test_a_failed_create_is_reported_as_replica_set_create_error() -> None:
    api = FakeApi()
    api.put("rollouts", rollout())
    plan = _plan(api)

    async def refuse(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ApiError(403, "Forbidden", "quota exceeded")

    create = api.create

    async def create_or_refuse(
        res: Any, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        if res.plural == "replicasets":
            return await refuse()
        return await create(res, body, namespace)

    api.create = create_or_refuse  # type: ignore[method-assign]
    ro = api.objects[("rollouts", "ns", "demo")]
    with pytest.raises(ApiError):
        await _applier(api).apply(ro, plan, {}, NOW)
    [progressing] = api.objects[("rollouts", "ns", "demo")]["status"]["conditions"]
    assert (progressing["status"], progressing["reason"]) == ("False", "ReplicaSetCreateError")
    assert progressing["message"].startswith("Failed to create new replica set")
    warnings = [c[3] for c in api.calls if c[1] == "events" and c[3]["type"] == "Warning"]
    assert [w["reason"] for w in warnings] == ["ReplicaSetCreateError"]


async def test_evictions_the_workload_and_affinity_are_applied() -> None:
    api = FakeApi()
    ro = rollout()
    ro["spec"].pop("template")
    ro["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    ro = api.put("rollouts", ro)
    api.put("deployments", {"metadata": {"name": "web", "namespace": "ns"}, "spec": {"replicas": 3}})
    api.put("replicasets", {"metadata": {"name": "rs", "namespace": "ns"}, "spec": {"replicas": 1}})
    for pod in ("p1", "p2"):
        api.put("pods", {"metadata": {"name": pod, "namespace": "ns"}})
    affinity = {"podAntiAffinity": {"x": 1}}
    plan = Plan(None, [], [], None, {}, [], None, evict_pods=["p1", "gone"], workload_replicas=0)
    plan.affinity_updates["rs"] = affinity
    rss = {rs["metadata"]["name"]: rs for rs in api.of("replicasets")}
    await _applier(api).apply(ro, plan, rss, NOW)
    assert api.writes() == [
        ("patch", "replicasets", "rs"),
        ("evict", "pods", "p1"),
        ("evict", "pods", "gone"),  # already gone: not an error
        ("patch", "deployments", "web"),
    ]
    assert api.objects[("replicasets", "ns", "rs")]["spec"]["template"]["spec"]["affinity"] == affinity
    assert api.objects[("deployments", "ns", "web")]["spec"]["replicas"] == 0
    assert ("pods", "ns", "p1") not in api.objects


async def test_traffic_goes_to_the_router_between_the_selectors_and_the_history_clean_up() -> None:
    api = FakeApi()
    ro = api.put("rollouts", rollout())
    api.put("services", {"metadata": {"name": "stable", "namespace": "ns"}, "spec": {"selector": {}}})
    api.put("replicasets", {"metadata": {"name": "old", "namespace": "ns"}, "spec": {"replicas": 0}})
    traffic = DesiredTraffic(canary_weight=20, stable_weight=80, canary_hash="c", stable_hash="s")
    routed: list[tuple[DesiredTraffic, list[tuple[str, str, str]]]] = []

    async def route(desired: DesiredTraffic) -> None:
        routed.append((desired, api.writes()))

    plan = Plan(
        None, [], [ServiceSelector("stable", "s")], traffic, {}, [], None, delete_replica_sets=["old"]
    )
    await _applier(api).apply(ro, plan, {}, NOW, route)
    assert routed == [(traffic, [("patch", "services", "stable")])]
    assert api.writes()[-1] == ("delete", "replicasets", "old")
