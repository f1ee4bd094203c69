"""Ephemeral metadata: injection, removal of only what was injected, and the planner's roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rollouts.core.ephemeral import metadata_annotation, sync_pod_metadata
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_sync_adds_desired_and_removes_only_injected_keys() -> None:
    live = {"labels": {"app": "x", "role": "canary", "sidecar": "yes"}, "annotations": {"a": "1"}}
    out, modified = sync_pod_metadata(live, {"labels": {"role": "canary"}}, {"labels": {"role": "stable"}})
    assert modified and out["labels"] == {"app": "x", "role": "stable", "sidecar": "yes"}
    out, modified = sync_pod_metadata(out, {"labels": {"role": "stable"}}, None)
    assert modified and out["labels"] == {"app": "x", "sidecar": "yes"} and out["annotations"] == {"a": "1"}
    _, modified = sync_pod_metadata(out, None, None)
    assert not modified


def test_annotation_is_go_json() -> None:
    text = metadata_annotation({"annotations": {"b": "2"}, "labels": {"z": "1", "a": "<"}})
    assert text == '{"labels":{"a":"\\u003c","z":"1"},"annotations":{"b":"2"}}'
    assert json.loads(text) == {"labels": {"a": "<", "z": "1"}, "annotations": {"b": "2"}}


def _rollout() -> dict[str, Any]:
    return {
        "metadata": {"name": "demo", "namespace": "ns", "uid": "u", "generation": 1},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "a", "image": "i:1"}]},
            },
            "strategy": {
                "canary": {
                    "steps": [{"setWeight": 50}, {"pause": {}}],
                    "canaryMetadata": {"labels": {"role": "canary"}},
                    "stableMetadata": {"labels": {"role": "stable"}},
                }
            },
        },
    }


def _role(rs: dict[str, Any]) -> str | None:
    role: str | None = rs["spec"]["template"]["metadata"]["labels"].get("role")
    return role


def test_canary_and_stable_roles_follow_the_rollout() -> None:
    sim = SimCluster(_rollout(), T0)
    first = sim.plan()
    assert first.create_replica_set is not None
    assert _role(first.create_replica_set) == "stable"  # the initial deploy is stable at once
    sim.settle()
    sim.set_image("i:2")
    plan = sim.plan()
    assert plan.create_replica_set is not None and _role(plan.create_replica_set) == "canary"
    assert json.loads(
        plan.create_replica_set["metadata"]["annotations"]["rollout.argoproj.io/ephemeral-metadata"]
    ) == {"labels": {"role": "canary"}}
    final = sim.settle()
    assert final.status["phase"] == "Healthy"
    roles = {
        rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]: _role(rs)
        for rs in sim.replica_sets.values()
    }
    assert roles == {"1": None, "2": "stable"}
