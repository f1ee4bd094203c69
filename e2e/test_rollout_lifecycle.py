"""The Rollout lifecycle driven the way a user drives it — the ``kubectl-rollouts`` executable —
against the local control plane: promote --full, retry after an abort, undo to the stable
revision, a rollback inside ``spec.rollbackWindow``, and restart.

Each test asserts what the cluster shows afterwards (ReplicaSet scales, pods, the Rollout's
status and Events), and, where the path matters, what it showed on the way (the steps passed
through, the pods evicted and how many stayed Ready). The scenarios share the README's basic
canary (``examples/canary-basic.yaml``: 5 replicas, 8 steps, an indefinite pause at step 1) and
the isolation of :mod:`e2e.test_rollout_canary` (a namespaced controller with its own instance id).
"""

from __future__ import annotations

import json
from typing import Any

from e2e.harness import (
    Cluster,
    ControllerProcess,
    Kubectl,
    condition_status,
    diagnosis,
    wait_for,
    wait_for_phase,
)
from e2e.test_cli import ok
from e2e.test_rollout_canary import (
    HASH_LABEL,
    NAME,
    STEPS,
    _deploy_healthy,
    _manifests,
    _replica_sets,
    _set_image,
    _wait_for_pause_at,
    controller,
)

__all__ = ["controller"]  # the fixture, shared with the canary scenarios

REVISION_ANNOTATION = "rollout.argoproj.io/revision"


def _scales(kubectl: Kubectl) -> dict[str, int]:
    return {pod_hash: rs["spec"]["replicas"] for pod_hash, rs in _replica_sets(kubectl).items()}


def _paused_update(kubectl: Kubectl, controller: ControllerProcess, image: str) -> tuple[str, str]:
    """Deploy the example, update it to ``image`` and wait for the pause at step 1; return the
    (stable, canary) pod-template hashes."""
    stable_hash = str(_deploy_healthy(kubectl, controller)["status"]["stableRS"])
    _set_image(kubectl, image)
    canary_hash = str(_wait_for_pause_at(kubectl, controller, 1)["status"]["currentPodHash"])
    return stable_hash, canary_hash


def _wait_healthy(kubectl: Kubectl, controller: ControllerProcess) -> dict[str, Any]:
    return wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )


def _events(kubectl: Kubectl, reason: str) -> list[str]:
    selector = f"involvedObject.name={NAME},reason={reason}"
    return [str(e.get("message")) for e in kubectl.list("events", "--field-selector", selector)]


