"""The Rollout controller as a process against the local control plane: the README's basic canary
walked through every step (promoting the indefinite pause as ``kubectl argo rollouts promote``
does), an abort, and an invalid Rollout that gets InvalidSpec and nothing else.

Isolation: each test's controller watches only the test's namespace (``--namespaced``) and runs
with an instance id that the test's Rollouts carry as a label, so that other controllers started
by other tests on the same cluster (default instance: no label) leave these Rollouts alone.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.harness import (
    ControllerProcess,
    Kubectl,
    condition_status,
    diagnosis,
    free_port,
    wait_for,
    wait_for_phase,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "canary-basic.yaml"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
HASH_LABEL = "rollouts-pod-template-hash"
NAME = "canary-demo"
STEPS = 8



def _manifests(namespace: str) -> tuple[dict[str, Any], dict[str, Any]]:
    rollout, service = list(yaml.safe_load_all(EXAMPLE.read_text()))
    rollout["metadata"].setdefault("labels", {})[INSTANCE_LABEL] = namespace
    return rollout, service


def _controller_args(namespace: str) -> list[str]:
    return [
        "--namespaced",
        "--namespace",
        namespace,
        "--instance-id",
        namespace,
        "--leader-elect=false",
        "--metricsPort",
        str(free_port()),
        "--healthzPort",
        str(free_port()),
        "--metrics-bind",
        "127.0.0.1",
        "--healthz-bind",
        "127.0.0.1",
    ]


@pytest.fixture
def controller(start_controller: Callable[..., ControllerProcess], namespace: str) -> ControllerProcess:
    return start_controller(*_controller_args(namespace))


def _replica_sets(kubectl: Kubectl) -> dict[str, dict[str, Any]]:
    return {rs["metadata"]["labels"][HASH_LABEL]: rs for rs in kubectl.list("replicasets")}


def _set_image(kubectl: Kubectl, image: str) -> None:
    op = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))


def _promote(kubectl: Kubectl) -> None:
    """What ``kubectl argo rollouts promote`` sends: clear the pauses, unpause the spec."""
    kubectl(
        "patch", "rollout", NAME, "--subresource", "status", "--type", "merge",
        "-p", '{"status":{"pauseConditions":null}}',
    )  # fmt: skip
    kubectl("patch", "rollout", NAME, "--type", "merge", "-p", '{"spec":{"paused":false}}')


def _wait_for_pause_at(kubectl: Kubectl, controller: ControllerProcess, step: int) -> dict[str, Any]:
    def paused() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        reasons = [p.get("reason") for p in status.get("pauseConditions") or []]
        return ro if status.get("currentStepIndex") == step and "CanaryPauseStep" in reasons else None

    return wait_for(
        paused,
        timeout=60,
        describe=f"rollout paused at step {step}",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def _deploy_healthy(kubectl: Kubectl, controller: ControllerProcess) -> dict[str, Any]:
    kubectl.apply(*_manifests(kubectl.namespace or ""))
    return wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )


def test_basic_canary_walks_every_step_to_healthy(kubectl: Kubectl, controller: ControllerProcess) -> None:
    first = _deploy_healthy(kubectl, controller)
    stable_hash = first["status"]["stableRS"]
    assert first["status"]["currentStepIndex"] == STEPS  # the initial deploy runs no steps
    assert {h: rs["spec"]["replicas"] for h, rs in _replica_sets(kubectl).items()} == {stable_hash: 5}

    _set_image(kubectl, "argoproj/rollouts-demo:yellow")
    paused = _wait_for_pause_at(kubectl, controller, 1)
    canary_hash = paused["status"]["currentPodHash"]
    assert canary_hash != stable_hash
    assert paused["status"]["phase"] == "Paused"
    replicas = {h: rs["spec"]["replicas"] for h, rs in _replica_sets(kubectl).items()}
    assert replicas == {stable_hash: 4, canary_hash: 1}  # setWeight 20 of 5 replicas

    _promote(kubectl)
    seen: list[int] = []

    def healthy() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        if status.get("currentStepIndex") is not None and (
            not seen or seen[-1] != status["currentStepIndex"]
        ):
            seen.append(status["currentStepIndex"])
        done = status.get("phase") == "Healthy" and status.get("stableRS") == canary_hash
        return ro if done else None

    final = wait_for(
        healthy,
        timeout=120,
        describe="rollout Healthy on the new revision",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert seen == sorted(seen), f"steps went backwards: {seen}"
    assert seen[-1] == STEPS
    assert final["status"]["availableReplicas"] == 5
    replicas = {h: rs["spec"]["replicas"] for h, rs in _replica_sets(kubectl).items()}
    assert replicas == {stable_hash: 0, canary_hash: 5}
    assert final["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"
    reasons = {e["reason"] for e in kubectl.list("events", "--field-selector", f"involvedObject.name={NAME}")}
    assert {"RolloutUpdated", "RolloutStepCompleted", "RolloutPaused", "RolloutCompleted"} <= reasons
    assert controller.alive()


def test_abort_returns_to_the_stable_revision(kubectl: Kubectl, controller: ControllerProcess) -> None:
    stable_hash = _deploy_healthy(kubectl, controller)["status"]["stableRS"]
    _set_image(kubectl, "argoproj/rollouts-demo:red")
    canary_hash = _wait_for_pause_at(kubectl, controller, 1)["status"]["currentPodHash"]
    # kubectl argo rollouts abort
    kubectl(
        "patch",
        "rollout",
        NAME,
        "--subresource",
        "status",
        "--type",
        "merge",
        "-p",
        '{"status":{"abort":true}}',
    )

    def aborted() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        rss = _replica_sets(kubectl)
        back = rss[stable_hash]["spec"]["replicas"] == 5 and rss[canary_hash]["spec"]["replicas"] == 0
        return ro if back and (ro.get("status") or {}).get("phase") == "Degraded" else None

    ro = wait_for(
        aborted,
        timeout=60,
        describe="aborted: stable at 5, canary at 0, phase Degraded",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert ro["status"]["message"].startswith("RolloutAborted")
    assert ro["status"]["stableRS"] == stable_hash


def test_an_invalid_rollout_gets_invalid_spec_and_nothing_else(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    rollout, service = _manifests(kubectl.namespace or "")
    rollout["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": 101}
    kubectl.apply(rollout, service)

    def invalid() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        return ro if condition_status(ro, "InvalidSpec") == "True" else None

    ro = wait_for(
        invalid,
        timeout=60,
        describe="InvalidSpec condition",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    [condition] = ro["status"]["conditions"]
    assert condition["message"] == (
        f'The Rollout "{NAME}" is invalid: spec.strategy.steps[0].setWeight: Invalid value: 101:'
        " SetWeight needs to be between 0 and 100"
    )
    assert ro["status"]["phase"] == "Degraded"
    assert ro["status"]["message"] == "InvalidSpec: " + condition["message"]
    assert kubectl.list("replicasets") == []
    assert kubectl.get("service", NAME)["spec"]["selector"] == {"app": NAME}
    assert not [
        e for e in kubectl.list("events") if e.get("source", {}).get("component") == "rollouts-controller"
    ]


def _never_ready(kubectl: Kubectl) -> None:
    """A new revision whose pods never become Ready (the local cluster's kwok stage label)."""
    op = [{"op": "add", "path": "/spec/template/metadata/labels/rollouts.test~1ready", "value": "false"}]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))


