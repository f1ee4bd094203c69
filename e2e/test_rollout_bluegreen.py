"""Blue-green against the local control plane: the preview Service follows the new pods at once,
the active one only after a manual promote, and the old ReplicaSet is scaled down after
scaleDownDelaySeconds (its deadline annotation set at the switch). Then, driven with
``kubectl-rollouts``: automatic promotion after autoPromotionSeconds, previewReplicaCount (the
preview runs that many pods; after ``promote`` it grows to full size before the active Service
moves), and an abort (active stays on blue, the preview ReplicaSet is scaled down after
abortScaleDownDelaySeconds)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from e2e.harness import Cluster, ControllerProcess, Kubectl, diagnosis, wait_for, wait_for_phase
from e2e.test_cli import ok
from e2e.test_rollout_canary import HASH_LABEL, INSTANCE_LABEL, controller

__all__ = ["controller"]  # the fixture, shared with the canary scenarios

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bluegreen.yaml"
NAME = "bluegreen-demo"
ACTIVE, PREVIEW = "bluegreen-demo-active", "bluegreen-demo-preview"
DEADLINE_ANNOTATION = "scale-down-deadline"  # upstream's key has no prefix
#: Long enough for a loaded machine to see the deadline before it passes.
ABORT_DELAY = 20


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


def _deploy_blue(kubectl: Kubectl, controller: ControllerProcess, **blue_green: Any) -> str:
    """The example with these blueGreen fields, Healthy on blue; returns blue's hash."""
    docs = list(yaml.safe_load_all(EXAMPLE.read_text()))
    rollout: dict[str, Any] = docs[0]
    rollout["metadata"].setdefault("labels", {})[INSTANCE_LABEL] = kubectl.namespace
    strategy = rollout["spec"]["strategy"]["blueGreen"]
    strategy.update(blue_green)
    for key in [k for k, v in strategy.items() if v is None]:
        del strategy[key]
    kubectl.apply(rollout, *docs[1:])
    blue = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )
    blue_hash = str(blue["status"]["stableRS"])
    assert _selector_hash(kubectl, ACTIVE) == blue_hash
    return blue_hash


def _go_green(kubectl: Kubectl) -> None:
    op = [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "argoproj/rollouts-demo:green",
        }
    ]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))


