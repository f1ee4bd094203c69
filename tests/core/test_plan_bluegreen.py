"""The blue-green planner against the simulated cluster."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rollout(replicas: int = 3, image: str = "demo:1", **bg: Any) -> dict[str, Any]:
    strategy = {"blueGreen": {"activeService": "active", "previewService": "preview", **bg}}
    return rollout_doc(strategy, replicas=replicas, image=image)


def _sim(rollout: dict[str, Any]) -> SimCluster:
    services = {
        name: {"metadata": {"name": name}, "spec": {"selector": {"app": "demo"}}}
        for name in ("active", "preview")
    }
    return SimCluster(rollout, T0, services=services)


def _step(sim: SimCluster, rounds: int = 4) -> None:
    for _ in range(rounds):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)


def _healthy(rollout: dict[str, Any]) -> SimCluster:
    sim = _sim(rollout)
    final = sim.settle()
    assert final.status["phase"] == "Healthy", final.status
    return sim


def test_initial_deploy_switches_active_when_saturated() -> None:
    sim = _sim(_rollout())
    plan = sim.plan()
    assert plan.create_replica_set is not None
    sim.apply(plan)
    new_hash = plan.status["currentPodHash"]
    assert sim.selected_hash("preview") == new_hash
    assert sim.selected_hash("active") is None  # not before the pods are available
    final = sim.settle()
    assert sim.selected_hash("active") == new_hash
    assert final.status["stableRS"] == new_hash and final.status["phase"] == "Healthy"
    assert final.status["selector"] == f"app=demo,rollouts-pod-template-hash={new_hash}"


def test_manual_promotion_with_preview_replica_count() -> None:
    sim = _healthy(_rollout(replicas=4, autoPromotionEnabled=False, previewReplicaCount=1))
    old = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    _step(sim, 5)
    new = sim.rollout["status"]["currentPodHash"]
    status = sim.rollout["status"]
    assert status["phase"] == "Paused" and status["message"] == "BlueGreenPause"
    specs = {
        rs["metadata"]["labels"]["rollouts-pod-template-hash"]: rs["spec"]["replicas"]
        for rs in sim.replica_sets.values()
    }
    assert specs == {old: 4, new: 1}
    assert sim.selected_hash("active") == old and sim.selected_hash("preview") == new
    sim.promote()
    _step(sim, 5)
    assert sim.selected_hash("active") == new
    assert sim.rollout["status"]["blueGreen"]["scaleUpPreviewCheckPoint"] is True
    old_rs = next(
        rs
        for rs in sim.replica_sets.values()
        if rs["metadata"]["labels"]["rollouts-pod-template-hash"] == old
    )
    assert "scale-down-deadline" in old_rs["metadata"]["annotations"] and old_rs["spec"]["replicas"] == 4
    sim.now += timedelta(seconds=31)
    final = sim.settle()
    assert old_rs["spec"]["replicas"] == 0 and final.status["phase"] == "Healthy"


def test_auto_promotion_seconds_resumes_by_itself() -> None:
    sim = _healthy(_rollout(autoPromotionSeconds=20))
    sim.set_image("demo:2")
    _step(sim, 4)
    plan = sim.plan()
    assert plan.status["message"] == "BlueGreenPause"
    assert plan.requeue_at is not None and plan.requeue_at <= sim.now + timedelta(seconds=21)
    sim.now += timedelta(seconds=21)
    _step(sim, 3)
    assert sim.selected_hash("active") == sim.rollout["status"]["currentPodHash"]


def test_pre_promotion_failure_aborts_back_to_stable() -> None:
    sim = _healthy(_rollout(prePromotionAnalysis={"templates": [{"templateName": "t"}]}))
    old = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    _step(sim, 3)
    assert sim.selected_hash("active") == old  # gated on the analysis
    sim.pre_promotion = "Failed"
    plan = sim.plan()
    sim.apply(plan)
    assert plan.status["phase"] == "Degraded"
    assert sim.selected_hash("active") == old
    assert sim.selected_hash("preview") == sim.rollout["status"]["currentPodHash"]


def test_abort_keeps_the_preview_on_the_new_replica_set_and_scales_it_down_after_the_delay() -> None:
    # Upstream: the active Service returns to the stable pods; the preview Service keeps selecting
    # the new ReplicaSet, which gets a scale-down-deadline abortScaleDownDelaySeconds ahead.
    sim = _healthy(_rollout(autoPromotionEnabled=False, abortScaleDownDelaySeconds=10))
    old = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    _step(sim, 4)
    new = sim.rollout["status"]["currentPodHash"]
    assert sim.rollout["status"]["message"] == "BlueGreenPause"
    sim.rollout["status"]["abort"] = True
    _step(sim, 2)
    status = sim.rollout["status"]
    assert status["phase"] == "Degraded"
    assert (sim.selected_hash("active"), sim.selected_hash("preview")) == (old, new)
    assert (status["blueGreen"]["activeSelector"], status["blueGreen"]["previewSelector"]) == (old, new)
    by_hash = {rs["metadata"]["labels"]["rollouts-pod-template-hash"]: rs for rs in sim.replica_sets.values()}
    assert by_hash[new]["spec"]["replicas"] == 3  # kept until the deadline
    deadline = by_hash[new]["metadata"]["annotations"]["scale-down-deadline"]
    assert deadline == (sim.now + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sim.now += timedelta(seconds=11)
    _step(sim, 2)
    assert by_hash[new]["spec"]["replicas"] == 0
    assert by_hash[old]["spec"]["replicas"] == 3
    assert sim.selected_hash("preview") == new and sim.rollout["status"]["phase"] == "Degraded"


def test_post_promotion_gates_stable() -> None:
    sim = _healthy(_rollout(postPromotionAnalysis={"templates": [{"templateName": "t"}]}))
    sim.post_promotion = None
    sim.set_image("demo:2")
    _step(sim, 4)
    status = sim.rollout["status"]
    assert sim.selected_hash("active") == status["currentPodHash"] != status["stableRS"]
    assert status["message"] == "waiting for analysis to complete"
    sim.post_promotion = "Successful"
    _step(sim, 2)
    assert sim.rollout["status"]["stableRS"] == sim.rollout["status"]["currentPodHash"]


def test_missing_active_service_is_a_clear_error() -> None:
    sim = _sim(_rollout())
    del sim.services["active"]
    with pytest.raises(ValueError, match='service "active" not found'):
        sim.plan()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    replicas=st.integers(1, 5),
    preview=st.one_of(st.none(), st.integers(0, 5)),
    manual=st.booleans(),
    actions=st.lists(
        st.sampled_from(["ready", "unready", "image", "promote", "abort", "time", "replan"]), max_size=20
    ),
)
def test_bluegreen_liveness_and_idempotence(
    replicas: int, preview: int | None, manual: bool, actions: list[str]
) -> None:
    extra: dict[str, Any] = {"autoPromotionEnabled": not manual}
    if preview is not None:
        extra["previewReplicaCount"] = min(preview, replicas)
    sim = _healthy(_rollout(replicas=replicas, **extra))
    version = 1
    for action in actions:
        names = sorted(sim.replica_sets)
        if action == "ready":
            sim.make_ready(names[-1], 1)
        elif action == "unready":
            sim.make_unready(names[0], 1)
        elif action == "image":
            version += 1
            sim.set_image(f"demo:{version}")
        elif action == "promote":
            sim.promote()
        elif action == "abort":
            sim.rollout["status"]["abort"] = True
        elif action == "time":
            sim.now += timedelta(seconds=40)
        active_before = sim.selected_hash("active")
        sim.apply(sim.plan())
        # Safety: the active Service only ever points at a ReplicaSet that exists.
        hashes = {rs["metadata"]["labels"]["rollouts-pod-template-hash"] for rs in sim.replica_sets.values()}
        assert sim.selected_hash("active") in hashes | {active_before}
    sim.rollout["status"].pop("abort", None)
    sim.rollout["status"].pop("abortedAt", None)
    final = sim.settle()
    assert final.status["phase"] == "Healthy", final.status
    before = copy.deepcopy(sim.rollout["status"])
    again = sim.plan()
    assert not again.changes_cluster and again.status == before
