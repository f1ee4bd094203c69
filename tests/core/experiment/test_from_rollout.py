"""The Experiment built for a Rollout's canary ``experiment`` step."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.experiment import Experiment
from rollouts.api.steps import RolloutExperimentStep
from rollouts.api.validation_analysis import validate_experiment
from rollouts.core.experiment.from_rollout import ExperimentStepError, experiment_for_step, step_outcome_phase
from tests.core.experiment.world import T0, World


def _rs(name: str, pod_hash: str, image: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app": "web", "rollouts-pod-template-hash": pod_hash}},
        "spec": {
            "minReadySeconds": 5,
            "selector": {"matchLabels": {"app": "web", "rollouts-pod-template-hash": pod_hash}},
            "template": {
                "metadata": {"labels": {"app": "web", "rollouts-pod-template-hash": pod_hash}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


ROLLOUT: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {
        "name": "web",
        "namespace": "ns",
        "uid": "uid-ro",
        "labels": {"team": "a"},
        "annotations": {"rollout.argoproj.io/revision": "3"},
    },
    "spec": {"progressDeadlineSeconds": 120},
}
NEW, STABLE = _rs("web-new", "newhash", "web:2"), _rs("web-old", "oldhash", "web:1")


def _step(**extra: Any) -> RolloutExperimentStep:
    doc: dict[str, Any] = {
        "duration": "30s",
        "templates": [
            {"name": "baseline", "specRef": "stable", "metadata": {"labels": {"role": "baseline"}}},
            {"name": "canary", "specRef": "canary", "replicas": 2, "weight": 10},
        ],
        "analyses": [
            {
                "name": "compare",
                "templateName": "cmp",
                "requiredForCompletion": True,
                "args": [
                    {"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
                    {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
                    {"name": "team", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}}},
                    {"name": "plain", "value": "x"},
                ],
            }
        ],
        **extra,
    }
    return RolloutExperimentStep.model_validate(doc)


def test_experiment_for_step_names_labels_owns_and_copies_the_replica_set_templates() -> None:
    doc = experiment_for_step(
        ROLLOUT, _step(), step_index=1, pod_hash="newhash", new_rs=NEW, stable_rs=STABLE
    )
    meta = doc["metadata"]
    assert meta["name"] == "web-newhash-3-1"
    assert meta["labels"] == {"team": "a", "rollouts-pod-template-hash": "newhash"}
    assert meta["annotations"] == {"rollout.argoproj.io/revision": "3"}
    assert meta["ownerReferences"][0]["uid"] == "uid-ro" and meta["ownerReferences"][0]["kind"] == "Rollout"
    baseline, canary = doc["spec"]["templates"]
    assert baseline["template"]["spec"]["containers"][0]["image"] == "web:1"
    assert baseline["template"]["metadata"]["labels"]["role"] == "baseline"
    assert baseline["selector"]["matchLabels"]["role"] == "baseline"
    assert "service" not in baseline
    assert canary["template"]["spec"]["containers"][0]["image"] == "web:2"
    assert (canary["replicas"], canary["minReadySeconds"], canary["service"]) == (2, 5, {})
    assert doc["spec"]["duration"] == "30s" and doc["spec"]["progressDeadlineSeconds"] == 120
    analysis = doc["spec"]["analyses"][0]
    assert analysis["requiredForCompletion"] is True
    assert analysis["args"] == [
        {"name": "stable-hash", "value": "oldhash"},
        {"name": "canary-hash", "value": "newhash"},
        {"name": "team", "value": "a"},
        {"name": "plain", "value": "x"},
    ]
    experiment = Experiment.from_dict(doc)
    assert validate_experiment(experiment) == []


def test_step_experiment_is_planned_like_any_other() -> None:
    doc = experiment_for_step(
        ROLLOUT, _step(), step_index=1, pod_hash="newhash", new_rs=NEW, stable_rs=STABLE
    )
    doc["metadata"]["uid"] = "uid-ex"
    world = World(doc, now=T0)
    world.analysis_templates["cmp"] = {
        "metadata": {"name": "cmp"},
        # upstream passes only the args a template declares
        "spec": {
            "args": [{"name": "canary-hash"}],
            "metrics": [{"name": "m", "provider": {"job": {"spec": {}}}}],
        },
    }
    world.run_until(lambda: world.phase == "Running")
    assert set(world.replica_sets) == {"web-newhash-3-1-baseline", "web-newhash-3-1-canary"}
    assert step_outcome_phase(world.experiment) == ("Running", "")
    world.run_until(lambda: bool(world.analysis_runs))
    run = world.analysis_runs["web-newhash-3-1-compare"]
    assert {"name": "canary-hash", "value": "newhash"} in run["spec"]["args"]
    run["status"] = {"phase": "Successful"}
    world.step()
    assert step_outcome_phase(world.experiment) == ("Successful", "Required AnalysisRuns completed")


def test_bad_spec_ref_and_unresolvable_field_path_are_clear_errors() -> None:
    bad_ref = _step(templates=[{"name": "x", "specRef": "neither"}])
    with pytest.raises(ExperimentStepError, match="must be canary or stable"):
        experiment_for_step(ROLLOUT, bad_ref, step_index=0, pod_hash="h", new_rs=NEW, stable_rs=STABLE)
    bad_path = _step(
        analyses=[
            {
                "name": "a",
                "templateName": "t",
                "args": [{"name": "x", "valueFrom": {"fieldRef": {"fieldPath": "spec.nope"}}}],
            }
        ]
    )
    with pytest.raises(ExperimentStepError, match=r"failed to resolve fieldPath spec\.nope"):
        experiment_for_step(ROLLOUT, bad_path, step_index=0, pod_hash="h", new_rs=NEW, stable_rs=STABLE)
