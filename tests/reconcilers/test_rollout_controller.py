"""The Rollout controller over real informer caches (fed by hand) and a recorded in-memory API:
what enqueues a Rollout, what a reconcile skips, InvalidSpec, and a canary driven to Healthy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts.clock import FakeClock
from rollouts.controller.instance import handles
from rollouts.informers import SharedInformerFactory
from rollouts.k8s.resources import DEPLOYMENTS, EXPERIMENTS, ROLLOUTS, SERVICES
from rollouts.metrics import ControllerMetrics
from rollouts.reconcilers.invalid_spec import INVALID_SPEC_RECHECK_SECONDS
from rollouts.reconcilers.rollout import RolloutController, RolloutControllerSetup
from tests.reconcilers.rollout_fakes import FakeApi, rollout, service


class World:
    """A controller whose informer caches mirror the fake API after every reconcile."""

    def __init__(self, instance_id: str = "") -> None:
        self.api = FakeApi()
        self.clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
        factory = SharedInformerFactory(self.api, self.clock)  # never run: fed by sync()
        self.controller = RolloutController(
            RolloutControllerSetup(
                client=self.api,
                informers=factory,
                clock=self.clock,
                metrics=ControllerMetrics("v0"),
                handles=lambda obj: handles(obj, instance_id),
            )
        )
        self.informers = {
            "rollouts": factory.informer(ROLLOUTS),
            "replicasets": factory.replicasets(),
            "services": factory.informer(SERVICES),
            "deployments": factory.informer(DEPLOYMENTS),
            "experiments": factory.informer(EXPERIMENTS),
        }

    def add(self, plural: str, obj: dict[str, Any]) -> dict[str, Any]:
        stored = self.api.put(plural, obj)
        self.sync()
        return stored

    def sync(self) -> None:
        """Deliver the API's current objects to the informers, as watch events would."""
        for plural, informer in self.informers.items():
            for obj in self.api.of(plural):
                informer.apply("MODIFIED", obj)
            for key in informer.store:
                namespace, _, name = key.partition("/")
                if (plural, namespace, name) not in self.api.objects:
                    informer.apply("DELETED", informer.store.get(key) or {})

    def queued(self) -> list[str]:
        snapshot = self.controller.queue.snapshot()
        return sorted(snapshot.ready)

    def drain(self) -> None:
        while self.controller.queue.snapshot().ready:
            key = self.controller.queue.get_nowait()
            self.controller.queue.done(key)

    async def settle(self, key: str = "ns/demo", passes: int = 8) -> None:
        for _ in range(passes):
            await self.controller.reconcile(key)
            self.sync()

    def status(self, name: str = "demo") -> dict[str, Any]:
        status: dict[str, Any] = self.api.objects[("rollouts", "ns", name)].get("status") or {}
        return status


def test_a_rollout_enqueues_itself_and_its_replica_sets_and_services_enqueue_it() -> None:
    world = World()
    world.add("rollouts", rollout(canaryService="canary", stableService="stable"))
    assert world.queued() == ["ns/demo"]
    world.drain()
    world.add("services", service("stable", {"app": "demo"}))
    assert world.queued() == ["ns/demo"]
    world.drain()
    world.add("services", service("unrelated", {"app": "x"}))
    assert world.queued() == []
    owned = {
        "metadata": {
            "name": "demo-abc",
            "namespace": "ns",
            "labels": {"rollouts-pod-template-hash": "abc"},
            "ownerReferences": [
                {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "demo", "controller": True}
            ],
        },
        "spec": {"replicas": 0},
    }
    world.add("replicasets", owned)
    assert world.queued() == ["ns/demo"]


async def test_an_unset_replica_count_is_written_back_as_1_and_nothing_else_happens() -> None:
    world = World()
    world.add("rollouts", rollout(replicas=None))
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == [("patch", "rollouts", "demo")]
    assert world.api.calls[0][3] == {"spec": {"replicas": 1}}


async def test_a_canary_is_deployed_and_settles_with_no_further_calls() -> None:
    world = World()
    world.add("rollouts", rollout(replicas=3, steps=[{"setWeight": 50}, {"pause": {}}]))
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert len(world.api.of("replicasets")) == 1
    world.api.calls.clear()
    await world.settle(passes=2)
    assert world.api.calls == []


