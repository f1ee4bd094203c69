"""Switching from upstream's controller to ours: a Rollout, its ReplicaSet and its status exactly as
upstream's controller leaves them are in the cluster BEFORE our controller starts; ours must adopt
them as they stand — no new ReplicaSet, no pod replaced, no scale changed, the Rollout Healthy —
and then treat the adopted ReplicaSet as the stable one of the next update.

The template is the one upstream's own e2e suite (test/e2e canary-scaledowndelay) expects to hash
to ``674d8cf959``, so the first case rests on upstream's value, not on ours. The second case gives
the ReplicaSet a hash label that differs from any hash of the template (as after a change of the
hashing library) with a semantically equal template: upstream's fallback still finds it, so must we.

"Our controller has looked at it" is read from its ``/metrics`` (``rollout_reconcile_count`` of the
Rollout), as an operator would check it, before the cluster is compared with the snapshot.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from e2e.harness import ControllerProcess, Kubectl, diagnosis, free_port, wait_for
from e2e.test_rollout_canary import HASH_LABEL, INSTANCE_LABEL
from rollouts.core.pod_hash import steps_hash  # byte-compatible with upstream's, like the pod hash

NAME = "canary-scaledowndelay"
UPSTREAM_HASH = "674d8cf959"  # upstream's test/e2e/canary_test.go expects it for TEMPLATE
REPLICAS = 2
STEPS: list[dict[str, Any]] = [{"setWeight": 50}, {"pause": {}}]
REVISION = "rollout.argoproj.io/revision"
DESIRED_REPLICAS = "rollout.argoproj.io/desired-replicas"


def _template(pod_hash: str | None = None) -> dict[str, Any]:
    labels = {"app": NAME, **({HASH_LABEL: pod_hash} if pod_hash else {})}
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [
                {
                    "name": NAME,
                    "image": "nginx:1.19-alpine",
                    "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                    "resources": {"requests": {"memory": "16Mi", "cpu": "5m"}},
                }
            ]
        },
    }


def _rollout(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": NAME,
            "labels": {INSTANCE_LABEL: namespace},
            "annotations": {REVISION: "1"},
        },
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": NAME}},
            "template": _template(),
            "strategy": {"canary": {"steps": STEPS}},
        },
    }


def _upstream_replica_set(rollout: dict[str, Any], pod_hash: str) -> dict[str, Any]:
    """What upstream's controller creates for the Rollout's template (then scales to REPLICAS)."""
    meta = rollout["metadata"]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{NAME}-{pod_hash}",
            "labels": {"app": NAME, HASH_LABEL: pod_hash},
            "annotations": {REVISION: "1", DESIRED_REPLICAS: str(REPLICAS)},
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": NAME,
                    "uid": meta["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": NAME, HASH_LABEL: pod_hash}},
            "template": _template(pod_hash),
        },
    }


def _upstream_status(pod_hash: str, step_hash: str, at: str) -> dict[str, Any]:
    """A Healthy canary's status as upstream's controller writes it after the initial deploy."""

    def condition(type_: str, reason: str, message: str) -> dict[str, Any]:
        return {
            "type": type_,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastTransitionTime": at,
            "lastUpdateTime": at,
        }

    return {
        "HPAReplicas": REPLICAS,
        "availableReplicas": REPLICAS,
        "blueGreen": {},
        "canary": {},
        "conditions": [
            condition("Available", "AvailableReason", "Rollout has minimum availability"),
            condition(
                "Completed",
                "RolloutCompleted",
                f"Rollout completed update to revision 1 ({pod_hash}): Initial deploy",
            ),
            condition(
                "Progressing",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{NAME}-{pod_hash}" has successfully progressed.',
            ),
            condition("Healthy", "RolloutHealthy", "Rollout is healthy"),
        ],
        "currentPodHash": pod_hash,
        "currentStepHash": step_hash,
        "currentStepIndex": len(STEPS),
        "observedGeneration": "1",
        "phase": "Healthy",
        "readyReplicas": REPLICAS,
        "replicas": REPLICAS,
        "selector": f"app={NAME}",
        "stableRS": pod_hash,
        "updatedReplicas": REPLICAS,
    }


def _metrics_port_args(namespace: str) -> tuple[int, list[str]]:
    metrics = free_port()
    return metrics, [
        "--namespaced", "--namespace", namespace, "--instance-id", namespace, "--leader-elect=false",
        "--metricsPort", str(metrics), "--healthzPort", str(free_port()),
        "--metrics-bind", "127.0.0.1", "--healthz-bind", "127.0.0.1",
    ]  # fmt: skip


def _reconciles(port: int, namespace: str) -> int:
    """``rollout_reconcile_count`` of the Rollout on the controller's /metrics (0 before any)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return 0
    for line in text.splitlines():
        ours = f'name="{NAME}"' in line and f'namespace="{namespace}"' in line
        if line.startswith("rollout_reconcile_count{") and ours:
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def _snapshot(kubectl: Kubectl) -> dict[str, Any]:
    """What adoption must leave untouched: ReplicaSets (identity, generation, spec) and pods."""
    replica_sets = {
        rs["metadata"]["name"]: (rs["metadata"]["uid"], rs["metadata"]["generation"], rs["spec"])
        for rs in kubectl.list("replicasets")
    }
    pods = sorted(pod["metadata"]["uid"] for pod in kubectl.list("pods", "-l", f"app={NAME}"))
    return {"replicaSets": replica_sets, "pods": pods}


