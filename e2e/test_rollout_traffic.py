"""A traffic-routed canary (examples/canary-nginx.yaml) against the local control plane: the
controller creates the canary Ingress and its nginx canary-weight follows the steps (10, then 50),
the Services select the stable and canary pods, and after the promote everything is back on the
new stable with the canary weight at 0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from e2e.harness import ControllerProcess, Kubectl, diagnosis, wait_for, wait_for_phase
from e2e.test_rollout_canary import HASH_LABEL, INSTANCE_LABEL, controller

__all__ = ["controller"]  # the fixture, shared with the canary scenarios

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "canary-nginx.yaml"
NAME = "canary-nginx"
CANARY_INGRESS = "canary-nginx-canary-nginx-canary"
WEIGHT_ANNOTATION = "nginx.ingress.kubernetes.io/canary-weight"


def _weight(kubectl: Kubectl) -> str | None:
    ingress = kubectl.get_or_none("ingress", CANARY_INGRESS)
    if ingress is None:
        return None
    return str((ingress["metadata"].get("annotations") or {}).get(WEIGHT_ANNOTATION))


def _selector_hash(kubectl: Kubectl, service: str) -> str | None:
    value = (kubectl.get("service", service)["spec"].get("selector") or {}).get(HASH_LABEL)
    return str(value) if value is not None else None


def test_nginx_canary_weights_follow_the_steps(kubectl: Kubectl, controller: ControllerProcess) -> None:
    docs = list(yaml.safe_load_all(EXAMPLE.read_text()))
    rollout: dict[str, Any] = docs[0]
    rollout["metadata"].setdefault("labels", {})[INSTANCE_LABEL] = kubectl.namespace
    rollout["spec"]["strategy"]["canary"]["steps"][1] = {"pause": {"duration": "5s"}}
    kubectl.apply(rollout, *docs[1:])
    stable_hash = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )["status"]["stableRS"]
    diagnose = diagnosis(kubectl, [f"rollout/{NAME}", f"ingress/{CANARY_INGRESS}"], controller.log_path)

    op = [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "argoproj/rollouts-demo:green",
        }
    ]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))
    wait_for(lambda: _weight(kubectl) == "10", timeout=60, describe="canary weight 10", diagnose=diagnose)
    canary_hash = kubectl.get("rollout", NAME)["status"]["currentPodHash"]
    assert _selector_hash(kubectl, "canary-nginx-canary") == canary_hash
    assert _selector_hash(kubectl, "canary-nginx-stable") == stable_hash

    def paused_at_50() -> bool:
        status = kubectl.get("rollout", NAME).get("status") or {}
        return _weight(kubectl) == "50" and status.get("currentStepIndex") == 3

    wait_for(paused_at_50, timeout=60, describe="weight 50, paused at step 3", diagnose=diagnose)
    kubectl(
        "patch", "rollout", NAME, "--subresource", "status", "--type", "merge",
        "-p", '{"status":{"pauseConditions":null}}',
    )  # fmt: skip

    def promoted() -> bool:
        status = kubectl.get("rollout", NAME).get("status") or {}
        return status.get("phase") == "Healthy" and status.get("stableRS") == canary_hash

    wait_for(promoted, timeout=60, describe="Healthy on the new revision", diagnose=diagnose)
    wait_for(
        lambda: _weight(kubectl) == "0", timeout=30, describe="canary weight back to 0", diagnose=diagnose
    )
    assert _selector_hash(kubectl, "canary-nginx-stable") == canary_hash