async def test_an_image_change_stops_at_the_indefinite_pause_and_a_promote_finishes_it() -> None:
    world = World()
    world.add("rollouts", rollout(replicas=4, steps=[{"setWeight": 25}, {"pause": {}}]))
    await world.settle()
    ro = copy.deepcopy(world.api.objects[("rollouts", "ns", "demo")])
    ro["spec"]["template"]["spec"]["containers"][0]["image"] = "demo:2"
    world.add("rollouts", ro)
    await world.settle()
    assert world.status()["phase"] == "Paused"
    assert sorted(rs["spec"]["replicas"] for rs in world.api.of("replicasets")) == [1, 3]
    # kubectl argo rollouts promote: clear the pause conditions through the status subresource
    await world.api.patch(ROLLOUTS, "demo", {"status": {"pauseConditions": None}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    replicas = {
        rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]: rs["spec"]["replicas"]
        for rs in world.api.of("replicasets")
    }
    assert replicas == {"1": 0, "2": 4}


async def test_an_invalid_rollout_gets_only_the_invalid_spec_condition() -> None:
    world = World()
    world.add("rollouts", rollout(steps=[{"setWeight": 101}]))
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == [("patch-status", "rollouts", "demo")]
    status = world.status()
    assert status["phase"] == "Degraded"
    [condition] = status["conditions"]
    assert condition["type"] == condition["reason"] == "InvalidSpec"
    assert condition["message"].startswith(
        'The Rollout "demo" is invalid: spec.strategy.steps[0].setWeight: Invalid value: 101'
    )
    assert status["message"] == "InvalidSpec: " + condition["message"]
    assert world.controller.queue.snapshot().waiting == 1  # looked at again in 20 s
    assert INVALID_SPEC_RECHECK_SECONDS == 20.0
    world.api.calls.clear()
    world.sync()
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == []  # the condition is already there


async def test_a_fixed_rollout_loses_the_invalid_spec_condition() -> None:
    world = World()
    world.add("rollouts", rollout(steps=[{"setWeight": 101}]))
    await world.settle(passes=1)
    fixed = copy.deepcopy(world.api.objects[("rollouts", "ns", "demo")])
    fixed["spec"]["strategy"]["canary"]["steps"] = [{"setWeight": 50}]
    world.add("rollouts", fixed)
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert all(c["type"] != "InvalidSpec" for c in world.status()["conditions"])


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ([], 'service "stable" not found'),
        (
            [service("stable", {"app": "demo"}, {"argo-rollouts.argoproj.io/managed-by-rollouts": "other"})],
            'Service "stable" is managed by another Rollout',
        ),
    ],
)
async def test_a_missing_or_foreign_service_is_an_invalid_spec_and_is_not_touched(
    services: list[dict[str, Any]], message: str
) -> None:
    world = World()
    world.add("services", service("canary", {"app": "demo"}))
    for svc in services:
        world.add("services", svc)
    world.add("rollouts", rollout(canaryService="canary", stableService="stable"))
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == [("patch-status", "rollouts", "demo")]
    [condition] = world.status()["conditions"]
    assert message in condition["message"]
    assert condition["message"].startswith(
        'The Rollout "demo" is invalid: spec.strategy.canary.stableService'
    )


async def test_replica_sets_controlled_by_something_else_are_never_touched() -> None:
    world = World()
    foreign = {
        "metadata": {
            "name": "demo-foreign",
            "namespace": "ns",
            "labels": {"app": "demo", "rollouts-pod-template-hash": "foreign"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": "x", "controller": True}
            ],
        },
        "spec": {"replicas": 2, "template": rollout()["spec"]["template"]},
    }
    world.add("replicasets", foreign)
    world.add("rollouts", rollout(replicas=2))
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert all(name != "demo-foreign" for _, _, name in world.api.writes())
    assert world.api.objects[("replicasets", "ns", "demo-foreign")]["spec"]["replicas"] == 2


async def test_excluded_deleted_and_vanished_rollouts_are_left_alone() -> None:
    world = World(instance_id="blue")
    world.add("rollouts", rollout("other"))  # no instance-id label: belongs to the default controller
    deleting = rollout("going")
    deleting["metadata"]["labels"] = {"argo-rollouts.argoproj.io/controller-instance-id": "blue"}
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    world.add("rollouts", deleting)
    for key in ("ns/other", "ns/going", "ns/absent"):
        await world.controller.reconcile(key)
    assert world.api.calls == []