def _with_deadline(kubectl: Kubectl, abort: bool) -> None:
    rollout, service = _manifests(kubectl.namespace or "")
    rollout["spec"]["progressDeadlineSeconds"] = 10
    rollout["spec"]["progressDeadlineAbort"] = abort
    kubectl.apply(rollout, service)


def _progressing(ro: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in ro["status"]["conditions"] if c["type"] == "Progressing")


def test_pods_that_never_become_ready_exceed_the_progress_deadline(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    _with_deadline(kubectl, abort=False)
    wait_for_phase(kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path)
    _never_ready(kubectl)
    ro = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Degraded", timeout=90, controller_log=controller.log_path
    )
    progressing = _progressing(ro)
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert ro["status"]["message"].startswith("ProgressDeadlineExceeded: ")
    assert not ro["status"].get("abort")  # without progressDeadlineAbort the canary stays
    canary = _replica_sets(kubectl)[ro["status"]["currentPodHash"]]
    assert canary["spec"]["replicas"] == 1


def test_progress_deadline_abort_scales_the_canary_down(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    _with_deadline(kubectl, abort=True)
    stable_hash = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )["status"]["stableRS"]
    _never_ready(kubectl)

    def aborted() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        if not status.get("abort") or status.get("currentPodHash") == stable_hash:
            return None
        rss = _replica_sets(kubectl)
        canary = rss.get(status["currentPodHash"])
        return ro if canary is not None and canary["spec"]["replicas"] == 0 else None

    ro = wait_for(
        aborted,
        timeout=90,
        describe="aborted by the progress deadline, canary at 0",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert ro["status"]["phase"] == "Degraded"
    assert _replica_sets(kubectl)[stable_hash]["spec"]["replicas"] == 5


def test_a_controller_killed_mid_rollout_resumes_without_extra_replica_sets_or_repeated_steps(
    kubectl: Kubectl, start_controller: Callable[..., ControllerProcess], namespace: str
) -> None:
    first = start_controller(*_controller_args(namespace))
    _deploy_healthy(kubectl, first)
    _set_image(kubectl, "argoproj/rollouts-demo:orange")
    canary_hash = _wait_for_pause_at(kubectl, first, 1)["status"]["currentPodHash"]
    _promote(kubectl)
    _wait_for_pause_at(kubectl, first, 3)  # inside the first timed pause
    assert first.pid is not None
    os.kill(first.pid, signal.SIGKILL)
    wait_for(lambda: not first.alive(), timeout=10, describe="the controller is gone")

    second = start_controller(*_controller_args(namespace))
    final = wait_for(
        lambda: (
            (ro := kubectl.get("rollout", NAME))["status"].get("stableRS") == canary_hash
            and ro["status"].get("phase") == "Healthy"
            and ro
        ),
        timeout=120,
        describe="Healthy on the new revision after the restart",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], second.log_path),
    )
    assert final["status"]["currentStepIndex"] == STEPS
    assert len(_replica_sets(kubectl)) == 2  # no ReplicaSet created twice
    events = kubectl.list(
        "events", "--field-selector", f"involvedObject.name={NAME},reason=RolloutStepCompleted"
    )
    completed = sorted(e["message"] for e in events)
    expected = sorted({e["message"] for e in events})
    assert completed == expected, "a step completed twice"
    assert len(completed) == STEPS  # none skipped
