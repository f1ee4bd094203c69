"""Scaling a Rollout the way an HPA does, against the local control plane.

The Rollout CRD serves the ``scale`` subresource (spec path ``.spec.replicas``, status path
``.status.HPAReplicas``, selector path ``.status.selector``). ``kubectl scale`` and a merge patch
of ``rollouts/<name>/scale`` (what the HPA controller sends) change ``spec.replicas``; the
controller treats it as a scaling event: the ReplicaSets follow, and the status reports what the
HPA reads back.

A real HorizontalPodAutoscaler targeting the Rollout is run by kube-controller-manager here. The
cluster has no metrics API, so the HPA can never compute a utilisation (ScalingActive stays
False, ``FailedGetResourceMetric``); what it can and does do without metrics is resolve its
``scaleTargetRef`` through the scale subresource (AbleToScale True, ``SucceededGetScale``) and
enforce ``minReplicas`` by writing the scale subresource itself, which the Rollout then follows.

Scaling down old revisions: with a long ``scaleDownDelaySeconds``, ``scaleDownDelayRevisionLimit``
bounds how many old ReplicaSets keep their pods (blue-green and a traffic-routed canary), and
``revisionHistoryLimit`` deletes the scaled-down ReplicaSets beyond it.
"""

from __future__ import annotations

import json
from typing import Any

from e2e.harness import ControllerProcess, Kubectl, diagnosis, wait_for
from e2e.harness.rollouts import HASH_LABEL, rollout_manifest, service_manifest, set_image
from e2e.test_rollout_canary import controller

__all__ = ["controller"]  # the fixture: a --namespaced controller with the test's instance id

NAME = "scaled"


def _scale(kubectl: Kubectl, name: str = NAME) -> dict[str, Any]:
    """What the HPA controller reads: the Rollout's Scale object."""
    path = f"/apis/argoproj.io/v1alpha1/namespaces/{kubectl.namespace}/rollouts/{name}/scale"
    scale: dict[str, Any] = json.loads(kubectl("get", "--raw", path))
    return scale


def _replica_sets(kubectl: Kubectl) -> dict[str, int]:
    return {
        rs["metadata"]["labels"][HASH_LABEL]: rs["spec"]["replicas"] for rs in kubectl.list("replicasets")
    }