async def test_a_status_conflict_rereads_the_rollout_and_requeues() -> None:
    world = World()
    world.add("rollouts", rollout(replicas=2))
    await world.settle()
    # A pod goes unready (the status must change) while someone else has just written the
    # Rollout: the cache still holds the older resourceVersion.
    [rs] = world.api.of("replicasets")
    rs["status"]["availableReplicas"] = 1
    world.api.objects[("replicasets", "ns", rs["metadata"]["name"])] = rs
    world.informers["replicasets"].apply(
        "MODIFIED", {**rs, "metadata": {**rs["metadata"], "resourceVersion": "999"}}
    )
    world.api.put("rollouts", world.api.objects[("rollouts", "ns", "demo")])
    world.drain()
    world.api.calls.clear()
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == [("patch-status", "rollouts", "demo")]  # refused: 409
    assert world.status()["availableReplicas"] == 2
    assert world.queued() == ["ns/demo"]
    world.drain()
    await world.controller.reconcile("ns/demo")  # plans on the re-read object: the write lands
    assert world.status()["availableReplicas"] == 1


def _workload_rollout() -> dict[str, Any]:
    ro = rollout(replicas=2)
    template = ro["spec"].pop("template")
    ro["spec"]["workloadRef"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "scaleDown": "onsuccess",
    }
    ro["spec"]["selector"] = {"matchLabels": {"app": "demo"}}
    return {**ro, "template_for_test": template}


async def test_a_workload_ref_takes_the_deployments_template_and_scales_it_down_on_success() -> None:
    world = World()
    doc = _workload_rollout()
    template = doc.pop("template_for_test")
    world.add(
        "deployments",
        {
            "metadata": {"name": "web", "namespace": "ns", "generation": 3},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "demo"}}, "template": template},
        },
    )
    world.add("rollouts", doc)
    await world.settle()
    status = world.status()
    assert status["phase"] == "Healthy"
    assert status["workloadObservedGeneration"] == "3"
    [rs] = world.api.of("replicasets")
    assert rs["spec"]["template"]["spec"] == template["spec"]
    assert world.api.objects[("deployments", "ns", "web")]["spec"]["replicas"] == 0


async def test_a_workload_ref_to_a_missing_deployment_is_an_invalid_spec() -> None:
    world = World()
    doc = _workload_rollout()
    doc.pop("template_for_test")
    world.add("rollouts", doc)
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == [("patch-status", "rollouts", "demo")]
    [condition] = world.status()["conditions"]
    assert condition["type"] == "InvalidSpec"
    # upstream's text: the lister's NotFound error, with no field path
    assert condition["message"] == 'The Rollout "demo" is invalid: deployments.apps "web" not found'
    assert world.status()["message"] == "InvalidSpec: " + condition["message"]


async def test_a_workload_ref_rollout_recovers_when_its_deployment_appears() -> None:
    world = World()
    doc = _workload_rollout()
    template = doc.pop("template_for_test")
    world.add("rollouts", doc)
    await world.controller.reconcile("ns/demo")
    world.sync()
    world.drain()
    world.add(
        "deployments",
        {
            "metadata": {"name": "web", "namespace": "ns", "generation": 1},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "demo"}}, "template": template},
        },
    )
    assert world.queued() == ["ns/demo"]  # the Deployment's informer event finds the Rollout
    await world.settle()
    status = world.status()
    assert [c["type"] for c in status["conditions"] if c["type"] == "InvalidSpec"] == []
    assert status["phase"] == "Healthy"
    assert status["workloadObservedGeneration"] == "1"


async def test_a_template_written_next_to_a_workload_ref_is_an_invalid_spec() -> None:
    world = World()
    doc = _workload_rollout()
    template = doc.pop("template_for_test")
    doc["spec"]["template"] = template
    world.add(
        "deployments",
        {
            "metadata": {"name": "web", "namespace": "ns", "generation": 1},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "demo"}}, "template": template},
        },
    )
    world.add("rollouts", doc)
    await world.controller.reconcile("ns/demo")
    assert world.api.writes() == [("patch-status", "rollouts", "demo")]
    [condition] = world.status()["conditions"]
    assert condition["message"] == (
        'The Rollout "demo" is invalid: template must be empty for workload reference rollout'
    )
