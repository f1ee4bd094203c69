"""Blue-green against the local control plane: the preview Service follows the new pods at once,
the active one only after a manual promote, and the old ReplicaSet is scaled down after
scaleDownDelaySeconds (its deadline annotation set at the switch)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from e2e.harness import ControllerProcess, Kubectl, diagnosis, wait_for, wait_for_phase
from e2e.test_rollout_canary import HASH_LABEL, INSTANCE_LABEL, controller

__all__ = ["controller"]  # the fixture, shared with the canary scenarios

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bluegreen.yaml"
NAME = "bluegreen-demo"
ACTIVE, PREVIEW = "bluegreen-demo-active", "bluegreen-demo-preview"
DEADLINE_ANNOTATION = "argo-rollouts.argoproj.io/scale-down-deadline"


def _selector_hash(kubectl: Kubectl, service: str) -> str | None:
    selector = kubectl.get("service", service)["spec"].get("selector") or {}
    value = selector.get(HASH_LABEL)
    return str(value) if value is not None else None


def _replicas(kubectl: Kubectl) -> dict[str, int]:
    return {
        rs["metadata"]["labels"][HASH_LABEL]: rs["spec"]["replicas"] for rs in kubectl.list("replicasets")
    }


def test_blue_green_preview_manual_promotion_and_delayed_scale_down(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    docs = list(yaml.safe_load_all(EXAMPLE.read_text()))
    rollout: dict[str, Any] = docs[0]
    rollout["metadata"].setdefault("labels", {})[INSTANCE_LABEL] = kubectl.namespace
    rollout["spec"]["strategy"]["blueGreen"]["scaleDownDelaySeconds"] = 5
    kubectl.apply(rollout, *docs[1:])
    blue = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )
    blue_hash = blue["status"]["stableRS"]
    assert _selector_hash(kubectl, ACTIVE) == blue_hash
    managed = kubectl.get("service", ACTIVE)["metadata"]["annotations"]
    assert managed["argo-rollouts.argoproj.io/managed-by-rollouts"] == NAME

    image = "argoproj/rollouts-demo:green"
    op = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))

    def paused() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        reasons = [p.get("reason") for p in (ro.get("status") or {}).get("pauseConditions") or []]
        return ro if "BlueGreenPause" in reasons else None

    ro = wait_for(
        paused,
        timeout=60,
        describe="BlueGreenPause",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    green_hash = ro["status"]["currentPodHash"]
    assert green_hash != blue_hash
    assert _selector_hash(kubectl, PREVIEW) == green_hash
    assert _selector_hash(kubectl, ACTIVE) == blue_hash  # users still see blue
    assert _replicas(kubectl) == {blue_hash: 3, green_hash: 3}

    kubectl(
        "patch", "rollout", NAME, "--subresource", "status", "--type", "merge",
        "-p", '{"status":{"pauseConditions":null}}',
    )  # fmt: skip

    def switched() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        done = status.get("phase") == "Healthy" and status.get("stableRS") == green_hash
        return ro if done and _selector_hash(kubectl, ACTIVE) == green_hash else None

    wait_for(
        switched,
        timeout=60,
        describe="active Service on green, Healthy",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    wait_for(
        lambda: _replicas(kubectl) == {blue_hash: 0, green_hash: 3},
        timeout=60,
        describe="blue scaled down after scaleDownDelaySeconds",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
