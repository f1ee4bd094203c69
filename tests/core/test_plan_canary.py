"""The canary planner against a simulated cluster: walks, user actions, safety and idempotence."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollouts.core.plan import StepOutcome, plan_canary
from rollouts.core.replica_math import canary_max_surge, canary_max_unavailable
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rollout(
    replicas: int = 4, steps: list[dict[str, Any]] | None = None, image: str = "demo:1", **canary: Any
) -> dict[str, Any]:
    strategy = {"canary": {"steps": steps if steps is not None else [], **canary}}
    return rollout_doc(strategy, replicas=replicas, image=image)


def _healthy_cluster(rollout: dict[str, Any]) -> SimCluster:
    sim = SimCluster(rollout, T0)
    final = sim.settle()
    assert final.status["phase"] == "Healthy", final.status
    return sim


def test_initial_deploy_creates_a_replica_set_with_upstream_metadata() -> None:
    sim = SimCluster(_rollout(), T0)
    plan = sim.plan()
    rs = plan.create_replica_set
    assert rs is not None
    name = rs["metadata"]["name"]
    pod_hash = name.removeprefix("demo-")
    assert rs["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_hash
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "demo", "rollouts-pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_hash
    assert rs["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "1"
    owner = rs["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "Rollout" and owner["controller"] is True and owner["uid"] == "u1"
    assert plan.status["stableRS"] == pod_hash == plan.status["currentPodHash"]
    # Upstream announces the Rollout's new revision first, then the creation.
    assert [e.reason for e in plan.events][:2] == ["RolloutUpdated", "NewReplicaSetCreated"]
    assert plan.rollout_annotations == {"rollout.argoproj.io/revision": "1"}


def test_basic_canary_walk_with_pauses() -> None:
    steps = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": 60}}]
    sim = _healthy_cluster(_rollout(replicas=4, steps=steps, maxSurge=1, maxUnavailable=0))
    sim.set_image("demo:2")
    plan = sim.plan()
    assert plan.create_replica_set is not None
    assert plan.status["currentStepIndex"] == 0
    sim.apply(plan)
    for _ in range(5):
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
        plan = sim.plan()
        sim.apply(plan)
    # Paused at step 1 with 1 canary and 3 stable pods (25% of 4).
    assert plan.status["phase"] == "Paused" and plan.status["message"] == "CanaryPauseStep"
    assert plan.status["currentStepIndex"] == 1
    specs = sorted(rs["spec"]["replicas"] for rs in sim.replica_sets.values())
    assert specs == [1, 3]
    sim.promote()
    for _ in range(6):
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
        plan = sim.plan()
        sim.apply(plan)
    assert plan.status["currentStepIndex"] == 3
    assert plan.requeue_at is not None and plan.requeue_at > sim.now  # the timed pause wakes us
    sim.now += timedelta(seconds=61)
    final = sim.settle()
    assert final.status["phase"] == "Healthy"
    assert final.status["stableRS"] == final.status["currentPodHash"]
    assert any(e.reason == "RolloutCompleted" for e in final.events) or final.status["stableRS"]


def test_abort_returns_to_stable_and_degrades() -> None:
    sim = _healthy_cluster(_rollout(replicas=4, steps=[{"setWeight": 50}, {"pause": {}}]))
    stable = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    for _ in range(4):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    sim.rollout["status"]["abort"] = True
    plan = sim.plan()
    assert plan.status["phase"] == "Degraded"
    assert plan.status["message"].startswith("RolloutAborted: Rollout aborted update to revision 2")
    assert "abortedAt" in plan.status and "pauseConditions" not in plan.status
    final = sim.settle()
    by_hash = {rs["metadata"]["labels"]["rollouts-pod-template-hash"]: rs for rs in sim.replica_sets.values()}
    assert by_hash[stable]["spec"]["replicas"] == 4
    assert sum(rs["spec"]["replicas"] for h, rs in by_hash.items() if h != stable) == 0
    assert final.status["phase"] == "Degraded"


def test_abort_rewinds_the_steps_and_retry_walks_them_again() -> None:
    # Upstream's syncRolloutStatusCanary: an aborted update goes back to step 0 (so that a retry
    # starts over); an abort of a finished update is dropped and the index stays at the end.
    steps = [{"setWeight": 50}, {"pause": {}}, {"setWeight": 75}]
    sim = _healthy_cluster(_rollout(replicas=4, steps=steps))
    sim.set_image("demo:2")
    for _ in range(4):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    assert sim.rollout["status"]["currentStepIndex"] == 1
    sim.rollout["status"]["abort"] = True
    aborted = sim.plan()
    assert aborted.status["currentStepIndex"] == 0
    settled = sim.settle()
    assert (settled.status["currentStepIndex"], settled.status["phase"]) == (0, "Degraded")

    sim.rollout["status"]["abort"] = False  # kubectl-rollouts retry
    for _ in range(4):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    status = sim.rollout["status"]
    assert status["currentStepIndex"] == 1
    assert [p["reason"] for p in status["pauseConditions"]] == ["CanaryPauseStep"]
    assert sorted(rs["spec"]["replicas"] for rs in sim.replica_sets.values()) == [2, 2]


def test_failed_step_analysis_aborts_and_inconclusive_pauses() -> None:
    steps = [{"setWeight": 50}, {"analysis": {"templates": [{"templateName": "t"}]}}]
    sim = _healthy_cluster(_rollout(replicas=2, steps=steps))
    sim.set_image("demo:2")
    for _ in range(4):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    assert sim.rollout["status"]["currentStepIndex"] == 1
    inconclusive = sim.plan(StepOutcome("analysis", "run", "Inconclusive"))
    assert inconclusive.status["message"] == "InconclusiveAnalysisRun"
    failed = sim.plan(StepOutcome("analysis", "run", "Failed"))
    assert failed.status["abort"] is True and failed.status["phase"] == "Degraded"
    ok = sim.plan(StepOutcome("analysis", "run", "Successful"))
    assert ok.status["currentStepIndex"] == 2


def test_promote_full_skips_remaining_steps() -> None:
    sim = _healthy_cluster(_rollout(replicas=3, steps=[{"setWeight": 10}, {"pause": {}}, {"setWeight": 90}]))
    sim.set_image("demo:2")
    sim.apply(sim.plan())
    sim.rollout["status"]["promoteFull"] = True
    plan = sim.plan()
    assert plan.status["currentStepIndex"] == 3
    final = sim.settle()
    assert final.status["phase"] == "Healthy"


def test_traffic_routed_old_stable_waits_for_its_scale_down_deadline() -> None:
    rollout = _rollout(
        replicas=2,
        steps=[{"setWeight": 50}],
        canaryService="c",
        stableService="s",
        trafficRouting={"smi": {}},
    )
    sim = SimCluster(rollout, T0, services={n: {"spec": {"selector": {"app": "demo"}}} for n in ("c", "s")})
    assert sim.settle().status["phase"] == "Healthy"
    assert not sim.plan().changes_cluster  # selectors already in place are not re-listed
    old_stable = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    plan = sim.plan()
    sim.apply(plan)
    seen_deadline = False
    for _ in range(8):
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
        plan = sim.plan()
        sim.apply(plan)
        old = next(
            rs
            for rs in sim.replica_sets.values()
            if rs["metadata"]["labels"]["rollouts-pod-template-hash"] == old_stable
        )
        if "scale-down-deadline" in old["metadata"]["annotations"]:
            seen_deadline = True
            assert old["spec"]["replicas"] == 2  # kept at full size until the deadline
    assert seen_deadline
    final = sim.settle()
    assert final.status["phase"] == "Healthy"
    assert final.traffic is not None and final.traffic.canary_weight == 0
    assert sim.selected_hash("s") == sim.selected_hash("c") == final.status["stableRS"]


def test_manual_pause_halts_scaling() -> None:
    sim = _healthy_cluster(_rollout(replicas=4, steps=[{"setWeight": 50}]))
    sim.set_image("demo:2")
    sim.rollout["spec"]["paused"] = True
    plan = sim.plan()
    sim.apply(plan)
    plan = sim.plan()
    assert plan.status["phase"] == "Paused" and plan.status["message"] == "manually paused"
    assert not plan.scales


def test_bad_input_is_a_clear_error() -> None:
    rollout = _rollout()
    del rollout["spec"]["template"]
    sim = SimCluster(rollout, T0)
    try:
        sim.plan()
    except ValueError as exc:
        assert "pod template" in str(exc)
    else:
        raise AssertionError("expected ValueError")


# ---------------------------------------------------------------------------------------------
# properties over random sequences of cluster events and user actions

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("ready"), st.integers(0, 3), st.integers(1, 4)),
        st.tuples(st.just("unready"), st.integers(0, 3), st.integers(1, 2)),
        st.tuples(st.just("image"), st.integers(2, 4), st.just(0)),
        st.tuples(st.just("promote"), st.just(0), st.just(0)),
        st.tuples(st.just("abort"), st.just(0), st.just(0)),
        st.tuples(st.just("retry"), st.just(0), st.just(0)),
        st.tuples(st.just("time"), st.integers(1, 120), st.just(0)),
        st.tuples(st.just("replan"), st.just(0), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    replicas=st.integers(1, 6),
    surge=st.sampled_from([0, 1, 2, "25%", "50%"]),
    unavailable=st.sampled_from([0, 1, "25%"]),
    weights=st.lists(st.integers(0, 100), min_size=1, max_size=3),
    actions=ACTIONS,
    routed=st.booleans(),
)
def test_canary_safety_liveness_and_idempotence(
    replicas: int,
    surge: int | str,
    unavailable: int | str,
    weights: list[int],
    actions: list[tuple[str, int, int]],
    routed: bool,
) -> None:
    if surge in (0, "0%") and unavailable in (0, "0%"):
        unavailable = 1
    steps: list[dict[str, Any]] = []
    for weight in weights:
        steps += [{"setWeight": weight}, {"pause": {}}]
    routing: dict[str, Any] = {"trafficRouting": {"smi": {}}} if routed else {}
    sim = _healthy_cluster(
        _rollout(replicas=replicas, steps=steps, maxSurge=surge, maxUnavailable=unavailable, **routing)
    )
    max_total = replicas + canary_max_surge(surge, unavailable, replicas)
    min_available = replicas - canary_max_unavailable(surge, unavailable, replicas)
    for kind, a, b in actions:
        names = sorted(sim.replica_sets)
        if kind == "ready" and names:
            sim.make_ready(names[a % len(names)], b)
        elif kind == "unready" and names:
            sim.make_unready(names[a % len(names)], b)
        elif kind == "image":
            sim.set_image(f"demo:{a}")
        elif kind == "promote":
            sim.promote()
        elif kind == "abort":
            sim.rollout["status"]["abort"] = True
        elif kind == "retry":
            sim.rollout["status"].pop("abort", None)
            sim.rollout["status"].pop("abortedAt", None)
        elif kind == "time":
            sim.now += timedelta(seconds=a)
        available_before = sim.total_available()
        spec_before = sim.total_spec()
        sim.apply(sim.plan())
        # Safety: the planner never surges past replicas+maxSurge (unless already there) and never
        # removes available pods below replicas-maxUnavailable.
        if not routed:  # with a router, pods do not carry the split: maxSurge does not apply
            assert sim.total_spec() <= max(max_total, spec_before)
            assert sim.total_available() >= min(min_available, available_before)
    # Liveness: with every pod ready, pauses promoted and aborts retried, it always gets Healthy.
    sim.rollout["status"].pop("abort", None)
    sim.rollout["status"].pop("abortedAt", None)
    final = sim.settle()
    assert final.status["phase"] == "Healthy", final.status
    # Idempotence: planning again on the applied result changes nothing.
    before = copy.deepcopy(sim.rollout["status"])
    again = plan_canary(sim.model(), list(sim.replica_sets.values()), sim.now)
    assert not again.changes_cluster and again.create_replica_set is None
    assert again.status == before


def test_manual_pause_and_resume_conditions_and_retry() -> None:
    sim = _healthy_cluster(_rollout(replicas=2, steps=[{"setWeight": 50}, {"pause": {}}]))
    sim.set_image("demo:2")
    sim.apply(sim.plan())
    sim.rollout["spec"]["paused"] = True
    sim.apply(sim.plan())
    plan = sim.plan()
    by_type = {c["type"]: c for c in plan.status["conditions"]}
    assert by_type["Paused"]["status"] == "True"
    assert (
        by_type["Progressing"]["reason"] == "RolloutPaused" and by_type["Progressing"]["status"] == "Unknown"
    )
    sim.apply(plan)
    sim.rollout["spec"]["paused"] = False
    plan = sim.plan()
    by_type = {c["type"]: c for c in plan.status["conditions"]}
    assert by_type["Paused"]["status"] == "False"
    assert by_type["Progressing"]["reason"] in ("RolloutResumed", "ReplicaSetUpdated")
    sim.apply(plan)
    sim.rollout["status"]["abort"] = True
    sim.apply(sim.plan())
    sim.rollout["status"].pop("abort")
    plan = sim.plan()
    by_type = {c["type"]: c for c in plan.status["conditions"]}
    assert by_type["Progressing"]["reason"] in ("RolloutRetry", "ReplicaSetUpdated")
    assert plan.status["phase"] != "Degraded"


def test_progress_deadline_exceeded_degrades() -> None:
    rollout = _rollout(replicas=2, steps=[{"setWeight": 50}])
    rollout["spec"]["progressDeadlineSeconds"] = 60
    sim = _healthy_cluster(rollout)
    sim.set_image("demo:2")
    sim.apply(sim.plan())
    sim.apply(sim.plan())
    sim.now += timedelta(seconds=61)  # the canary pods never become ready
    plan = sim.plan()
    assert plan.status["phase"] == "Degraded"
    assert plan.status["message"].startswith("ProgressDeadlineExceeded: ReplicaSet ")


def test_revision_history_limit_deletes_the_oldest_idle_replica_sets() -> None:
    rollout = _rollout(replicas=1)
    rollout["spec"]["revisionHistoryLimit"] = 1
    sim = _healthy_cluster(rollout)
    for version in range(2, 6):
        sim.set_image(f"demo:{version}")
        sim.settle()
    revisions = sorted(
        int(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]) for rs in sim.replica_sets.values()
    )
    assert revisions == [4, 5]  # the stable one plus one idle old revision


def test_traffic_routed_abort_keeps_canary_until_abort_deadline() -> None:
    rollout = _rollout(replicas=2, steps=[{"setWeight": 50}, {"pause": {}}], trafficRouting={"smi": {}})
    sim = _healthy_cluster(rollout)
    sim.set_image("demo:2")
    for _ in range(4):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    new_hash = sim.rollout["status"]["currentPodHash"]
    canary_rs = next(
        rs
        for rs in sim.replica_sets.values()
        if rs["metadata"]["labels"]["rollouts-pod-template-hash"] == new_hash
    )
    assert canary_rs["spec"]["replicas"] == 1
    sim.rollout["status"]["abort"] = True
    plan = sim.plan()
    sim.apply(plan)
    assert plan.traffic is not None and plan.traffic.canary_weight == 0
    assert canary_rs["spec"]["replicas"] == 1
    assert "scale-down-deadline" in canary_rs["metadata"]["annotations"]
    sim.now += timedelta(seconds=31)
    sim.apply(sim.plan())
    assert canary_rs["spec"]["replicas"] == 0


def test_malformed_pause_start_time_is_not_a_crash() -> None:
    sim = _healthy_cluster(_rollout(replicas=1, steps=[{"pause": {"duration": 10}}]))
    sim.set_image("demo:2")
    sim.apply(sim.plan())
    sim.rollout["status"]["pauseConditions"] = [{"reason": "CanaryPauseStep", "startTime": "not a time"}]
    plan = sim.plan()
    assert plan.status["phase"] == "Paused"
    assert plan.requeue_at is not None


def test_router_weight_waits_for_canary_pods() -> None:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}]
    sim = _healthy_cluster(_rollout(replicas=5, steps=steps, trafficRouting={"smi": {}}))
    sim.set_image("demo:2")
    new_hash = ""
    for _ in range(4):
        plan = sim.plan()
        sim.apply(plan)
        new_hash = plan.status["currentPodHash"]
        for rs in sim.replica_sets.values():
            sim.make_ready(rs["metadata"]["name"], 100)
    plan = sim.plan()
    assert plan.traffic is not None and plan.traffic.canary_weight == 20
    sim.promote()
    plan = sim.plan()  # step 2 (setWeight 60): 3 canary pods wanted, only 1 ready
    sim.apply(plan)
    plan = sim.plan()
    sim.apply(plan)
    assert plan.traffic is not None and plan.traffic.canary_weight == 20
    canary = next(
        rs
        for rs in sim.replica_sets.values()
        if rs["metadata"]["labels"]["rollouts-pod-template-hash"] == new_hash
    )
    assert canary["spec"]["replicas"] == 3
    sim.make_ready(canary["metadata"]["name"], 100)
    plan = sim.plan()
    assert plan.traffic is not None and plan.traffic.canary_weight == 60


def test_replica_failure_condition_mirrors_the_replica_sets() -> None:
    sim = _healthy_cluster(_rollout(replicas=2))
    rs = next(iter(sim.replica_sets.values()))
    rs["status"]["conditions"] = [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "reason": "FailedCreate",
            "message": "exceeded quota",
            "lastTransitionTime": "2026-01-01T00:00:10Z",
        }
    ]
    plan = sim.plan()
    failure = [cond for cond in plan.status["conditions"] if cond["type"] == "ReplicaFailure"]
    assert failure == [
        {
            "type": "ReplicaFailure",
            "status": "True",
            "reason": "FailedCreate",
            "message": "exceeded quota",
            "lastUpdateTime": "2026-01-01T00:00:10Z",
            "lastTransitionTime": "2026-01-01T00:00:10Z",
        }
    ]
    sim.apply(plan)
    rs["status"]["conditions"] = []
    cleared = sim.plan()
    assert all(cond["type"] != "ReplicaFailure" for cond in cleared.status["conditions"])