def _ready_pods(kubectl: Kubectl) -> int:
    def ready(pod: dict[str, Any]) -> bool:
        conditions = (pod.get("status") or {}).get("conditions") or []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

    return sum(1 for pod in kubectl.list("pods", "-l", f"app={NAME}") if ready(pod))


def _set_status(kubectl: Kubectl, status: dict[str, Any]) -> None:
    body = json.dumps({"status": status})
    kubectl("patch", "rollout", NAME, "--subresource", "status", "--type", "merge", "-p", body)


@pytest.mark.parametrize(
    "label_hash",
    [
        pytest.param(UPSTREAM_HASH, id="upstream-hash"),
        # a hash no template of ours gives: found by semantic equality of the template
        pytest.param("5c9f7d8b4", id="foreign-hash-semantically-equal"),
    ],
)
def test_a_rollout_left_by_upstream_is_adopted_as_it_stands(
    kubectl: Kubectl,
    namespace: str,
    start_controller: Callable[..., ControllerProcess],
    label_hash: str,
) -> None:
    kubectl.apply(_rollout(namespace))
    rollout = kubectl.get("rollout", NAME)
    kubectl.apply(_upstream_replica_set(rollout, label_hash))
    wait_for(lambda: _ready_pods(kubectl) == REPLICAS, timeout=60, describe=f"{REPLICAS} Ready pods")
    created = rollout["metadata"]["creationTimestamp"]
    _set_status(kubectl, _upstream_status(label_hash, steps_hash(STEPS), created))
    wait_for(
        lambda: (
            kubectl.get("replicaset", f"{NAME}-{label_hash}").get("status", {}).get("availableReplicas")
            == REPLICAS
        ),
        timeout=60,
        describe="the ReplicaSet's status counts its pods",
    )
    before = _snapshot(kubectl)
    status_before = kubectl.get("rollout", NAME)["status"]

    port, args = _metrics_port_args(namespace)
    controller = start_controller(*args)
    wait_for(
        lambda: _reconciles(port, namespace) >= 1,
        timeout=60,
        describe="the controller reconciled the Rollout",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    # and a second pass: a first pass that changed something would have brought it round again
    kubectl("annotate", "rollout", NAME, "rollouts.test/nudge=1")
    wait_for(
        lambda: _reconciles(port, namespace) >= 2,
        timeout=60,
        describe="a second reconcile",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )

    assert _snapshot(kubectl) == before, "adoption changed a ReplicaSet or replaced a pod"
    adopted = kubectl.get("rollout", NAME)
    status = adopted["status"]
    assert status["phase"] == "Healthy"
    for field in ("stableRS", "currentPodHash", "currentStepHash", "currentStepIndex"):
        assert status.get(field) == status_before[field], field
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        (c["type"], c["status"], c["reason"]) for c in status_before["conditions"]
    ]
    ours = [
        e for e in kubectl.list("events") if e.get("source", {}).get("component") == "rollouts-controller"
    ]
    assert not ours, [f"{e['reason']}: {e['message']}" for e in ours]
    assert controller.alive()

    # the adopted ReplicaSet is the stable one of the next update
    op = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.20-alpine"}]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))

    def paused() -> dict[str, int] | None:
        ro = kubectl.get("rollout", NAME)
        reasons = [p.get("reason") for p in (ro.get("status") or {}).get("pauseConditions") or []]
        if "CanaryPauseStep" not in reasons:
            return None
        return {
            rs["metadata"]["labels"][HASH_LABEL]: rs["spec"]["replicas"] for rs in kubectl.list("replicasets")
        }

    scales = wait_for(
        paused,
        timeout=60,
        describe="the update paused at step 1",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert len(scales) == 2 and scales[label_hash] == 1, scales  # setWeight 50 of 2: one stays stable
    assert kubectl.get("rollout", NAME)["status"]["stableRS"] == label_hash
