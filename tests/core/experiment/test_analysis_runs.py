"""Building an experiment's AnalysisRun from (Cluster)AnalysisTemplates, and resolving its args."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.analysis import Argument
from rollouts.api.experiment import Experiment, ExperimentAnalysisTemplateRef
from rollouts.core.experiment.analysis_runs import TemplateNotFound, free_run_name, new_analysis_run
from rollouts.core.experiment.args import ArgResolutionError, resolve_args
from rollouts.core.replica_sets import ReplicaSetView
from tests.core.experiment.world import experiment_doc


def _tpl(name: str, metrics: list[str], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"metrics": [{"name": m} for m in metrics], **spec}}


EXPERIMENT = Experiment.from_dict(
    {
        **experiment_doc(
            dryRun=[{"metricName": "b"}],
            analysisRunMetadata={"labels": {"l": "1"}, "annotations": {"a": "2"}},
        ),
        "metadata": {
            "name": "ex",
            "namespace": "ns",
            "uid": "uid-ex",
            "labels": {"argo-rollouts.argoproj.io/controller-instance-id": "blue"},
        },
    }
)


def _ref(template: str, *, cluster: bool = False) -> ExperimentAnalysisTemplateRef:
    return ExperimentAnalysisTemplateRef(name="an", template_name=template, cluster_scope=cluster)


def test_nested_templates_merge_metrics_args_and_dry_run_once_each() -> None:
    templates = {
        "top": _tpl(
            "top",
            ["a"],
            args=[{"name": "x"}, {"name": "y", "value": "default"}],
            templates=[{"templateName": "inner"}, {"templateName": "shared", "clusterScope": True}],
        ),
        "inner": _tpl("inner", ["b"], templates=[{"templateName": "shared", "clusterScope": True}]),
    }
    cluster = {"shared": _tpl("shared", ["c"], measurementRetention=[{"metricName": "c", "limit": 3}])}
    run = new_analysis_run(
        EXPERIMENT, _ref("top"), "ex-an", [Argument(name="x", value="given")], templates, cluster
    )
    assert [m["name"] for m in run["spec"]["metrics"]] == ["a", "b", "c"]
    assert run["spec"]["args"] == [{"name": "x", "value": "given"}, {"name": "y", "value": "default"}]
    assert run["spec"]["dryRun"] == [{"metricName": "b"}]
    assert run["spec"]["measurementRetention"] == [{"metricName": "c", "limit": 3}]
    meta = run["metadata"]
    assert meta["labels"] == {"argo-rollouts.argoproj.io/controller-instance-id": "blue", "l": "1"}
    assert meta["annotations"] == {"a": "2"}
    assert meta["ownerReferences"][0]["kind"] == "Experiment"


@pytest.mark.parametrize(
    ("templates", "cluster", "ref", "args", "error"),
    [
        ({}, {}, _ref("nope"), [], 'analysistemplate.argoproj.io "nope" not found'),
        ({}, {}, _ref("nope", cluster=True), [], 'clusteranalysistemplate.argoproj.io "nope" not found'),
        ({"t": _tpl("t", ["a"], args=[{"name": "x"}])}, {}, _ref("t"), [], "args.x was not resolved"),
        (
            {"t": _tpl("t", ["a"], templates=[{"templateName": "u"}]), "u": _tpl("u", ["a"])},
            {},
            _ref("t"),
            [],
            "two metrics have the same name 'a'",
        ),
    ],
)
def test_run_building_errors(
    templates: dict[str, Any],
    cluster: dict[str, Any],
    ref: ExperimentAnalysisTemplateRef,
    args: list[Argument],
    error: str,
) -> None:
    with pytest.raises((ValueError, LookupError)) as raised:
        new_analysis_run(EXPERIMENT, ref, "ex-an", args, templates, cluster)
    message = raised.value.args[0] if isinstance(raised.value, TemplateNotFound) else str(raised.value)
    assert message == error


def test_args_resolve_experiment_placeholders() -> None:
    rs = ReplicaSetView({"metadata": {"name": "ex-a", "labels": {"rollouts-pod-template-hash": "h1"}}})
    args = [
        Argument(name="hash", value="{{templates.a.podTemplateHash}}"),
        Argument(name="rs", value="name={{ templates.a.replicaset.name }}"),
        Argument(name="at", value="{{experiment.availableAt}}"),
        Argument(name="plain", value="no tags"),
    ]
    resolved = resolve_args(args, {"a": rs}, available_at="2026-03-01T12:00:00Z")
    assert [a.value for a in resolved] == ["h1", "name=ex-a", "2026-03-01T12:00:00Z", "no tags"]
    with pytest.raises(ArgResolutionError, match=r"failed to resolve \{\{experiment\.finishedAt\}\}"):
        resolve_args([Argument(name="f", value="{{experiment.finishedAt}}")], {}, available_at=None)


def test_run_name_skips_names_taken_by_other_owners_and_reuses_its_own() -> None:
    theirs = {"metadata": {"ownerReferences": [{"controller": True, "uid": "other"}]}}
    ours = {"metadata": {"ownerReferences": [{"controller": True, "uid": "uid-ex"}]}}
    assert free_run_name(EXPERIMENT, "an", {}) == "ex-an"
    assert free_run_name(EXPERIMENT, "an", {"ex-an": theirs, "ex-an.1": theirs}) == "ex-an.2"
    assert free_run_name(EXPERIMENT, "an", {"ex-an": ours}) == "ex-an"
