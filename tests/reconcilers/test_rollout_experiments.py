"""The Rollout controller and its canary ``experiment`` step over the recorded fake API: the
step's Experiment is created once, its phase drives the step (done / abort / pause), and an abort,
a promote or a new revision terminates it. The Experiment's own controller is not running here:
the tests write its status by hand, as that controller would."""

from __future__ import annotations

import copy
from typing import Any

from rollouts.k8s.resources import ROLLOUTS
from rollouts.trafficrouting.gatewayapi_objects import PLUGIN_NAME
from tests.reconcilers.rollout_fakes import rollout, service
from tests.reconcilers.test_rollout_controller import World
from tests.reconcilers.test_rollout_traffic_verification import _http_route

STEPS: list[dict[str, Any]] = [
    {"setWeight": 25},
    {
        "experiment": {
            "duration": "10s",
            "templates": [
                {"name": "baseline", "specRef": "stable"},
                {"name": "canary", "specRef": "canary", "metadata": {"labels": {"role": "exp"}}},
            ],
            "analyses": [
                {
                    "name": "cmp",
                    "templateName": "compare",
                    "requiredForCompletion": True,
                    "args": [{"name": "hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
                }
            ],
        }
    },
    {"setWeight": 50},
]


async def _at_experiment_step(world: World, manifest: dict[str, Any] | None = None) -> dict[str, Any]:
    """Deploy (STEPS by default), change the image, and settle at the experiment step; the
    created Experiment."""
    world.add("rollouts", manifest or rollout(replicas=4, steps=STEPS))
    await world.settle()
    await _set_image(world, "demo:2")
    (experiment,) = world.api.of("experiments")
    return experiment


async def _set_image(world: World, image: str) -> None:
    ro = copy.deepcopy(world.api.objects[("rollouts", "ns", "demo")])
    ro["spec"]["template"]["spec"]["containers"][0]["image"] = image
    world.add("rollouts", ro)
    await world.settle()


def _set_phase(world: World, name: str, phase: str, message: str = "") -> None:
    stored = world.api.objects[("experiments", "ns", name)]
    world.api.put("experiments", {**stored, "status": {"phase": phase, "message": message}})
    world.sync()


def _experiment_writes(world: World) -> list[tuple[str, str, str, Any]]:
    return [call for call in world.api.calls if call[1] == "experiments"]


def _events(world: World, reason: str) -> list[str]:
    return [c[3]["message"] for c in world.api.calls if c[1] == "events" and c[3]["reason"] == reason]


async def test_the_step_creates_one_experiment_from_the_canary_and_stable_templates() -> None:
    world = World()
    experiment = await _at_experiment_step(world)
    status = world.status()
    pod_hash = status["currentPodHash"]
    name = f"demo-{pod_hash}-2-1"
    assert experiment["metadata"]["name"] == name
    assert experiment["metadata"]["ownerReferences"][0]["uid"] == "uid-demo"
    assert experiment["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_hash
    images = {
        t["name"]: t["template"]["spec"]["containers"][0]["image"] for t in experiment["spec"]["templates"]
    }
    assert images == {"baseline": "demo:1", "canary": "demo:2"}
    assert experiment["spec"]["analyses"][0]["args"] == [{"name": "hash", "value": pod_hash}]
    assert status["currentStepIndex"] == 1 and status["canary"]["currentExperiment"] == name
    assert _events(world, "ExperimentCreated") == [f"Created Experiment '{name}'"]
    # further passes neither create another nor change anything while it runs
    world.api.calls.clear()
    _set_phase(world, name, "Running")
    await world.settle(passes=3)
    assert _experiment_writes(world) == [] and len(world.api.of("experiments")) == 1
    assert world.status()["currentStepIndex"] == 1


async def test_a_successful_experiment_completes_the_step_and_the_rollout_goes_on() -> None:
    world = World()
    name = (await _at_experiment_step(world))["metadata"]["name"]
    _set_phase(world, name, "Successful")
    await world.settle()
    status = world.status()
    assert status["currentStepIndex"] == 3 and status["phase"] == "Healthy"
    assert "currentExperiment" not in status.get("canary", {})
    assert [c[0] for c in _experiment_writes(world)] == ["create"]  # never terminated


async def test_a_failed_experiment_aborts_the_rollout_with_upstream_s_message() -> None:
    world = World()
    name = (await _at_experiment_step(world))["metadata"]["name"]
    _set_phase(world, name, "Failed", 'Metric "m" assessed Failed')
    await world.settle()
    status = world.status()
    assert status["abort"] is True and status["phase"] == "Degraded"
    assert 'Experiment analysis phase is error/failed: Metric "m" assessed Failed' in status["message"]
    canary = next(
        rs
        for rs in world.api.of("replicasets")
        if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "demo:2"
    )
    assert canary["spec"]["replicas"] == 0


async def test_an_inconclusive_experiment_pauses_the_rollout() -> None:
    world = World()
    name = (await _at_experiment_step(world))["metadata"]["name"]
    _set_phase(world, name, "Inconclusive")
    await world.settle()
    status = world.status()
    assert [p["reason"] for p in status["pauseConditions"]] == ["InconclusiveExperiment"]
    assert status["currentStepIndex"] == 1 and len(world.api.of("experiments")) == 1


async def _patch_status(world: World, patch: dict[str, Any]) -> None:
    await world.api.patch(ROLLOUTS, "demo", {"status": patch}, "ns", subresource="status")
    world.sync()


async def test_aborting_the_rollout_terminates_the_running_experiment() -> None:
    world = World()
    name = (await _at_experiment_step(world))["metadata"]["name"]
    _set_phase(world, name, "Running")
    world.api.calls.clear()
    await _patch_status(world, {"abort": True})
    await world.settle()
    assert _experiment_writes(world) == [("patch", "experiments", name, {"spec": {"terminate": True}})]
    assert "currentExperiment" not in world.status().get("canary", {})


async def test_promoting_past_the_step_terminates_the_running_experiment() -> None:
    world = World()
    name = (await _at_experiment_step(world))["metadata"]["name"]
    _set_phase(world, name, "Running")
    world.api.calls.clear()
    await _patch_status(world, {"currentStepIndex": 2})  # what `kubectl-rollouts promote` sends
    await world.settle()
    assert _experiment_writes(world) == [("patch", "experiments", name, {"spec": {"terminate": True}})]


async def test_a_new_revision_terminates_the_old_experiment_and_runs_its_own() -> None:
    world = World()
    old = (await _at_experiment_step(world))["metadata"]["name"]
    _set_phase(world, old, "Running")
    await _set_image(world, "demo:3")
    assert world.api.objects[("experiments", "ns", old)]["spec"]["terminate"] is True
    names = sorted(ex["metadata"]["name"] for ex in world.api.of("experiments"))
    assert len(names) == 2 and world.status()["canary"]["currentExperiment"] in names
    assert world.status()["canary"]["currentExperiment"].endswith("-3-1")


async def test_an_existing_experiment_of_the_same_name_is_adopted_or_avoided() -> None:
    world = World()
    name = (await _at_experiment_step(world))["metadata"]["name"]
    # the status lost track of it (a stale cache upstream): the running one is adopted
    await _patch_status(world, {"canary": {"currentExperiment": None}})
    await world.settle(passes=1)
    assert world.status()["canary"]["currentExperiment"] == name
    assert len(world.api.of("experiments")) == 1
    # a finished one of that name is not ours to reuse: the next name is taken
    _set_phase(world, name, "Inconclusive")
    await world.settle(passes=2)  # pauses on the inconclusive experiment
    await _patch_status(world, {"pauseConditions": None, "controllerPause": False})  # the user resumes
    await world.settle(passes=2)
    assert world.status()["canary"]["currentExperiment"] == f"{name}-1"
    assert sorted(ex["metadata"]["name"] for ex in world.api.of("experiments")) == [name, f"{name}-1"]


async def test_weighted_experiment_templates_get_their_share_of_the_route() -> None:
    world = World()
    world.add("services", service("stable", {"app": "demo"}))
    world.add("services", service("canary", {"app": "demo"}))
    world.api.put("httproutes", _http_route(observed_generation=2))
    steps = [
        {"setWeight": 20},
        {"experiment": {"templates": [{"name": "canary", "specRef": "canary", "weight": 10}]}},
    ]
    manifest = rollout(
        replicas=4,
        steps=steps,
        canaryService="canary",
        stableService="stable",
        trafficRouting={"plugins": {PLUGIN_NAME: {"httpRoute": "route"}}},
    )
    experiment = await _at_experiment_step(world, manifest)
    name = experiment["metadata"]["name"]
    # what the Experiment controller reports once the template's Service and pods are up
    template_status = {"name": "canary", "serviceName": f"{name}-canary", "podTemplateHash": "exphash"}
    world.api.put(
        "experiments", {**experiment, "status": {"phase": "Running", "templateStatuses": [template_status]}}
    )
    world.sync()
    await world.settle()
    route = world.api.objects[("httproutes", "ns", "route")]
    weights = {ref["name"]: ref["weight"] for ref in route["spec"]["rules"][0]["backendRefs"]}
    # the router got the destination: the stable gives up the experiment's 10 (this router adds
    # no backendRef for it; routers that do, e.g. ALB, are tested in tests/trafficrouting)
    assert weights == {"stable": 70, "canary": 20}
    status_weights = world.status()["canary"]["weights"]
    assert status_weights["additional"] == [
        {"weight": 10, "serviceName": f"{name}-canary", "podTemplateHash": "exphash"}
    ]
    assert (status_weights["canary"]["weight"], status_weights["stable"]["weight"]) == (20, 70)
    # an abort takes the experiment's share away in the same pass that terminates it
    await _patch_status(world, {"abort": True})
    await world.controller.reconcile("ns/demo")
    world.sync()
    route = world.api.objects[("httproutes", "ns", "route")]
    assert {ref["name"]: ref["weight"] for ref in route["spec"]["rules"][0]["backendRefs"]} == {
        "stable": 100,
        "canary": 0,
    }
    assert "additional" not in world.status()["canary"]["weights"]
    assert world.api.objects[("experiments", "ns", name)]["spec"]["terminate"] is True
