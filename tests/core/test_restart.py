"""Restarts (spec.restartAt): paced evictions of pods older than restartAt, then status.restartedAt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollouts.core.replica_sets import ReplicaSetView
from rollouts.core.restart import plan_restart, pod_available, restart_needed
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("restart_at", "restarted_at", "now", "expected"),
    [
        (None, None, T0, False),
        ("2026-01-01T00:00:00Z", None, T0 + timedelta(seconds=1), True),
        ("2026-01-01T00:00:00Z", None, T0, False),  # not after it yet
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", T0 + timedelta(hours=1), False),  # done
        (
            "2026-01-01T00:00:00Z",
            "2025-12-01T00:00:00Z",
            T0 + timedelta(seconds=1),
            True,
        ),  # an older one done
        ("garbage", None, T0, False),
    ],
)
def test_restart_needed(
    restart_at: str | None, restarted_at: str | None, now: datetime, expected: bool
) -> None:
    assert restart_needed(restart_at, restarted_at, now) is expected


def _pod(
    name: str,
    owner: str,
    created: datetime,
    ready: bool = True,
    ready_since: datetime = T0,
    deleting: bool = False,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "creationTimestamp": _stamp(created),
        "ownerReferences": [{"kind": "ReplicaSet", "uid": owner, "controller": True}],
    }
    if deleting:
        meta["deletionTimestamp"] = _stamp(created)
    condition = {
        "type": "Ready",
        "status": "True" if ready else "False",
        "lastTransitionTime": _stamp(ready_since),
    }
    return {"metadata": meta, "status": {"conditions": [condition]}}


def test_pod_available_honours_min_ready_seconds() -> None:
    pod = _pod("a", "u", T0, ready_since=T0)
    assert pod_available(pod, 0, T0)
    assert not pod_available(pod, 10, T0 + timedelta(seconds=10))
    assert pod_available(pod, 10, T0 + timedelta(seconds=11))
    assert not pod_available(_pod("b", "u", T0, ready=False), 0, T0)
    assert not pod_available(_pod("c", "u", T0, deleting=True), 0, T0)
    assert not pod_available({"metadata": {}, "status": {}}, 0, T0)


def _rs(name: str, replicas: int, created: str) -> ReplicaSetView:
    return ReplicaSetView(
        {
            "metadata": {"name": name, "uid": f"uid-{name}", "creationTimestamp": created},
            "spec": {"replicas": replicas},
        }
    )


RESTART_AT = T0 + timedelta(hours=1)
NOW = RESTART_AT + timedelta(seconds=5)


def _restart(pods: list[dict[str, Any]], max_unavailable: int = 1, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "restart_at": _stamp(RESTART_AT),
        "restarted_at": None,
        "replicas": 4,
        "max_unavailable": max_unavailable,
        "min_ready_seconds": 0,
        "new": _rs("new", 1, "2026-01-01T00:00:02Z"),
        "stable": _rs("stable", 3, "2026-01-01T00:00:01Z"),
        "others": [],
        "pods": pods,
        "now": NOW,
    }
    args.update(kw)
    return plan_restart(**args)


def test_stable_pods_go_first_oldest_first_within_the_budget() -> None:
    pods = [
        _pod("n1", "uid-new", T0 + timedelta(minutes=1)),
        _pod("s2", "uid-stable", T0 + timedelta(minutes=2)),
        _pod("s1", "uid-stable", T0 + timedelta(minutes=1)),
        _pod("s3", "uid-stable", T0 + timedelta(minutes=3)),
        _pod("foreign", "uid-other", T0),  # not the Rollout's
    ]
    one = _restart(pods)
    assert (one.evict, one.done, one.requeue_at) == (["s1"], False, NOW + timedelta(seconds=30))
    # maxUnavailable 2: budget 4 - (4 - 2) = 2.
    assert _restart(pods, max_unavailable=2).evict == ["s1", "s2"]
    # 0 still allows one at a time.
    assert _restart(pods, max_unavailable=0).evict == ["s1"]


def test_no_eviction_while_a_pod_is_unavailable() -> None:
    pods = [
        _pod("s1", "uid-stable", T0),
        _pod("s2", "uid-stable", T0),
        _pod("s3", "uid-stable", T0, ready=False),
        _pod("n1", "uid-new", T0),
    ]
    plan = _restart(pods)
    assert plan.evict == [] and not plan.done and plan.requeue_at == NOW + timedelta(seconds=30)


def test_pods_being_deleted_are_pending_but_not_evicted_again() -> None:
    pods = [
        _pod("s1", "uid-stable", T0, deleting=True),
        _pod("s2", "uid-stable", T0),
        _pod("s3", "uid-stable", T0),
        _pod("n1", "uid-new", T0),
        _pod("s4", "uid-stable", RESTART_AT + timedelta(seconds=1)),  # surge pod
    ]
    # 4 available of max(4, 4) - 1 = 3 -> one more may go; s1 is skipped, s2 goes.
    assert _restart(pods).evict == ["s2"]


def test_done_when_every_pod_is_younger_and_future_restart_waits() -> None:
    fresh = [_pod("s1", "uid-stable", RESTART_AT), _pod("n1", "uid-new", RESTART_AT + timedelta(seconds=1))]
    assert _restart(fresh).done  # created at restartAt exactly counts as restarted
    future = _restart(fresh, now=RESTART_AT - timedelta(minutes=5))
    assert (future.evict, future.done, future.requeue_at) == ([], False, RESTART_AT)
    assert _restart(fresh, restarted_at=_stamp(RESTART_AT)).done is False  # nothing to do at all


def _canary(replicas: int, max_unavailable: int) -> dict[str, Any]:
    canary = {"steps": [{"setWeight": 50}], "maxUnavailable": max_unavailable, "maxSurge": 1}
    return rollout_doc({"canary": canary}, replicas=replicas)


def _bluegreen(replicas: int, max_unavailable: int) -> dict[str, Any]:
    doc = _canary(replicas, max_unavailable)
    doc["spec"]["strategy"] = {"blueGreen": {"activeService": "active", "maxUnavailable": max_unavailable}}
    return doc


def _walk_restart(sim: SimCluster, replicas: int, max_unavailable: int) -> None:
    restart_at = sim.now + timedelta(seconds=1)
    sim.rollout["spec"]["restartAt"] = _stamp(restart_at)
    early = sim.plan()
    assert early.evict_pods == [] and early.requeue_at is not None and early.requeue_at <= restart_at
    sim.now = restart_at + timedelta(seconds=1)
    floor = replicas - max(max_unavailable, 1)
    for _ in range(10 * replicas + 10):
        plan = sim.plan()
        sim.apply(plan)
        available = sum(1 for pod in sim.pods.values() if SimCluster._ready(pod))
        assert available >= floor, (available, floor)
        if plan.status.get("restartedAt") == sim.rollout["spec"]["restartAt"]:
            break
        sim.now += timedelta(seconds=30)
        for name in sim.replica_sets:
            sim.make_ready(name, 1)
    assert sim.rollout["status"]["restartedAt"] == sim.rollout["spec"]["restartAt"]
    assert all(pod["metadata"]["creationTimestamp"] >= _stamp(restart_at) for pod in sim.pods.values())
    final = sim.settle()
    assert final.status["phase"] == "Healthy" and final.evict_pods == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replicas=st.integers(1, 5), max_unavailable=st.integers(0, 2), blue_green=st.booleans())
def test_restart_keeps_availability_and_completes(
    replicas: int, max_unavailable: int, blue_green: bool
) -> None:
    if blue_green:
        services = {"active": {"metadata": {"name": "active"}, "spec": {"selector": {"app": "demo"}}}}
        sim = SimCluster(_bluegreen(replicas, max_unavailable), T0, services=services, track_pods=True)
    else:
        sim = SimCluster(_canary(replicas, max_unavailable), T0, track_pods=True)
    assert sim.settle().status["phase"] == "Healthy"
    _walk_restart(sim, replicas, max_unavailable)


def test_a_template_change_completes_a_pending_restart() -> None:
    sim = SimCluster(_canary(2, 1), T0, track_pods=True)
    sim.settle()
    sim.rollout["spec"]["restartAt"] = _stamp(sim.now - timedelta(seconds=1))
    sim.set_image("demo:2")
    plan = sim.plan()
    assert plan.evict_pods == [] and plan.status["restartedAt"] == sim.rollout["spec"]["restartAt"]


def test_canary_pass_that_evicts_changes_nothing_else_and_the_next_reports_restarting() -> None:
    sim = SimCluster(_canary(3, 1), T0, track_pods=True)
    sim.settle()
    stored = dict(sim.rollout["status"])
    sim.rollout["spec"]["restartAt"] = _stamp(sim.now)
    sim.now += timedelta(seconds=1)
    evicting = sim.plan()
    assert len(evicting.evict_pods) == 1
    assert evicting.status == stored and evicting.scales == [] and evicting.service_selectors == []
    assert evicting.requeue_at == sim.now + timedelta(seconds=30)
    sim.apply(evicting)  # the replacement pod is not ready yet: no budget for more
    waiting = sim.plan()
    assert waiting.evict_pods == []
    assert (waiting.status["phase"], waiting.status["message"]) == ("Progressing", "rollout is restarting")