def _watch_until_healthy_on(
    kubectl: Kubectl, controller: ControllerProcess, pod_hash: str, describe: str
) -> tuple[dict[str, Any], list[tuple[int | None, tuple[str, ...]]]]:
    """Poll until Healthy with ``stableRS == pod_hash``; return the Rollout and every distinct
    (currentStepIndex, pause reasons) seen on the way."""
    seen: list[tuple[int | None, tuple[str, ...]]] = []

    def healthy() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        reasons = tuple(str(p.get("reason")) for p in status.get("pauseConditions") or [])
        point = (status.get("currentStepIndex"), reasons)
        if not seen or seen[-1] != point:
            seen.append(point)
        done = status.get("phase") == "Healthy" and status.get("stableRS") == pod_hash
        return ro if done else None

    final = wait_for(
        healthy,
        timeout=90,
        describe=describe,
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    return final, seen


def test_promote_full_skips_the_remaining_steps(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    stable_hash, canary_hash = _paused_update(kubectl, controller, "argoproj/rollouts-demo:yellow")

    assert ok(cluster, namespace, "promote", "--full", NAME) == f"rollout '{NAME}' fully promoted\n"
    final, seen = _watch_until_healthy_on(kubectl, controller, canary_hash, "Healthy after promote --full")

    # straight from the pause at step 1 to the end: the timed pauses at 3, 5 and 7 never happen
    assert {index for index, _ in seen} <= {1, STEPS}, seen
    assert not [reasons for index, reasons in seen if index == STEPS and reasons], seen
    status = final["status"]
    assert status["currentStepIndex"] == STEPS
    assert not status.get("promoteFull")  # cleared once the promotion is done
    assert not status.get("pauseConditions")
    assert status["availableReplicas"] == 5
    assert _scales(kubectl) == {stable_hash: 0, canary_hash: 5}
    assert condition_status(final, "Completed") == "True"
    assert _events(kubectl, "RolloutCompleted")


def test_retry_after_an_abort_starts_the_steps_over(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    stable_hash, canary_hash = _paused_update(kubectl, controller, "argoproj/rollouts-demo:red")

    assert ok(cluster, namespace, "abort", NAME) == f"rollout '{NAME}' aborted\n"

    def aborted() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        back = _scales(kubectl) == {stable_hash: 5, canary_hash: 0}
        return ro if back and (ro.get("status") or {}).get("phase") == "Degraded" else None

    ro = wait_for(
        aborted,
        timeout=60,
        describe="aborted: stable at 5, canary at 0, Degraded",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert ro["status"]["abort"] is True
    assert ro["status"]["currentStepIndex"] == 0  # an abort rewinds the steps
    assert not ro["status"].get("pauseConditions")
    assert ro["status"].get("abortedAt")

    assert ok(cluster, namespace, "retry", "rollout", NAME) == f"rollout '{NAME}' retried\n"

    def paused_again() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        reasons = [p.get("reason") for p in status.get("pauseConditions") or []]
        at_step_one = status.get("currentStepIndex") == 1 and "CanaryPauseStep" in reasons
        return ro if at_step_one and _scales(kubectl) == {stable_hash: 4, canary_hash: 1} else None

    ro = wait_for(
        paused_again,
        timeout=60,
        describe="retried: setWeight 20 again (4 stable, 1 canary) and paused at step 1",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    status = ro["status"]
    assert not status.get("abort")
    assert status["phase"] == "Paused"
    assert status["currentPodHash"] == canary_hash  # the same canary ReplicaSet, no new one
    assert status["stableRS"] == stable_hash
    assert len(_replica_sets(kubectl)) == 2


def test_undo_to_the_stable_revision_skips_the_steps(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    stable_hash, canary_hash = _paused_update(kubectl, controller, "argoproj/rollouts-demo:purple")

    out = ok(cluster, namespace, "undo", NAME)
    assert out == f"rollout '{NAME}' undo\n"
    final, _ = _watch_until_healthy_on(kubectl, controller, stable_hash, "Healthy back on stable")

    status = final["status"]
    assert status["currentPodHash"] == stable_hash
    assert status["currentStepIndex"] == STEPS
    assert _scales(kubectl) == {stable_hash: 5, canary_hash: 0}  # no third ReplicaSet
    assert _events(kubectl, "SkipSteps") == ["Rollback to stable ReplicaSets"]
    containers = final["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "argoproj/rollouts-demo:blue"
    # the stable ReplicaSet became the newest revision again, and the Rollout says so
    assert final["metadata"]["annotations"][REVISION_ANNOTATION] == "3"
    stable_rs = _replica_sets(kubectl)[stable_hash]
    assert stable_rs["metadata"]["annotations"][REVISION_ANNOTATION] == "3"


def test_a_rollback_inside_the_rollback_window_is_fast_tracked(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    rollout, service = _manifests(namespace)
    rollout["spec"]["rollbackWindow"] = {"revisions": 1}
    kubectl.apply(rollout, service)
    v1_hash = _wait_healthy(kubectl, controller)["status"]["stableRS"]
    # The window counts ReplicaSets by creation time, which has one-second resolution (as
    # upstream's): revision 2 must be created in a later second than revision 1 to be newer.
    v1_created = kubectl.get("replicaset", f"{NAME}-{v1_hash}")["metadata"]["creationTimestamp"]
    wait_for(
        lambda: _now_after(kubectl, v1_created), timeout=10, describe="the clock past revision 1's second"
    )
    _set_image(kubectl, "argoproj/rollouts-demo:green")
    v2_hash = _wait_for_pause_at(kubectl, controller, 1)["status"]["currentPodHash"]
    ok(cluster, namespace, "promote", "--full", NAME)
    _watch_until_healthy_on(kubectl, controller, v2_hash, "second revision Healthy")
    assert _scales(kubectl) == {v1_hash: 0, v2_hash: 5}

    # back to revision 1, older than the stable one: no steps inside the window
    ok(cluster, namespace, "undo", NAME, "--to-revision", "1")
    final, seen = _watch_until_healthy_on(kubectl, controller, v1_hash, "fast-tracked back to revision 1")

    assert not [point for point in seen if point[1]], f"paused on the way back: {seen}"
    assert {index for index, _ in seen} <= {0, STEPS}, seen
    assert final["status"]["currentStepIndex"] == STEPS
    assert _scales(kubectl) == {v1_hash: 5, v2_hash: 0}  # revision 1's ReplicaSet, re-used
    assert final["metadata"]["annotations"][REVISION_ANNOTATION] == "3"


def _pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    return kubectl.list("pods", "-l", f"app={NAME}")


def _ready(pod: dict[str, Any]) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _scale_to(kubectl: Kubectl, controller: ControllerProcess, replicas: int) -> None:
    kubectl("patch", "rollout", NAME, "--type", "merge", "-p", json.dumps({"spec": {"replicas": replicas}}))
    wait_for(
        lambda: (
            sum(1 for pod in _pods(kubectl) if _ready(pod)) == replicas
            and (kubectl.get("rollout", NAME).get("status") or {}).get("availableReplicas") == replicas
        ),
        timeout=60,
        describe=f"{replicas} Ready pods",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def test_restart_replaces_every_pod_oldest_first_within_max_unavailable(
    cluster: Cluster, namespace: str, kubectl: Kubectl, controller: ControllerProcess
) -> None:
    rollout, service = _manifests(namespace)
    rollout["spec"]["replicas"] = 2
    rollout["spec"]["strategy"]["canary"]["maxUnavailable"] = 1
    rollout["spec"]["strategy"]["canary"]["maxSurge"] = 0
    kubectl.apply(rollout, service)
    _wait_healthy(kubectl, controller)
    # pods created in distinct seconds, so that "oldest first" is observable
    for replicas in (3, 4):
        newest = max(pod["metadata"]["creationTimestamp"] for pod in _pods(kubectl))
        wait_for(
            lambda newest=newest: _now_after(kubectl, newest),
            timeout=10,
            describe="the clock past the newest pod's creation second",
        )
        _scale_to(kubectl, controller, replicas)
    old = sorted(_pods(kubectl), key=lambda pod: pod["metadata"]["creationTimestamp"])
    old_names = [pod["metadata"]["name"] for pod in old]
    created = {pod["metadata"]["name"]: pod["metadata"]["creationTimestamp"] for pod in old}
    assert len(old_names) == 4
    # restartAt has one-second resolution and only pods created strictly before it go (as
    # upstream): restart in a later second than the newest pod's.
    newest = max(created.values())
    wait_for(lambda: _now_after(kubectl, newest), timeout=10, describe="the clock past the newest pod")

    assert ok(cluster, namespace, "restart", NAME).startswith(f"rollout '{NAME}' restarts")
    restart_at = kubectl.get("rollout", NAME)["spec"]["restartAt"]

    gone: list[str] = []
    fewest_ready = 4

    def restarted() -> dict[str, Any] | None:
        nonlocal fewest_ready
        # The Rollout first, then the pods: restartedAt is written after the last eviction, so
        # pods listed after a Rollout that shows it can no longer include an evicted one.
        ro = kubectl.get("rollout", NAME)
        pods = _pods(kubectl)
        fewest_ready = min(fewest_ready, sum(1 for pod in pods if _ready(pod)))
        present = {pod["metadata"]["name"] for pod in pods if not pod["metadata"].get("deletionTimestamp")}
        for name in old_names:
            if name not in present and name not in gone:
                gone.append(name)
        return ro if (ro.get("status") or {}).get("restartedAt") == restart_at else None

    ro = wait_for(
        restarted,
        timeout=120,
        interval=0.1,
        describe="status.restartedAt == spec.restartAt",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert sorted(gone) == sorted(old_names), "every pod older than restartAt was replaced"
    # oldest first: a pod never goes before one created in an earlier second
    order = [created[name] for name in gone]
    assert order == sorted(order), f"eviction order {gone} by creation {order}"
    assert fewest_ready >= 4 - 1, f"{fewest_ready} Ready pods with maxUnavailable 1"
    pods = [pod for pod in _pods(kubectl) if not pod["metadata"].get("deletionTimestamp")]
    assert len(pods) == 4
    assert all(pod["metadata"]["creationTimestamp"] >= restart_at for pod in pods)
    assert {pod["metadata"]["labels"][HASH_LABEL] for pod in pods} == {ro["status"]["stableRS"]}
    assert ro["status"]["phase"] == "Healthy"
    assert len(_replica_sets(kubectl)) == 1  # a restart is not an update


def _now_after(kubectl: Kubectl, timestamp: str) -> bool:
    """Whether the API server's clock (as stamped on a fresh object) is past ``timestamp``."""
    probe = kubectl(
        "create", "configmap", "clock-probe", "--dry-run=server",
        "-o", "jsonpath={.metadata.creationTimestamp}",
    )  # fmt: skip
    return probe > timestamp
