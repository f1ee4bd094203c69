"""``spec.workloadRef`` against the local control plane: a Rollout whose pod template lives in an
existing Deployment, as when migrating a Deployment to a Rollout.

* the Rollout runs the Deployment's template, and a change of the Deployment's template starts a
  canary update of the Rollout (``status.workloadObservedGeneration`` follows the Deployment's
  generation);
* ``scaleDown``: ``never`` leaves the Deployment alone, ``onsuccess`` scales it to 0 once the
  Rollout is Healthy, ``progressively`` shrinks it as the Rollout's pods become ready. To make
  "progressively" observable on a cluster whose pods are Ready at once, a ResourceQuota caps the
  namespace's pods: the Rollout's pods can only start as the Deployment's go away;
* a reference to a Deployment that does not exist is an InvalidSpec with the lister's NotFound
  text (as upstream reports it), and the Rollout recovers when the Deployment is created.
"""

from __future__ import annotations

from typing import Any

from e2e.harness import (
    ControllerProcess,
    Kubectl,
    condition_status,
    diagnosis,
    wait_for,
    wait_for_condition,
    wait_for_phase,
)
from e2e.harness.rollouts import HASH_LABEL, IMAGE, deployment_manifest, rollout_manifest, set_image
from e2e.test_rollout_canary import controller

__all__ = ["controller"]  # the fixture: a --namespaced controller with the test's instance id

NAME = "migrated"
DEPLOYMENT = "legacy"


def _rollout(kubectl: Kubectl, scale_down: str | None, replicas: int, **spec: Any) -> dict[str, Any]:
    ref: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": DEPLOYMENT}
    if scale_down is not None:
        ref["scaleDown"] = scale_down
    manifest = rollout_manifest(
        NAME,
        kubectl.namespace or "",
        replicas=replicas,
        template=None,
        selector=None,
        workloadRef=ref,
        **spec,
    )
    return manifest


def _deployment_replicas(kubectl: Kubectl) -> int:
    return int(kubectl.get("deployment", DEPLOYMENT)["spec"]["replicas"])


def _images(kubectl: Kubectl) -> dict[str, tuple[str, int]]:
    """hash -> (image, spec.replicas) of the Rollout's ReplicaSets."""
    return {
        rs["metadata"]["labels"][HASH_LABEL]: (
            rs["spec"]["template"]["spec"]["containers"][0]["image"],
            rs["spec"]["replicas"],
        )
        for rs in kubectl.list("replicasets", "-l", HASH_LABEL)
    }


def _healthy(kubectl: Kubectl, controller: ControllerProcess) -> dict[str, Any]:
    return wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )


def test_the_rollout_runs_the_deployments_template_and_follows_its_changes(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(deployment_manifest(DEPLOYMENT, NAME, replicas=2))
    steps = [{"setWeight": 50}, {"pause": {}}]
    kubectl.apply(_rollout(kubectl, "never", 2, strategy={"canary": {"steps": steps}}))
    first = _healthy(kubectl, controller)
    stable = first["status"]["stableRS"]
    assert _images(kubectl) == {stable: (f"{IMAGE}:blue", 2)}
    assert first["status"]["workloadObservedGeneration"] == "1"
    assert first["status"]["selector"] == f"app={NAME}"  # the Deployment's selector
    assert first["spec"].get("template") is None  # the template is never copied into the Rollout

    # the user updates the Deployment, not the Rollout
    set_image(kubectl, f"deployment/{DEPLOYMENT}", "green")

    def paused() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        reasons = [p.get("reason") for p in status.get("pauseConditions") or []]
        return ro if status.get("currentStepIndex") == 1 and "CanaryPauseStep" in reasons else None

    ro = wait_for(
        paused,
        timeout=60,
        describe="canary paused at step 1 after the Deployment's template changed",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    canary = ro["status"]["currentPodHash"]
    assert canary != stable
    assert _images(kubectl) == {stable: (f"{IMAGE}:blue", 1), canary: (f"{IMAGE}:green", 1)}
    assert ro["status"]["workloadObservedGeneration"] == "2"
    assert ro["metadata"]["annotations"]["rollout.argoproj.io/workload-generation"] == "2"
    assert _deployment_replicas(kubectl) == 2  # scaleDown never: the Deployment is left alone
    assert kubectl.get("deployment", DEPLOYMENT)["status"].get("readyReplicas") == 2


def test_scale_down_on_success_empties_the_deployment_once_the_rollout_is_healthy(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(deployment_manifest(DEPLOYMENT, NAME, replicas=2))
    wait_for(
        lambda: kubectl.get("deployment", DEPLOYMENT)["status"].get("readyReplicas") == 2,
        timeout=60,
        describe="the Deployment's pods ready",
    )
    kubectl.apply(_rollout(kubectl, "onsuccess", 2))
    _healthy(kubectl, controller)
    wait_for(
        lambda: _deployment_replicas(kubectl) == 0,
        timeout=60,
        describe="the Deployment scaled to 0",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}", f"deployment/{DEPLOYMENT}"], controller.log_path),
    )
    [(image, replicas)] = _images(kubectl).values()
    assert (image, replicas) == (f"{IMAGE}:blue", 2)


def test_scale_down_progressively_hands_capacity_over_pod_by_pod(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    replicas = 3
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "pods"},
        "spec": {"hard": {"pods": str(replicas + 1)}},
    }
    kubectl.apply(quota, deployment_manifest(DEPLOYMENT, NAME, replicas=replicas))
    wait_for(
        lambda: kubectl.get("deployment", DEPLOYMENT)["status"].get("readyReplicas") == replicas,
        timeout=60,
        describe="the Deployment's pods ready",
    )
    kubectl.apply(_rollout(kubectl, "progressively", replicas))
    seen: list[int] = []

    def handed_over() -> bool:
        value = _deployment_replicas(kubectl)
        if not seen or seen[-1] != value:
            seen.append(value)
        ro = kubectl.get("rollout", NAME)
        return value == 0 and (ro.get("status") or {}).get("phase") == "Healthy"

    wait_for(
        handed_over,
        timeout=180,
        describe="Deployment at 0 and the Rollout Healthy",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}", f"deployment/{DEPLOYMENT}"], controller.log_path),
    )
    assert seen == sorted(seen, reverse=True), f"the Deployment grew again: {seen}"
    assert seen[0] == replicas and seen[-1] == 0
    assert len(seen) > 2, f"scaled down in one go, not progressively: {seen}"
    ready = kubectl.get("rollout", NAME)["status"]["readyReplicas"]
    assert ready == replicas


def test_a_missing_deployment_is_an_invalid_spec_until_it_appears(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(_rollout(kubectl, None, 2))

    ro = wait_for_condition(
        kubectl, f"rollout/{NAME}", "InvalidSpec", timeout=60, controller_log=controller.log_path
    )
    [condition] = ro["status"]["conditions"]
    assert condition["reason"] == "InvalidSpec"
    assert (
        condition["message"] == f'The Rollout "{NAME}" is invalid: deployments.apps "{DEPLOYMENT}" not found'
    )
    assert ro["status"]["phase"] == "Degraded"
    assert ro["status"]["message"] == "InvalidSpec: " + condition["message"]
    assert kubectl.list("replicasets") == []

    kubectl.apply(deployment_manifest(DEPLOYMENT, NAME, replicas=0))
    ro = _healthy(kubectl, controller)
    assert condition_status(ro, "InvalidSpec") is None
    assert ro["status"]["availableReplicas"] == 2
    assert ro["status"]["workloadObservedGeneration"] == "1"
