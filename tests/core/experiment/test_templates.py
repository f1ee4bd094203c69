"""The template side of an Experiment: ReplicaSets created, scaled, held, scaled to zero; statuses."""

from __future__ import annotations

import copy

import pytest

from rollouts.core.conditions import parse_time
from rollouts.core.experiment.replica_sets import AmbiguousReplicaSets
from rollouts.core.pod_hash import pod_template_hash
from tests.core.experiment.world import T0, World, experiment_doc, template_doc


def test_first_pass_creates_one_replica_set_per_template_at_zero_and_is_pending() -> None:
    world = World(experiment_doc(duration="10s"))
    plan = world.step()
    names = [rs["metadata"]["name"] for rs in plan.create_replica_sets]
    assert names == ["ex-a", "ex-b"]
    rs = plan.create_replica_sets[0]
    pod_hash = pod_template_hash(template_doc("a")["template"])
    assert rs["metadata"]["labels"] == {"rollouts-pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {
        "experiment.argoproj.io/name": "ex",
        "experiment.argoproj.io/template-name": "a",
    }
    assert rs["metadata"]["ownerReferences"][0] | {} == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "name": "ex",
        "uid": "uid-ex",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    assert rs["spec"]["replicas"] == 0
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "a", "rollouts-pod-template-hash": pod_hash}
    assert rs["spec"]["template"]["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_hash
    assert plan.status["phase"] == "Pending"
    assert [ts["status"] for ts in plan.status["templateStatuses"]] == ["Progressing", "Progressing"]


def test_existing_replica_set_is_scaled_to_the_template_replicas_with_an_event() -> None:
    world = World(experiment_doc(templates=[template_doc("a", replicas=3)]))
    world.step()
    plan = world.step()
    assert [(s.name, s.replicas) for s in plan.scale_replica_sets] == [("ex-a", 3)]
    assert ("Normal", "ScalingReplicaSet", "Scaled up ReplicaSet ex-a from 0 to 3") in [
        (e.type, e.reason, e.message) for e in plan.events
    ]


def test_available_templates_run_and_stamp_available_at_then_succeed_after_the_duration() -> None:
    world = World(experiment_doc(duration="10s"))
    world.run_until(lambda: world.phase == "Running")
    available_at = world.status["availableAt"]
    assert [world.template_status(t)["status"] for t in "ab"] == ["Running", "Running"]
    # the pass that saw the pods ready reports progress; the next one reports running
    assert world.status["conditions"][0]["reason"] == "ReplicaSetUpdated"
    world.step()
    cond = world.status["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == ("Progressing", "True", "NewReplicaSetAvailable")
    assert world.plans[-1].requeue_after is not None and world.plans[-1].requeue_after <= 10.5
    world.run_until(lambda: world.phase == "Successful", tick=5)
    assert world.status["availableAt"] == available_at
    assert [world.template_status(t)["status"] for t in "ab"] == ["Successful", "Successful"]
    cond = world.status["conditions"][0]
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False",
        "ExperimentCompleted",
        'Experiment "ex" has successfully ran and completed.',
    )


def test_finished_experiment_scales_down_only_after_scale_down_delay() -> None:
    world = World(experiment_doc(duration="5s", scaleDownDelaySeconds=20))
    world.run_until(lambda: world.phase == "Successful", tick=5)
    plan = world.step()
    assert {m.name for m in plan.set_scale_down_deadlines} == {"ex-a", "ex-b"}
    deadline = parse_time(plan.set_scale_down_deadlines[0].deadline or "")
    assert (deadline - world.now).total_seconds() == pytest.approx(20, abs=1)  # whole seconds, as RFC 3339
    assert plan.scale_replica_sets == []
    assert plan.requeue_after == pytest.approx(20, abs=1)
    world.run_until(lambda: all(rs["spec"]["replicas"] == 0 for rs in world.replica_sets.values()), tick=5)
    assert world.now >= deadline
    assert world.phase == "Successful"


def test_zero_scale_down_delay_scales_down_at_once() -> None:
    world = World(experiment_doc(duration="5s", scaleDownDelaySeconds=0))
    world.run_until(lambda: world.phase == "Successful", tick=5)
    plan = world.step()
    assert sorted((s.name, s.replicas) for s in plan.scale_replica_sets) == [("ex-a", 0), ("ex-b", 0)]


def test_template_that_never_becomes_ready_fails_on_its_progress_deadline() -> None:
    templates = [template_doc("a"), template_doc("b", ready=False)]
    world = World(experiment_doc(templates=templates, progressDeadlineSeconds=30, scaleDownDelaySeconds=0))
    world.run_until(lambda: world.phase == "Failed", tick=10)
    assert world.template_status("b")["status"] == "Failed"
    assert world.template_status("b")["message"] == "Template 'b' exceeded its progressDeadlineSeconds (30)"
    assert world.status["message"] == "Template 'b' exceeded its progressDeadlineSeconds (30)"
    assert "availableAt" not in world.status
    assert (world.now - T0).total_seconds() > 30
    # terminating: the healthy template completes too, and everything scales to zero
    world.run_until(lambda: all(rs["spec"]["replicas"] == 0 for rs in world.replica_sets.values()))
    assert world.template_status("a")["status"] == "Successful"
    reasons = [e.reason for p in world.plans for e in p.events]
    assert "TemplateFailed" in reasons


def test_progressing_template_asks_to_be_looked_at_on_its_progress_deadline() -> None:
    templates = [template_doc("a", ready=False)]
    world = World(experiment_doc(templates=templates, progressDeadlineSeconds=100))
    world.step()
    world.step()  # scaled up: lastTransitionTime is now
    plan = world.step()
    assert plan.requeue_after == pytest.approx(100.5, abs=0.01)


def test_terminate_ends_a_running_experiment_without_duration_successfully() -> None:
    world = World(experiment_doc())
    world.run_until(lambda: world.phase == "Running")
    for _ in range(3):
        world.step()
        world.advance(60)
    assert world.phase == "Running"  # no duration: runs until told otherwise
    world.experiment["spec"]["terminate"] = True
    world.run_until(lambda: world.phase == "Successful")


def test_service_is_created_for_a_template_that_asks_and_named_in_its_status() -> None:
    templates = [template_doc("a", service={}), template_doc("b", service={"name": "svc-b"})]
    world = World(experiment_doc(templates=templates))
    world.run_until(lambda: len(world.services) == 2)
    svc = world.services["ex-a"]
    assert svc["spec"]["ports"] == [{"protocol": "TCP", "port": 80, "targetPort": 80}]
    assert svc["spec"]["selector"] == world.replica_sets["ex-a"]["metadata"]["labels"]
    assert "svc-b" in world.services
    world.step()
    assert world.template_status("b")["serviceName"] == "svc-b"
    assert world.plans[-1].create_services == []  # not re-created once there


def test_unchanged_world_gives_an_unchanged_status() -> None:
    world = World(experiment_doc())
    world.run_until(lambda: world.phase == "Running")
    world.step()
    assert world.step().status_changed is False


def test_two_replica_sets_claiming_one_template_fail_the_pass() -> None:
    world = World(experiment_doc(templates=[template_doc("a")]))
    world.step()
    twin = copy.deepcopy(world.replica_sets["ex-a"])
    twin["metadata"]["name"] = "ex-a-twin"
    world.replica_sets["ex-a-twin"] = twin
    with pytest.raises(
        AmbiguousReplicaSets, match="multiple ReplicaSets match single experiment template: a"
    ):
        world.plan()


def test_replica_sets_of_other_owners_are_ignored() -> None:
    world = World(experiment_doc(templates=[template_doc("a")]))
    world.step()
    stranger = copy.deepcopy(world.replica_sets["ex-a"])
    stranger["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    world.replica_sets = {"ex-a": stranger}
    plan = world.plan()
    assert [rs["metadata"]["name"] for rs in plan.create_replica_sets] == ["ex-a"]


def test_status_carries_no_null_members() -> None:
    world = World(experiment_doc(duration="5s"))
    world.run_until(lambda: world.phase == "Successful", tick=5)

    def nulls(value: object) -> bool:
        if isinstance(value, dict):
            return any(v is None or nulls(v) for v in value.values())
        if isinstance(value, list):
            return any(nulls(v) for v in value)
        return False

    assert not any(nulls(plan.status) for plan in world.plans)
