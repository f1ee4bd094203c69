"""The JSON the dashboard's API answers with: upstream's RolloutInfo shape, from the CLI's tree (pure).

The model is :func:`rollouts.cli.tree_info.rollout_view` — the one ``get rollout`` draws — so the
terminal and the browser never disagree about a status, an icon, a role tag or a weight. This
module only turns it into JSON with upstream's field names (``objectMeta``, ``setWeight``,
``replicaSets[].pods``, …) and adds what a page needs beyond the tree: the canary steps with
the index of the current one, the containers, and per-metric analysis results.

Differences from upstream, on purpose: timestamps are RFC 3339 strings (as in the Kubernetes
objects themselves) rather than grpc-gateway's ``{seconds, nanos}``; ``objectMeta`` carries
only name, namespace, uid, creationTimestamp and, for ReplicaSets, the revision annotation;
``currentStepIndex`` (int or null), ``paused``, ``aborted`` and ``analysisRuns[].metrics`` are ours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rollouts.cli.patches import canary_steps, current_step_index
from rollouts.cli.tree_info import (
    AnalysisRunView,
    ExperimentView,
    Meta,
    PodView,
    ReplicaSetView,
    rollout_view,
)

JSON = dict[str, Any]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meta(meta: Meta, namespace: str) -> JSON:
    return {
        "name": meta.name,
        "namespace": namespace,
        "uid": meta.uid,
        "creationTimestamp": _time(meta.created),
    }


def _pod(view: PodView, namespace: str) -> JSON:
    return {
        "objectMeta": _meta(view.meta, namespace),
        "status": view.status,
        "icon": view.icon,
        "ready": view.ready,
        "restarts": view.restarts,
    }


def _replica_set(view: ReplicaSetView, namespace: str) -> JSON:
    return {
        "objectMeta": _meta(view.meta, namespace),
        "status": view.status,
        "icon": view.icon,
        "revision": view.meta.revision,
        "stable": view.stable,
        "canary": view.canary,
        "active": view.active,
        "preview": view.preview,
        "ping": view.ping,
        "pong": view.pong,
        "replicas": view.replicas,
        "available": view.available,
        "template": view.template,
        "scaleDownDeadline": view.scale_down_deadline,
        "images": list(view.images),
        "pods": [_pod(p, namespace) for p in view.pods],
    }


def _measurement(raw: dict[str, Any]) -> JSON:
    return {key: raw[key] for key in ("phase", "value", "message", "startedAt", "finishedAt") if key in raw}


def _metric_results(run: dict[str, Any]) -> list[JSON]:
    """One entry per metric: its phase, counts and latest measurement (what the result panel shows)."""
    results = []
    for result in _list(_dict(run.get("status")).get("metricResults")):
        measurements = _list(result.get("measurements"))
        results.append(
            {
                "name": str(result.get("name") or ""),
                "phase": str(result.get("phase") or ""),
                "message": str(result.get("message") or ""),
                "count": result.get("count") or 0,
                "successful": result.get("successful") or 0,
                "failed": result.get("failed") or 0,
                "inconclusive": result.get("inconclusive") or 0,
                "error": result.get("error") or 0,
                "latest": _measurement(measurements[-1]) if measurements else None,
            }
        )
    return results


def _analysis_run(view: AnalysisRunView, namespace: str, raw: dict[str, Any] | None) -> JSON:
    return {
        "objectMeta": _meta(view.meta, namespace),
        "icon": view.icon,
        "revision": view.meta.revision,
        "status": view.status,
        "message": str(_dict((raw or {}).get("status")).get("message") or ""),
        "successful": view.successful,
        "failed": view.failed,
        "inconclusive": view.inconclusive,
        "error": view.error,
        "jobs": [
            {
                "objectMeta": {
                    "name": job.name,
                    "namespace": namespace,
                    "creationTimestamp": _time(job.created),
                },
                "status": job.status,
                "icon": job.icon,
            }
            for job in view.jobs
        ],
        "metrics": _metric_results(raw) if raw is not None else [],
    }


def _experiment(view: ExperimentView, namespace: str, runs_by_name: dict[str, dict[str, Any]]) -> JSON:
    return {
        "objectMeta": _meta(view.meta, namespace),
        "icon": view.icon,
        "revision": view.meta.revision,
        "status": view.status,
        "message": view.message,
        "replicaSets": [_replica_set(rs, namespace) for rs in view.replica_sets],
        "analysisRuns": [
            _analysis_run(run, namespace, runs_by_name.get(run.meta.name)) for run in view.analysis_runs
        ],
    }


def _containers(rollout: dict[str, Any], field: str) -> list[JSON]:
    pod_spec = _dict(_dict(_dict(rollout.get("spec")).get("template")).get("spec"))
    return [
        {"name": str(c.get("name") or ""), "image": str(c.get("image") or "")}
        for c in _list(pod_spec.get(field))
    ]


def rollout_info(
    rollout: dict[str, Any],
    replica_sets: list[dict[str, Any]],
    pods: list[dict[str, Any]],
    experiments: list[dict[str, Any]],
    runs: list[dict[str, Any]],
) -> JSON:
    """The RolloutInfo of one Rollout; its children are picked from the lists by ownerReference."""
    view = rollout_view(rollout, replica_sets, pods, experiments, runs)
    meta = _dict(rollout.get("metadata"))
    namespace = view.namespace
    spec, status = _dict(rollout.get("spec")), _dict(rollout.get("status"))
    runs_by_name = {str(_dict(r.get("metadata")).get("name")): r for r in runs}
    steps = canary_steps(rollout)
    observed = status.get("observedGeneration")
    return {
        "objectMeta": {**_meta(view.meta, namespace), "generation": meta.get("generation")},
        "status": view.status,
        "message": view.message,
        "icon": view.icon,
        "strategy": view.strategy,
        "step": view.step,
        "steps": steps or [],
        # None until the controller wrote an index (step shows "" then), as ``get rollout``.
        "currentStepIndex": current_step_index(rollout) if view.step else None,
        "setWeight": view.set_weight,
        "actualWeight": view.actual_weight,
        "desired": view.desired,
        "current": view.current,
        "updated": view.updated,
        "ready": view.ready,
        "available": view.available,
        "paused": spec.get("paused") is True or bool(status.get("pauseConditions")),
        "aborted": status.get("abort") is True,
        "restartedAt": status.get("restartedAt"),
        "generation": "" if observed is None else str(observed),
        "containers": _containers(rollout, "containers"),
        "initContainers": _containers(rollout, "initContainers"),
        "replicaSets": [_replica_set(rs, namespace) for rs in view.replica_sets],
        "experiments": [_experiment(e, namespace, runs_by_name) for e in view.experiments],
        "analysisRuns": [
            _analysis_run(run, namespace, runs_by_name.get(run.meta.name)) for run in view.analysis_runs
        ],
    }
