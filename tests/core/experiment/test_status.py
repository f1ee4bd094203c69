"""Experiment phase, invalid specs and analyses."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.experiment import Experiment
from rollouts.core.experiment.status import assess_analyses, assess_templates
from tests.core.experiment.world import World, experiment_doc, template_doc


def _template(name: str, args: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"metrics": [{"name": f"m-{name}", "provider": {"job": {"spec": {}}}}]}
    if args is not None:
        spec["args"] = args
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": spec,
    }


def test_invalid_spec_is_only_reported_and_a_fixed_spec_proceeds() -> None:
    world = World(experiment_doc(templates=[template_doc("a"), template_doc("a")]))
    plan = world.step()
    assert plan.create_replica_sets == []
    assert "phase" not in plan.status  # upstream writes only the condition
    cond = plan.status["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == ("InvalidSpec", "True", "InvalidSpec")
    assert cond["message"] == "Experiment ex has repeated template name 'a' in templates"
    world.experiment["spec"]["templates"][1]["name"] = "b"
    plan = world.step()
    assert [rs["metadata"]["name"] for rs in plan.create_replica_sets] == ["ex-a", "ex-b"]
    assert all(c["type"] != "InvalidSpec" for c in plan.status["conditions"])


def test_missing_analysis_template_is_an_error_before_anything_runs() -> None:
    world = World(experiment_doc(analyses=[{"name": "check", "templateName": "nope"}]))
    world.run_until(lambda: world.phase == "Error")
    run = world.status["analysisRuns"][0]
    assert run["phase"] == "Error"
    assert run["message"] == (
        "AnalysisTemplate verification failed for analysis 'check': "
        'analysistemplate.argoproj.io "nope" not found'
    )


def _analysis_world(**spec: Any) -> World:
    world = World(
        experiment_doc(
            analyses=[
                {
                    "name": "check",
                    "templateName": "tpl",
                    "args": [{"name": "hash", "value": "{{templates.a.podTemplateHash}}"}],
                },
                {"name": "other", "templateName": "tpl2"},
            ],
            **spec,
        )
    )
    world.analysis_templates["tpl"] = _template(
        "tpl", args=[{"name": "hash"}, {"name": "fixed", "value": "1"}]
    )
    world.analysis_templates["tpl2"] = _template("tpl2")
    return world


def test_analysis_runs_are_created_once_available_with_resolved_args() -> None:
    world = _analysis_world()
    world.run_until(lambda: bool(world.analysis_runs))
    run = world.analysis_runs["ex-check"]
    rs_hash = world.replica_sets["ex-a"]["metadata"]["labels"]["rollouts-pod-template-hash"]
    assert run["spec"]["args"] == [{"name": "hash", "value": rs_hash}, {"name": "fixed", "value": "1"}]
    assert run["spec"]["metrics"][0]["name"] == "m-tpl"
    assert run["metadata"]["ownerReferences"][0]["uid"] == "uid-ex"
    assert set(world.analysis_runs) == {"ex-check", "ex-other"}
    assert {r["name"]: r["phase"] for r in world.status["analysisRuns"]} == {
        "check": "Pending",
        "other": "Pending",
    }


def test_failed_analysis_fails_the_experiment_and_terminates_the_other_runs() -> None:
    world = _analysis_world()
    world.run_until(lambda: bool(world.analysis_runs))
    world.analysis_runs["ex-check"]["status"] = {"phase": "Failed", "message": "metric failed"}
    world.analysis_runs["ex-other"]["status"] = {"phase": "Running"}
    world.step()
    assert world.phase == "Failed"
    assert world.status["message"] == "metric failed"
    plan = world.step()
    assert plan.terminate_analysis_runs == ["ex-other"]
    assert world.analysis_runs["ex-other"]["spec"]["terminate"] is True


def test_required_analyses_successful_complete_the_experiment() -> None:
    world = _analysis_world()
    world.experiment["spec"]["analyses"][0]["requiredForCompletion"] = True
    world.run_until(lambda: bool(world.analysis_runs))
    world.analysis_runs["ex-check"]["status"] = {"phase": "Successful"}
    world.analysis_runs["ex-other"]["status"] = {"phase": "Running"}
    world.step()
    assert world.phase == "Running"  # upstream waits for the runs that are still going
    world.analysis_runs["ex-other"]["status"] = {"phase": "Successful"}
    world.step()
    assert world.phase == "Successful"
    assert world.status["message"] == "Required AnalysisRuns completed"


def test_unresolvable_arg_placeholder_errors_the_analysis() -> None:
    world = _analysis_world()
    world.experiment["spec"]["analyses"][0]["args"][0]["value"] = "{{templates.zzz.podTemplateHash}}"
    world.run_until(lambda: world.phase == "Error")
    check = next(r for r in world.status["analysisRuns"] if r["name"] == "check")
    assert check["message"] == (
        "Failed to create AnalysisRun for analysis 'check': "
        "failed to resolve {{templates.zzz.podTemplateHash}}"
    )


def test_name_taken_by_a_foreign_run_gets_a_collision_suffix() -> None:
    world = _analysis_world()
    world.analysis_runs["ex-check"] = {"metadata": {"name": "ex-check", "ownerReferences": []}, "spec": {}}
    world.run_until(lambda: "ex-check.1" in world.analysis_runs)


@pytest.mark.parametrize(
    ("statuses", "phase"),
    [
        (["Running", "Running"], "Running"),
        (["Running", "Progressing"], "Pending"),
        (["Successful", "Running"], "Running"),
        (["Successful", "Successful"], "Successful"),
        (["Error", "Failed"], "Failed"),
        (["Progressing", "Error"], "Error"),
    ],
)
def test_worst_template_decides(statuses: list[str], phase: str) -> None:
    doc = experiment_doc()
    doc["status"] = {
        "templateStatuses": [{"name": n, "status": s} for n, s in zip("ab", statuses, strict=True)]
    }
    experiment = Experiment.from_dict(doc)
    assert assess_templates(experiment, experiment.status)[0] == phase  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("phases", "phase"),
    [
        ([], "Successful"),
        (["Pending"], "Running"),
        (["Successful", "Running"], "Running"),
        (["Running", "Pending"], "Running"),
        (["Inconclusive", "Successful"], "Inconclusive"),
        (["Error", "Failed"], "Failed"),
    ],
)
def test_worst_analysis_decides(phases: list[str], phase: str) -> None:
    names = [f"x{i}" for i in range(len(phases))]
    doc = experiment_doc(analyses=[{"name": n, "templateName": "t"} for n in names])
    doc["status"] = {"analysisRuns": [{"name": n, "phase": p} for n, p in zip(names, phases, strict=True)]}
    experiment = Experiment.from_dict(doc)
    assert assess_analyses(experiment, experiment.status)[0] == phase  # type: ignore[arg-type]