def _wait_paused(kubectl: Kubectl, controller: ControllerProcess) -> dict[str, Any]:
    def paused() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        reasons = [p.get("reason") for p in (ro.get("status") or {}).get("pauseConditions") or []]
        return ro if "BlueGreenPause" in reasons else None

    return wait_for(
        paused,
        timeout=60,
        describe="BlueGreenPause",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def _wait_healthy_on(
    kubectl: Kubectl, controller: ControllerProcess, pod_hash: str, describe: str
) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        healthy = status.get("phase") == "Healthy" and status.get("stableRS") == pod_hash
        return ro if healthy and _selector_hash(kubectl, ACTIVE) == pod_hash else None

    return wait_for(
        done,
        timeout=90,
        describe=describe,
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def _switch_events(kubectl: Kubectl) -> list[dict[str, Any]]:
    selector = f"involvedObject.name={NAME},reason=SwitchService"
    return [e for e in kubectl.list("events", "--field-selector", selector) if f"'{ACTIVE}'" in e["message"]]


def test_blue_green_promotes_itself_after_auto_promotion_seconds(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    blue_hash = _deploy_blue(kubectl, controller, autoPromotionEnabled=None, autoPromotionSeconds=5)
    _go_green(kubectl)
    paused = _wait_paused(kubectl, controller)
    green_hash = paused["status"]["currentPodHash"]
    [pause] = paused["status"]["pauseConditions"]
    assert _selector_hash(kubectl, ACTIVE) == blue_hash  # still blue while the countdown runs
    assert _selector_hash(kubectl, PREVIEW) == green_hash

    # nobody promotes: the countdown does
    _wait_healthy_on(kubectl, controller, green_hash, "active on green without a promote")
    switched = [e for e in _switch_events(kubectl) if e["message"].endswith(f"to '{green_hash}'")]
    assert switched, "no SwitchService event for the active Service"
    started = datetime.fromisoformat(pause["startTime"].replace("Z", "+00:00"))
    stamp = switched[0].get("lastTimestamp") or switched[0]["eventTime"]
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert at - started >= timedelta(seconds=5), (started, at)


def test_blue_green_preview_replica_count_then_cli_promote(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    blue_hash = _deploy_blue(kubectl, controller, previewReplicaCount=1, scaleDownDelaySeconds=3)
    _go_green(kubectl)
    paused = _wait_paused(kubectl, controller)
    green_hash = paused["status"]["currentPodHash"]
    assert _replicas(kubectl) == {blue_hash: 3, green_hash: 1}  # the preview runs one pod
    assert _selector_hash(kubectl, PREVIEW) == green_hash
    assert _selector_hash(kubectl, ACTIVE) == blue_hash

    assert ok(cluster, namespace, "promote", NAME) == f"rollout '{NAME}' promoted\n"
    # green grows to full size BEFORE the active Service moves to it
    seen_switch_undersized: list[dict[str, int]] = []

    def switched() -> dict[str, Any] | None:
        on_green = _selector_hash(kubectl, ACTIVE) == green_hash
        scales = _replicas(kubectl)
        if on_green and scales[green_hash] != 3:
            seen_switch_undersized.append(scales)
        ro = kubectl.get("rollout", NAME)
        return ro if on_green and (ro.get("status") or {}).get("phase") == "Healthy" else None

    ro = wait_for(
        switched,
        timeout=90,
        interval=0.1,
        describe="active on green, Healthy",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert not seen_switch_undersized, seen_switch_undersized
    assert ro["status"]["stableRS"] == green_hash
    assert ro["status"]["availableReplicas"] == 3
    wait_for(
        lambda: _replicas(kubectl) == {blue_hash: 0, green_hash: 3},
        timeout=60,
        describe="blue scaled down after scaleDownDelaySeconds",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def test_blue_green_abort_keeps_blue_active_and_scales_the_preview_down_after_the_delay(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    blue_hash = _deploy_blue(kubectl, controller, abortScaleDownDelaySeconds=ABORT_DELAY)
    _go_green(kubectl)
    green_hash = _wait_paused(kubectl, controller)["status"]["currentPodHash"]
    assert _replicas(kubectl) == {blue_hash: 3, green_hash: 3}

    assert ok(cluster, namespace, "abort", NAME) == f"rollout '{NAME}' aborted\n"
    ro = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Degraded", timeout=60, controller_log=controller.log_path
    )
    aborted_at = datetime.fromisoformat(ro["status"]["abortedAt"].replace("Z", "+00:00"))
    assert ro["status"]["message"].startswith("RolloutAborted")
    assert ro["status"]["stableRS"] == blue_hash
    assert not ro["status"].get("pauseConditions")
    assert _selector_hash(kubectl, ACTIVE) == blue_hash  # users never left blue
    assert _selector_hash(kubectl, PREVIEW) == green_hash  # upstream leaves the preview on green

    def green_deadline() -> str | None:
        green = next(
            rs for rs in kubectl.list("replicasets") if rs["metadata"]["labels"][HASH_LABEL] == green_hash
        )
        return (green["metadata"].get("annotations") or {}).get(DEADLINE_ANNOTATION)

    deadline = wait_for(
        green_deadline,
        timeout=30,
        describe="the preview ReplicaSet's scale-down deadline",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    due = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
    assert timedelta(seconds=ABORT_DELAY) <= due - aborted_at <= timedelta(seconds=ABORT_DELAY + 3), (
        aborted_at,
        due,
    )
    assert _replicas(kubectl)[green_hash] == 3  # kept until the deadline
    wait_for(
        lambda: _replicas(kubectl) == {blue_hash: 3, green_hash: 0},
        timeout=60,
        describe="green scaled down after abortScaleDownDelaySeconds, blue untouched",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert _selector_hash(kubectl, ACTIVE) == blue_hash
    assert kubectl.get("rollout", NAME)["status"]["phase"] == "Degraded"
