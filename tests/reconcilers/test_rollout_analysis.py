"""The Rollout controller's AnalysisRuns over informer caches and the recorded in-memory API:
created for analysis steps, background and blue-green analyses; their phases complete, abort or
pause the Rollout; old runs are terminated and cleaned up; missing templates are InvalidSpec."""

from __future__ import annotations

import copy
from typing import Any

from rollouts.k8s.resources import ANALYSIS_RUNS, ANALYSIS_TEMPLATES, ROLLOUTS
from tests.reconcilers.rollout_fakes import rollout, service
from tests.reconcilers.test_rollout_controller import World

TEMPLATE = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {"name": "check", "namespace": "ns"},
    "spec": {
        "args": [{"name": "hash"}],
        "metrics": [{"name": "web", "provider": {"web": {"url": "http://127.0.0.1/{{args.hash}}"}}}],
    },
}
ANALYSIS = {
    "templates": [{"templateName": "check"}],
    "args": [{"name": "hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
}


class AnalysisWorld(World):
    def __init__(self) -> None:
        super().__init__()
        factory = self.controller._setup.informers
        self.informers["analysisruns"] = factory.informer(ANALYSIS_RUNS)
        self.informers["analysistemplates"] = factory.informer(ANALYSIS_TEMPLATES)

    def runs(self) -> dict[str, dict[str, Any]]:
        return {o["metadata"]["name"]: o for o in self.api.of("analysisruns")}

    def set_run_phase(self, name: str, phase: str, message: str = "") -> None:
        stored = self.api.objects[("analysisruns", "ns", name)]
        stored["status"] = {"phase": phase, **({"message": message} if message else {})}
        stored["metadata"]["resourceVersion"] = str(int(stored["metadata"]["resourceVersion"]) + 1000)
        self.sync()

    def update_image(self, image: str) -> None:
        ro = copy.deepcopy(self.api.objects[("rollouts", "ns", "demo")])
        ro["spec"]["template"]["spec"]["containers"][0]["image"] = image
        self.add("rollouts", ro)

    def new_hash(self) -> str:
        return str(self.status()["currentPodHash"])

    def replicas_by_image(self) -> dict[str, int]:
        return {
            rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
            for rs in self.api.of("replicasets")
        }

    def events(self) -> list[tuple[str, str]]:
        return [
            (body["reason"], body["message"])
            for verb, plural, _, body in self.api.calls
            if plural == "events"
        ]


async def _canary_at_analysis_step(world: AnalysisWorld, **canary: Any) -> str:
    world.add("analysistemplates", TEMPLATE)
    world.add(
        "rollouts",
        rollout(replicas=4, steps=[{"setWeight": 25}, {"analysis": ANALYSIS}, {"setWeight": 50}], **canary),
    )
    await world.settle()
    assert world.status()["phase"] == "Healthy" and world.runs() == {}  # the initial deploy runs no analysis
    world.update_image("demo:2")
    await world.settle()
    name = f"demo-{world.new_hash()}-2-1"
    assert name in world.runs()
    return name


async def test_an_analysis_step_creates_its_run_waits_for_it_and_completes_on_success() -> None:
    world = AnalysisWorld()
    name = await _canary_at_analysis_step(world)
    run = world.runs()[name]
    pod_hash = world.new_hash()
    assert run["metadata"]["labels"] == {
        "rollouts-pod-template-hash": pod_hash,
        "rollout-type": "Step",
        "step-index": "1",
        "app": "demo",
    }
    assert run["metadata"]["annotations"] == {"rollout.argoproj.io/revision": "2"}
    assert run["metadata"]["ownerReferences"][0]["uid"] == "uid-demo"
    assert run["spec"]["args"] == [{"name": "hash", "value": pod_hash}]
    status = world.status()
    assert status["currentStepIndex"] == 1 and status["phase"] == "Progressing"
    assert status["canary"]["currentStepAnalysisRunStatus"] == {"name": name, "status": ""}
    assert [r for r in world.runs()] == [name]  # settling created it once

    world.set_run_phase(name, "Running")
    await world.settle()
    assert world.status()["canary"]["currentStepAnalysisRunStatus"] == {"name": name, "status": "Running"}
    assert (
        "AnalysisRunRunning",
        f"Step Analysis Run '{name}' Status New: 'Running' Previous: ''",
    ) in world.events()

    world.set_run_phase(name, "Successful")
    await world.settle()
    status = world.status()
    assert status["phase"] == "Healthy" and status["currentStepIndex"] == 3
    assert "currentStepAnalysisRunStatus" not in (status.get("canary") or {})
    assert world.replicas_by_image() == {"demo:1": 0, "demo:2": 4}
    assert "terminate" not in world.runs()[name]["spec"]  # completed runs are left as they are


async def test_a_failed_step_run_aborts_the_update_with_upstreams_message() -> None:
    world = AnalysisWorld()
    name = await _canary_at_analysis_step(world)
    world.set_run_phase(name, "Failed", 'Metric "web" assessed Failed due to failed (1) > failureLimit (0)')
    await world.settle()
    status = world.status()
    assert status["abort"] is True and status["phase"] == "Degraded"
    assert status["message"] == (
        "RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase error/failed: "
        'Metric "web" assessed Failed due to failed (1) > failureLimit (0)'
    )
    assert world.replicas_by_image() == {"demo:1": 4, "demo:2": 0}
    assert "currentStepAnalysisRunStatus" not in (status.get("canary") or {})
    warnings = [e for e in world.events() if e[0] == "AnalysisRunFailed"]
    assert warnings == [
        ("AnalysisRunFailed", f"Step Analysis Run '{name}' Status New: 'Failed' Previous: ''")
    ]

    # retry: a new run for the same step, under the next collision name
    await world.api.patch(ROLLOUTS, "demo", {"status": {"abort": False}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert f"{name}.1" in world.runs()
    assert world.status()["canary"]["currentStepAnalysisRunStatus"]["name"] == f"{name}.1"
    assert "abortedAt" not in world.status()


async def test_an_inconclusive_step_run_pauses_until_promoted() -> None:
    world = AnalysisWorld()
    name = await _canary_at_analysis_step(world)
    world.set_run_phase(name, "Inconclusive")
    await world.settle()
    status = world.status()
    assert [p["reason"] for p in status["pauseConditions"]] == ["InconclusiveAnalysisRun"]
    assert status["phase"] == "Paused" and status["currentStepIndex"] == 1
    # kubectl argo rollouts promote on an inconclusive analysis step: the pause goes, the step is skipped
    await world.api.patch(
        ROLLOUTS,
        "demo",
        {"status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 2}},
        "ns",
        subresource="status",
    )
    world.sync()
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert list(world.runs()) == [name]


async def test_a_promote_past_a_running_analysis_step_terminates_its_run() -> None:
    world = AnalysisWorld()
    name = await _canary_at_analysis_step(world)
    world.set_run_phase(name, "Running")
    await world.settle()
    await world.api.patch(ROLLOUTS, "demo", {"status": {"promoteFull": True}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert world.runs()[name]["spec"]["terminate"] is True
    assert world.status()["phase"] == "Healthy"


async def _canary_with_background_analysis(world: AnalysisWorld) -> str:
    """An update of a canary with background analysis, paused at step 1; the background run's name."""
    world.add("analysistemplates", TEMPLATE)
    world.add("rollouts", rollout(replicas=4, steps=[{"setWeight": 25}, {"pause": {}}], analysis=ANALYSIS))
    await world.settle()
    world.update_image("demo:2")
    await world.settle()
    return f"demo-{world.new_hash()}-2"


async def test_background_analysis_runs_until_promotion_and_its_failure_aborts() -> None:
    world = AnalysisWorld()
    name = await _canary_with_background_analysis(world)
    assert list(world.runs()) == [name]
    assert world.runs()[name]["metadata"]["labels"]["rollout-type"] == "Background"
    assert world.status()["canary"]["currentBackgroundAnalysisRunStatus"]["name"] == name
    world.set_run_phase(name, "Error", "boom")
    await world.settle()
    assert world.status()["message"] == (
        "RolloutAborted: Rollout aborted update to revision 2: Background analysis phase error/failed: boom"
    )


async def test_a_fully_promoted_rollout_terminates_its_background_run() -> None:
    world = AnalysisWorld()
    name = await _canary_with_background_analysis(world)
    world.set_run_phase(name, "Running")
    await world.api.patch(ROLLOUTS, "demo", {"status": {"pauseConditions": None}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    assert world.runs()[name]["spec"]["terminate"] is True
    assert "currentBackgroundAnalysisRunStatus" not in (world.status().get("canary") or {})


async def test_a_missing_template_is_an_invalid_spec_and_nothing_is_created() -> None:
    world = AnalysisWorld()
    world.add("rollouts", rollout(replicas=2, steps=[{"analysis": ANALYSIS}]))
    await world.controller.reconcile("ns/demo")
    world.sync()
    invalid = next(c for c in world.status()["conditions"] if c["type"] == "InvalidSpec")
    assert invalid["message"] == (
        'The Rollout "demo" is invalid: spec.strategy.canary.steps[0].analysis.templates: '
        "Invalid value: \"check\": AnalysisTemplate 'check' not found"
    )
    assert world.api.of("replicasets") == [] and world.runs() == {}
    world.drain()
    world.add("analysistemplates", TEMPLATE)
    assert world.queued() == ["ns/demo"]  # the template it waits for brings it round at once
    await world.settle()
    assert world.status()["phase"] == "Healthy"


def _bluegreen(**strategy: Any) -> dict[str, Any]:
    doc = rollout(replicas=2)
    doc["spec"]["strategy"] = {
        "blueGreen": {"activeService": "active", "autoPromotionEnabled": True, **strategy}
    }
    return doc


def _active_selector(world: AnalysisWorld) -> str | None:
    selector: dict[str, str] = world.api.objects[("services", "ns", "active")]["spec"]["selector"]
    return selector.get("rollouts-pod-template-hash")


async def _bluegreen_update(world: AnalysisWorld, **strategy: Any) -> tuple[str, str]:
    world.add("analysistemplates", TEMPLATE)
    world.add("services", service("active", {"app": "demo"}))
    world.add("rollouts", _bluegreen(**strategy))
    await world.settle()
    assert world.status()["phase"] == "Healthy"
    old = world.new_hash()
    world.update_image("demo:2")
    await world.settle()
    return old, world.new_hash()


async def test_pre_promotion_analysis_gates_the_switch_of_the_active_service() -> None:
    world = AnalysisWorld()
    old, new = await _bluegreen_update(world, prePromotionAnalysis=ANALYSIS)
    name = f"demo-{new}-2-pre"
    assert list(world.runs()) == [name]
    assert world.runs()[name]["metadata"]["labels"]["rollout-type"] == "PrePromotion"
    assert _active_selector(world) == old
    world.set_run_phase(name, "Running")
    await world.settle()
    assert _active_selector(world) == old
    assert world.status()["blueGreen"]["prePromotionAnalysisRunStatus"] == {"name": name, "status": "Running"}
    world.set_run_phase(name, "Successful")
    await world.settle()
    assert _active_selector(world) == new
    assert world.status()["phase"] == "Healthy" and world.status()["stableRS"] == new
    assert world.status()["blueGreen"]["prePromotionAnalysisRunStatus"]["status"] == "Successful"


async def test_a_failed_post_promotion_analysis_rolls_the_active_service_back() -> None:
    world = AnalysisWorld()
    old, new = await _bluegreen_update(world, postPromotionAnalysis=ANALYSIS)
    assert _active_selector(world) == new
    name = f"demo-{new}-2-post"
    assert list(world.runs()) == [name]
    assert world.status()["stableRS"] == old  # not stable until the analysis succeeds
    world.set_run_phase(name, "Failed", "too many errors")
    await world.settle()
    status = world.status()
    assert status["abort"] is True
    assert status["message"] == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        "Blue/green post-promotion analysis phase error/failed: too many errors"
    )
    assert _active_selector(world) == old


async def test_an_inconclusive_pre_promotion_run_pauses_and_a_resume_starts_a_new_one() -> None:
    world = AnalysisWorld()
    old, new = await _bluegreen_update(world, prePromotionAnalysis=ANALYSIS)
    name = f"demo-{new}-2-pre"
    world.set_run_phase(name, "Inconclusive")
    await world.settle()
    status = world.status()
    assert [p["reason"] for p in status["pauseConditions"]] == ["InconclusiveAnalysisRun"]
    assert status["phase"] == "Paused" and _active_selector(world) == old
    await world.api.patch(ROLLOUTS, "demo", {"status": {"pauseConditions": None}}, "ns", subresource="status")
    world.sync()
    await world.settle()
    assert sorted(world.runs()) == [name, f"{name}.1"]
    world.set_run_phase(f"{name}.1", "Successful")
    await world.settle()
    assert _active_selector(world) == new and world.status()["phase"] == "Healthy"


def test_rollouts_are_indexed_by_the_templates_their_analyses_name() -> None:
    from rollouts.reconcilers.rollout_indexes import rollouts_by_analysis_template

    doc = rollout(
        steps=[{"setWeight": 10}, {"analysis": ANALYSIS}],
        analysis={"templates": [{"templateName": "shared", "clusterScope": True}, {"templateName": "check"}]},
    )
    assert rollouts_by_analysis_template(doc) == ["ns/check", "/shared"]
    bg = _bluegreen(prePromotionAnalysis={"templates": [{"templateName": "pre"}]})
    assert rollouts_by_analysis_template(bg) == ["ns/pre"]
    assert rollouts_by_analysis_template({"spec": {"strategy": {"canary": {"steps": [None, 3]}}}}) == []
