"""spec.workloadRef: template and selector from a Deployment, its scale-down, workloadObservedGeneration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts.api.rollout import Rollout
from rollouts.core.workload import (
    deployment_replicas,
    with_workload_template,
    workload_observed_generation,
    workload_ref_error,
)
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _deployment(replicas: int = 3) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns", "generation": 4},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "web:1"}]},
            },
        },
    }


def _doc(scale_down: str | None = None, **status: Any) -> dict[str, Any]:
    ref: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    if scale_down is not None:
        ref["scaleDown"] = scale_down
    doc: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "ns",
            "uid": "u1",
            "generation": 1,
            "annotations": {"rollout.argoproj.io/workload-generation": "4"},
        },
        "spec": {"replicas": 3, "workloadRef": ref, "strategy": {"canary": {"steps": [{"setWeight": 50}]}}},
    }
    if status:
        doc["status"] = status
    return doc


def test_template_and_selector_come_from_the_workload() -> None:
    resolved = with_workload_template(Rollout.from_dict(_doc()), _deployment())
    assert resolved.spec.template == _deployment()["spec"]["template"]
    assert resolved.spec.selector is not None and resolved.spec.selector.match_labels == {"app": "web"}
    plain = Rollout.from_dict({**_doc(), "spec": {"replicas": 1, "strategy": {"canary": {}}}})
    assert with_workload_template(plain, None) is plain


def test_a_selector_written_on_the_rollout_is_kept() -> None:
    doc = _doc()
    doc["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "front"}}
    resolved = with_workload_template(Rollout.from_dict(doc), _deployment())
    assert resolved.spec.selector is not None
    assert resolved.spec.selector.match_labels == {"app": "web", "tier": "front"}


@pytest.mark.parametrize(
    ("ref", "template", "found", "expected"),
    [
        ({}, None, True, None),
        ({}, None, False, 'deployments.apps "web" not found'),
        (
            {},
            {"metadata": {"labels": {"app": "web"}}},
            True,
            "template must be empty for workload reference rollout",
        ),
        ({}, {"metadata": {}, "spec": {"containers": []}}, True, None),  # empty values: an empty template
        ({"apiVersion": "v1"}, None, True, "workload of type /Deployment is not supported"),
        ({"kind": "StatefulSet"}, None, True, "workload of type apps/StatefulSet is not supported"),
    ],
)
def test_why_a_workload_ref_does_not_resolve(
    ref: dict[str, Any], template: dict[str, Any] | None, found: bool, expected: str | None
) -> None:
    doc = _doc()
    doc["spec"]["workloadRef"].update(ref)
    if template is not None:
        doc["spec"]["template"] = template
    workload = _deployment() if found else None
    assert workload_ref_error(Rollout.from_dict(doc), workload) == expected


def test_a_rollout_without_a_workload_ref_always_resolves() -> None:
    plain = Rollout.from_dict({**_doc(), "spec": {"replicas": 1, "strategy": {"canary": {}}}})
    assert workload_ref_error(plain, None) is None


def test_missing_workload_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="workloadRef Deployment 'web' not found"):
        with_workload_template(Rollout.from_dict(_doc()), None)
    with pytest.raises(ValueError, match="has no pod template"):
        with_workload_template(Rollout.from_dict(_doc()), {"spec": {}})


def test_workload_observed_generation() -> None:
    assert workload_observed_generation(Rollout.from_dict(_doc())) == "4"
    missing = _doc()
    missing["metadata"]["annotations"] = {}
    assert workload_observed_generation(Rollout.from_dict(missing)) == "0"
    plain = Rollout.from_dict({**_doc(), "spec": {"replicas": 1, "strategy": {"canary": {}}}})
    assert workload_observed_generation(plain) is None


@pytest.mark.parametrize(
    ("scale_down", "phase", "ready", "revision", "before", "after", "current", "expected"),
    [
        (None, "Healthy", 3, 1, 3, 3, 3, None),  # never by default
        ("never", "Healthy", 3, 1, 3, 3, 3, None),
        ("onsuccess", "Healthy", 3, 1, 3, 3, 3, 0),
        ("onsuccess", "Healthy", 3, 1, 3, 3, 0, None),  # already there
        ("onsuccess", "Progressing", 1, 1, 1, 3, 3, None),
        ("onsuccess", "Healthy", 3, 2, 3, 3, 3, None),  # only the first revision
        ("progressively", "Healthy", 3, 1, 3, 3, 1, 0),
        ("progressively", "Progressing", 1, 1, 1, 3, 3, 2),  # 3 - 1 ready
        ("progressively", "Progressing", 0, 1, 0, 3, 3, None),  # nothing ready yet
        ("progressively", "Progressing", 0, 1, 3, 1, 1, 3),  # rollout shrinking: capacity back
    ],
)
def test_deployment_replicas(
    scale_down: str | None,
    phase: str,
    ready: int,
    revision: int,
    before: int,
    after: int,
    current: int,
    expected: int | None,
) -> None:
    ro = Rollout.from_dict(_doc(scale_down, phase=phase, readyReplicas=ready))
    got = deployment_replicas(
        ro, _deployment(current), revision=revision, new_spec_before=before, new_spec_after=after
    )
    assert got == expected


@pytest.mark.parametrize("scale_down", ["onsuccess", "progressively"])
def test_migration_from_a_deployment_ends_with_it_at_zero(scale_down: str) -> None:
    sim = SimCluster(_doc(scale_down), T0, workload=_deployment())
    first = sim.plan()
    assert first.create_replica_set is not None
    created_template = first.create_replica_set["spec"]["template"]
    assert created_template["spec"]["containers"][0]["image"] == "web:1"
    assert first.create_replica_set["spec"]["selector"]["matchLabels"]["app"] == "web"
    assert first.status["workloadObservedGeneration"] == "4"
    sizes = []
    plan = first
    for _ in range(12):
        sim.apply(plan)
        assert sim.workload is not None
        sizes.append(sim.workload["spec"]["replicas"])
        for name in sim.replica_sets:
            sim.make_ready(name, 1)
        plan = sim.plan()
    assert sim.rollout["status"]["phase"] == "Healthy"
    assert sizes[-1] == 0
    assert sizes == sorted(sizes, reverse=True)  # only ever shrinks
    if scale_down == "progressively":
        assert 0 < sizes[2] < 3  # shrank while the Rollout's pods became ready
    assert not plan.changes_cluster
