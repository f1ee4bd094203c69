"""Builders for the Rollout-analysis core tests: a Rollout (JSON), its ReplicaSets and runs."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.core.pod_hash import pod_template_hash, steps_hash
from rollouts.core.rollout_analysis import AnalysisDecision, AnalysisWorld, decide_analysis_runs

TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {"containers": [{"name": "app", "image": "demo:2"}]},
}
OLD_TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {"containers": [{"name": "app", "image": "demo:1"}]},
}
NEW_HASH = pod_template_hash(TEMPLATE)
OLD_HASH = pod_template_hash(OLD_TEMPLATE)


def template(name: str, metrics: list[str | dict[str, Any]], **spec: Any) -> dict[str, Any]:
    """A template with Web metrics named ``metrics`` (a dict is a metric written out in full)."""
    web = {"web": {"url": "http://x"}}
    written = [m if isinstance(m, dict) else {"name": m, "provider": web} for m in metrics]
    return {"metadata": {"name": name, "namespace": "ns"}, "spec": {"metrics": written, **spec}}


def replica_set(pod_hash: str, tpl: dict[str, Any], replicas: int = 4, revision: str = "2") -> dict[str, Any]:
    labeled = copy.deepcopy(tpl)
    labeled["metadata"]["labels"]["rollouts-pod-template-hash"] = pod_hash
    return {
        "metadata": {
            "name": f"demo-{pod_hash}",
            "namespace": "ns",
            "labels": {"app": "demo", "rollouts-pod-template-hash": pod_hash},
            "annotations": {
                "rollout.argoproj.io/revision": revision,
                "rollout.argoproj.io/desired-replicas": str(replicas),
            },
            "creationTimestamp": f"2026-01-01T00:00:0{revision}Z",
        },
        "spec": {"replicas": replicas, "template": labeled},
        "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas},
    }


def _rollout(strategy: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "ns",
            "uid": "uid-demo",
            "annotations": {"rollout.argoproj.io/revision": "2"},
        },
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(TEMPLATE),
            "strategy": strategy,
        },
        "status": {"stableRS": OLD_HASH, "currentPodHash": NEW_HASH, **status},
    }


def canary_rollout(
    steps: list[dict[str, Any]], status: dict[str, Any] | None = None, **canary: Any
) -> dict[str, Any]:
    """A canary mid-update (stable on OLD_HASH, the new pods NEW_HASH) at step 0 unless told."""
    stepping = {"currentStepHash": steps_hash(steps), "currentStepIndex": 0, **(status or {})}
    return _rollout({"canary": {"steps": steps, **canary}}, stepping)


def bluegreen_rollout(status: dict[str, Any] | None = None, **strategy: Any) -> dict[str, Any]:
    """A blue-green mid-update (stable on OLD_HASH, the new pods NEW_HASH), active Service ``active``."""
    return _rollout({"blueGreen": {"activeService": "active", **strategy}}, status or {})


def run(
    name: str,
    kind: str = "Step",
    *,
    phase: str | None = None,
    pod_hash: str = NEW_HASH,
    step_index: int | None = 1,
    owner: str = "uid-demo",
    created: str = "2026-01-01T00:00:10Z",
    spec: dict[str, Any] | None = None,
    terminate: bool = False,
) -> dict[str, Any]:
    labels = {"rollouts-pod-template-hash": pod_hash, "rollout-type": kind}
    if kind == "Step" and step_index is not None:
        labels["step-index"] = str(step_index)
    out: dict[str, Any] = {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "labels": labels,
            "creationTimestamp": created,
            "ownerReferences": [{"kind": "Rollout", "uid": owner, "controller": True}],
        },
        "spec": dict(spec or {"metrics": [{"name": "m", "provider": {"web": {"url": "http://x"}}}]}),
    }
    if terminate:
        out["spec"]["terminate"] = True
    if phase is not None:
        out["status"] = {"phase": phase}
    return out


def decide(
    rollout: dict[str, Any],
    *,
    runs: list[dict[str, Any]] | None = None,
    templates: dict[str, Any] | None = None,
    cluster_templates: dict[str, Any] | None = None,
    replica_sets: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> AnalysisDecision:
    if replica_sets is None:
        replica_sets = [replica_set(OLD_HASH, OLD_TEMPLATE, revision="1"), replica_set(NEW_HASH, TEMPLATE)]
    world = AnalysisWorld(
        ro=Rollout.from_dict(rollout),
        rollout_json=rollout,
        replica_sets=replica_sets,
        runs=runs or [],
        templates=templates if templates is not None else {"t": template("t", ["m"])},
        cluster_templates=cluster_templates or {},
        now=now,
    )
    return decide_analysis_runs(world)