def _settled_at(kubectl: Kubectl, controller: ControllerProcess, replicas: int) -> dict[str, Any]:
    """Wait until the Rollout is Healthy with ``replicas`` pods everywhere the HPA looks."""

    def settled() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        done = (
            status.get("phase") == "Healthy"
            and status.get("replicas") == replicas
            and status.get("availableReplicas") == replicas
            and status.get("HPAReplicas") == replicas
        )
        return ro if done else None

    return wait_for(
        settled,
        timeout=90,
        describe=f"rollout Healthy at {replicas} replicas",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def test_kubectl_scale_and_a_scale_subresource_patch_resize_the_rollout(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(rollout_manifest(NAME, kubectl.namespace or "", replicas=2))
    first = _settled_at(kubectl, controller, 2)
    stable = first["status"]["stableRS"]
    assert first["status"]["selector"] == f"app={NAME}"

    kubectl("scale", f"rollout/{NAME}", "--replicas=5")
    ro = _settled_at(kubectl, controller, 5)
    assert ro["spec"]["replicas"] == 5
    assert _replica_sets(kubectl) == {stable: 5}  # a scaling event: no new revision
    [rs] = kubectl.list("replicasets")
    assert rs["metadata"]["annotations"]["rollout.argoproj.io/desired-replicas"] == "5"
    scale = _scale(kubectl)
    assert scale["kind"] == "Scale"
    assert scale["spec"] == {"replicas": 5}
    assert scale["status"] == {"replicas": 5, "selector": f"app={NAME}"}

    # the HPA controller's write: a merge patch of the scale subresource
    kubectl(
        "patch", "rollout", NAME, "--subresource", "scale", "--type", "merge", "-p", '{"spec":{"replicas":3}}'
    )
    ro = _settled_at(kubectl, controller, 3)
    assert ro["spec"]["replicas"] == 3
    assert _replica_sets(kubectl) == {stable: 3}
    assert _scale(kubectl)["status"] == {"replicas": 3, "selector": f"app={NAME}"}
    assert ro["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "1"


def test_blue_green_reports_the_active_replica_set_to_the_hpa(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    strategy = {"blueGreen": {"activeService": f"{NAME}-active", "autoPromotionEnabled": True}}
    kubectl.apply(
        service_manifest(f"{NAME}-active", NAME),
        rollout_manifest(NAME, kubectl.namespace or "", replicas=2, strategy=strategy),
    )
    ro = _settled_at(kubectl, controller, 2)
    active = ro["status"]["stableRS"]
    # blue-green: the selector the HPA reads includes the active ReplicaSet's hash
    selector = f"app={NAME},{HASH_LABEL}={active}"
    assert ro["status"]["selector"] == selector
    kubectl("scale", f"rollout/{NAME}", "--replicas=4")
    _settled_at(kubectl, controller, 4)
    assert _replica_sets(kubectl) == {active: 4}
    assert _scale(kubectl)["status"] == {"replicas": 4, "selector": selector}


def _hpa(target: str, min_replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": target},
        "spec": {
            "scaleTargetRef": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": target},
            "minReplicas": min_replicas,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
                }
            ],
        },
    }


def _hpa_condition(hpa: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in (hpa.get("status") or {}).get("conditions") or [] if c["type"] == kind), None)


def test_a_horizontal_pod_autoscaler_resolves_the_rollout_and_enforces_its_minimum(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(rollout_manifest(NAME, kubectl.namespace or "", replicas=1))
    stable = _settled_at(kubectl, controller, 1)["status"]["stableRS"]
    kubectl.apply(_hpa(NAME, min_replicas=3))

    # kube-controller-manager's HPA controller reads the scale subresource, finds 1 < minReplicas
    # and writes 3 to it (it needs no metrics for that); the Rollout follows.
    ro = _settled_at(kubectl, controller, 3)
    assert ro["spec"]["replicas"] == 3
    assert _replica_sets(kubectl) == {stable: 3}

    def rescaled() -> dict[str, Any] | None:
        hpa = kubectl.get("hpa", NAME)
        condition = _hpa_condition(hpa, "AbleToScale") or {}
        return hpa if condition.get("reason") == "SucceededRescale" else None

    hpa = wait_for(
        rescaled, timeout=60, describe="HPA rescaled", diagnose=diagnosis(kubectl, [f"hpa/{NAME}"])
    )
    assert _hpa_condition(hpa, "AbleToScale") == {
        **(_hpa_condition(hpa, "AbleToScale") or {}),
        "status": "True",
        "message": "the HPA controller was able to update the target scale to 3",
    }

    def metrics_missing() -> dict[str, Any] | None:
        # a later HPA sync (every 15 s) reads the scale back and then looks for CPU metrics
        hpa = kubectl.get("hpa", NAME)
        condition = _hpa_condition(hpa, "ScalingActive") or {}
        return hpa if condition.get("status") == "False" else None

    hpa = wait_for(
        metrics_missing,
        timeout=90,
        describe="HPA ScalingActive=False",
        diagnose=diagnosis(kubectl, [f"hpa/{NAME}"]),
    )
    assert hpa["status"]["currentReplicas"] == 3  # read back through status.HPAReplicas
    assert kubectl.get("rollout", NAME)["spec"]["replicas"] == 3


REVISION = "rollout.argoproj.io/revision"
DEADLINE = "scale-down-deadline"  # upstream's annotation key, without a prefix


def _by_revision(kubectl: Kubectl) -> dict[int, tuple[int, bool]]:
    """revision -> (spec.replicas, has a scale-down deadline) of the ReplicaSets in the cluster."""
    return {
        int(rs["metadata"]["annotations"][REVISION]): (
            rs["spec"]["replicas"],
            DEADLINE in rs["metadata"]["annotations"],
        )
        for rs in kubectl.list("replicasets")
    }


def _roll_to(kubectl: Kubectl, controller: ControllerProcess, colour: str, revision: int) -> None:
    set_image(kubectl, f"rollout/{NAME}", colour)

    def promoted() -> bool:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        return (
            ro["metadata"]["annotations"].get(REVISION) == str(revision)
            and status.get("phase") == "Healthy"
            and status.get("stableRS") == status.get("currentPodHash")
        )

    wait_for(
        promoted,
        timeout=90,
        describe=f"revision {revision} promoted",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def _wait_for_revisions(
    kubectl: Kubectl, controller: ControllerProcess, expected: dict[int, tuple[int, bool]]
) -> None:
    wait_for(
        lambda: _by_revision(kubectl) == expected,
        timeout=60,
        describe=lambda: f"ReplicaSets {expected}, have {_by_revision(kubectl)}",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def _four_revisions(kubectl: Kubectl, controller: ControllerProcess) -> None:
    """v1..v4 with scaleDownDelaySeconds 300, scaleDownDelayRevisionLimit 1, revisionHistoryLimit 1."""
    _settled_at(kubectl, controller, 1)
    _roll_to(kubectl, controller, "green", 2)
    _wait_for_revisions(kubectl, controller, {1: (1, True), 2: (1, False)})  # v1 waits out its delay
    _roll_to(kubectl, controller, "yellow", 3)
    # v2 waits; v1 is beyond the revision limit: scaled down at once, then beyond the history limit
    _wait_for_revisions(kubectl, controller, {2: (1, True), 3: (1, False)})
    _roll_to(kubectl, controller, "purple", 4)
    _wait_for_revisions(kubectl, controller, {3: (1, True), 4: (1, False)})


def test_blue_green_keeps_old_pods_only_within_the_revision_limits(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    strategy = {
        "blueGreen": {
            "activeService": f"{NAME}-active",
            "scaleDownDelaySeconds": 300,
            "scaleDownDelayRevisionLimit": 1,
        }
    }
    kubectl.apply(
        service_manifest(f"{NAME}-active", NAME),
        rollout_manifest(
            NAME, kubectl.namespace or "", replicas=1, strategy=strategy, revisionHistoryLimit=1
        ),
    )
    _four_revisions(kubectl, controller)


def test_traffic_routed_canary_keeps_old_pods_only_within_the_revision_limits(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    stable, canary = f"{NAME}-stable", f"{NAME}-canary"
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": NAME},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": f"{NAME}.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": stable, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    strategy = {
        "canary": {
            "stableService": stable,
            "canaryService": canary,
            "trafficRouting": {"nginx": {"stableIngress": NAME}},
            "scaleDownDelaySeconds": 300,
            "scaleDownDelayRevisionLimit": 1,
        }
    }
    kubectl.apply(
        service_manifest(stable, NAME),
        service_manifest(canary, NAME),
        ingress,
        rollout_manifest(
            NAME, kubectl.namespace or "", replicas=1, strategy=strategy, revisionHistoryLimit=1
        ),
    )
    _four_revisions(kubectl, controller)


def test_basic_canary_deletes_history_beyond_the_limit(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(rollout_manifest(NAME, kubectl.namespace or "", replicas=2, revisionHistoryLimit=0))
    _settled_at(kubectl, controller, 2)
    _roll_to(kubectl, controller, "green", 2)
    # no delay without traffic routing: the old pods are drained, then the ReplicaSet deleted
    _wait_for_revisions(kubectl, controller, {2: (2, False)})
    _roll_to(kubectl, controller, "yellow", 3)
    _wait_for_revisions(kubectl, controller, {3: (2, False)})


def test_scaling_a_paused_canary_keeps_its_weight_and_its_step(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    steps = [{"setWeight": 50}, {"pause": {}}]
    kubectl.apply(
        rollout_manifest(NAME, kubectl.namespace or "", replicas=2, strategy={"canary": {"steps": steps}})
    )
    stable = _settled_at(kubectl, controller, 2)["status"]["stableRS"]
    set_image(kubectl, f"rollout/{NAME}", "green")

    def paused_with(replicas: int) -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        canary = status.get("currentPodHash")
        done = (
            status.get("currentStepIndex") == 1
            and status.get("phase") == "Paused"
            and canary != stable
            and _replica_sets(kubectl) == {stable: replicas // 2, canary: replicas // 2}
            and status.get("availableReplicas") == replicas
            and status.get("HPAReplicas") == replicas
        )
        return ro if done else None

    def wait_paused_with(replicas: int) -> dict[str, Any]:
        return wait_for(
            lambda: paused_with(replicas),
            timeout=60,
            describe=f"paused at step 1 with {replicas} replicas split 50/50",
            diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
        )

    before = wait_paused_with(2)
    kubectl(
        "patch", "rollout", NAME, "--subresource", "scale", "--type", "merge", "-p", '{"spec":{"replicas":4}}'
    )
    after = wait_paused_with(4)  # a scaling event: the split follows, the step does not move
    assert after["status"]["pauseConditions"] == before["status"]["pauseConditions"]
    assert _scale(kubectl)["status"] == {"replicas": 4, "selector": f"app={NAME}"}
