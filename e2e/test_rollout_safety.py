"""What the controller must never do, against the local control plane.

* a ReplicaSet that matches the Rollout's selector but is controlled by someone else (here a
  Deployment's) is neither adopted, scaled nor counted;
* a Service claimed by another Rollout (annotation ``argo-rollouts.argoproj.io/managed-by-rollouts``)
  is not taken: the Rollout gets upstream's InvalidSpec message and the Service is left as it was;
* deleting a Rollout deletes its ReplicaSets (kube-controller-manager's garbage collector follows
  the controller ownerReferences the controller writes) and releases its Services (annotation and
  hash selector removed), so that another Rollout can take them;
* a Rollout labelled for another controller instance (``--instance-id``) is left alone until it
  is relabelled for ours;
* ``spec.paused`` holds an update (no scaling, phase Paused ``manually paused``) until unpaused.
"""

from __future__ import annotations

import time
from typing import Any

from e2e.harness import (
    ControllerProcess,
    Kubectl,
    diagnosis,
    wait_for,
    wait_for_condition,
    wait_for_phase,
)
from e2e.harness.rollouts import (
    HASH_LABEL,
    INSTANCE_LABEL,
    deployment_manifest,
    rollout_manifest,
    service_manifest,
    set_image,
)
from e2e.test_rollout_canary import controller

__all__ = ["controller"]  # the fixture: a --namespaced controller with the test's instance id

NAME = "guarded"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"


def _healthy(kubectl: Kubectl, controller: ControllerProcess, name: str = NAME) -> dict[str, Any]:
    return wait_for_phase(
        kubectl, f"rollout/{name}", "Healthy", timeout=90, controller_log=controller.log_path
    )


def _set_image(kubectl: Kubectl, colour: str) -> None:
    set_image(kubectl, f"rollout/{NAME}", colour)


def _hold(kubectl: Kubectl, seconds: float, check: Any) -> None:
    """Assert ``check()`` keeps holding for ``seconds`` (how "nothing happens" is shown)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        check()
        time.sleep(0.5)


def test_a_replica_set_controlled_by_a_deployment_is_never_touched(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    # the Deployment's pods carry the same app label the Rollout selects
    kubectl.apply(deployment_manifest("bystander", NAME, replicas=2, colour="red"))
    wait_for(
        lambda: kubectl.get("deployment", "bystander")["status"].get("readyReplicas") == 2,
        timeout=60,
        describe="the bystander Deployment ready",
    )
    [theirs] = kubectl.list("replicasets")
    kubectl.apply(rollout_manifest(NAME, kubectl.namespace or "", replicas=2))
    first = _healthy(kubectl, controller)
    assert first["status"]["replicas"] == 2  # only its own pods are counted
    _set_image(kubectl, "green")
    wait_for(
        lambda: (
            (ro := kubectl.get("rollout", NAME))["status"].get("stableRS") != first["status"]["stableRS"]
            and ro["status"].get("phase") == "Healthy"
        ),
        timeout=90,
        describe="Healthy on the second revision",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    now = kubectl.get("replicaset", theirs["metadata"]["name"])
    assert now["metadata"]["ownerReferences"] == theirs["metadata"]["ownerReferences"]
    assert now["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert now["spec"]["replicas"] == 2
    assert HASH_LABEL not in now["metadata"]["labels"]
    assert now["metadata"].get("annotations", {}).keys() == theirs["metadata"].get("annotations", {}).keys()
    ours = [rs for rs in kubectl.list("replicasets") if HASH_LABEL in rs["metadata"]["labels"]]
    assert len(ours) == 2
    assert all(rs["metadata"]["ownerReferences"][0]["kind"] == "Rollout" for rs in ours)


def test_a_service_managed_by_another_rollout_is_not_taken(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    service = service_manifest("shared", NAME)
    service["metadata"]["annotations"] = {MANAGED_BY: "someone-else"}
    strategy = {"canary": {"stableService": "shared", "canaryService": "mine"}}
    kubectl.apply(
        service,
        service_manifest("mine", NAME),
        rollout_manifest(NAME, kubectl.namespace or "", replicas=1, strategy=strategy),
    )

    ro = wait_for_condition(
        kubectl, f"rollout/{NAME}", "InvalidSpec", timeout=60, controller_log=controller.log_path
    )
    [condition] = ro["status"]["conditions"]
    assert condition["message"] == (
        f'The Rollout "{NAME}" is invalid: spec.strategy.canary.stableService: Invalid value: "shared":'
        ' Service "shared" is managed by another Rollout'
    )
    assert ro["status"]["phase"] == "Degraded"
    shared = kubectl.get("service", "shared")
    assert shared["metadata"]["annotations"][MANAGED_BY] == "someone-else"
    assert shared["spec"]["selector"] == {"app": NAME}
    assert kubectl.get("service", "mine")["spec"]["selector"] == {"app": NAME}
    assert kubectl.list("replicasets") == []


def test_deleting_a_rollout_garbage_collects_its_replica_sets(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    kubectl.apply(rollout_manifest(NAME, kubectl.namespace or "", replicas=2))
    ro = _healthy(kubectl, controller)
    [rs] = kubectl.list("replicasets")
    [owner] = rs["metadata"]["ownerReferences"]
    assert owner == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": NAME,
        "uid": ro["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    kubectl("delete", "rollout", NAME, "--wait=false")
    wait_for(
        lambda: not kubectl.list("replicasets") and not kubectl.list("pods"),
        timeout=90,
        describe="ReplicaSets and pods garbage-collected",
        diagnose=diagnosis(kubectl, [], controller.log_path),
    )
    assert controller.alive()


def test_a_deleted_rollouts_service_is_released_for_another_rollout(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    def using_shared(name: str) -> dict[str, Any]:
        ro = rollout_manifest(
            name, kubectl.namespace or "", replicas=1, strategy={"canary": {"stableService": "shared"}}
        )
        ro["spec"]["selector"] = {"matchLabels": {"app": "web"}}
        ro["spec"]["template"]["metadata"]["labels"] = {"app": "web"}
        return ro

    kubectl.apply(service_manifest("shared", "web"), using_shared("first"))
    _healthy(kubectl, controller, "first")
    claimed = kubectl.get("service", "shared")
    assert claimed["metadata"]["annotations"][MANAGED_BY] == "first"
    assert HASH_LABEL in claimed["spec"]["selector"]
    kubectl("delete", "rollout", "first", "--wait=false")

    def released() -> dict[str, Any] | None:
        svc = kubectl.get("service", "shared")
        free = MANAGED_BY not in (svc["metadata"].get("annotations") or {})
        return svc if free and HASH_LABEL not in svc["spec"]["selector"] else None

    svc = wait_for(
        released,
        timeout=60,
        describe="the Service released",
        diagnose=diagnosis(kubectl, ["service/shared"], controller.log_path),
    )
    assert svc["spec"]["selector"] == {"app": "web"}
    wait_for(lambda: not kubectl.list("replicasets"), timeout=60, describe="the first Rollout's pods gone")
    kubectl.apply(using_shared("second"))
    ro = _healthy(kubectl, controller, "second")
    taken = kubectl.get("service", "shared")
    assert taken["metadata"]["annotations"][MANAGED_BY] == "second"
    assert taken["spec"]["selector"][HASH_LABEL] == ro["status"]["stableRS"]


def test_a_rollout_of_another_controller_instance_is_left_alone(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    foreign = rollout_manifest(NAME, "another-instance", replicas=1)
    unlabelled = rollout_manifest("unlabelled", "", replicas=1)
    del unlabelled["metadata"]["labels"][INSTANCE_LABEL]
    kubectl.apply(foreign, unlabelled)
    ours = rollout_manifest("ours", kubectl.namespace or "", replicas=1)
    kubectl.apply(ours)
    _healthy(kubectl, controller, "ours")  # the controller is up and working

    def untouched() -> None:
        for name in (NAME, "unlabelled"):
            ro = kubectl.get("rollout", name)
            assert "status" not in ro, f"{name} was reconciled: {ro.get('status')}"
            assert ro["spec"]["replicas"] == 1
            assert "annotations" not in ro["metadata"] or not ro["metadata"]["annotations"].get(
                "rollout.argoproj.io/revision"
            )
        owners = {rs["metadata"]["ownerReferences"][0]["name"] for rs in kubectl.list("replicasets")}
        assert owners == {"ours"}

    _hold(kubectl, 5, untouched)
    kubectl("label", "rollout", NAME, f"{INSTANCE_LABEL}={kubectl.namespace}", "--overwrite")
    _healthy(kubectl, controller)
    untouched_unlabelled = kubectl.get("rollout", "unlabelled")
    assert "status" not in untouched_unlabelled


def test_spec_paused_holds_an_update_until_unpaused(kubectl: Kubectl, controller: ControllerProcess) -> None:
    steps = [{"setWeight": 50}, {"pause": {"duration": "1s"}}]
    kubectl.apply(
        rollout_manifest(NAME, kubectl.namespace or "", replicas=2, strategy={"canary": {"steps": steps}})
    )
    stable = _healthy(kubectl, controller)["status"]["stableRS"]
    kubectl("patch", "rollout", NAME, "--type", "merge", "-p", '{"spec":{"paused":true}}')
    _set_image(kubectl, "purple")

    def observed_paused() -> dict[str, Any] | None:
        ro = kubectl.get("rollout", NAME)
        status = ro.get("status") or {}
        seen = status.get("observedGeneration") == str(ro["metadata"]["generation"])
        return ro if seen and status.get("phase") == "Paused" else None

    ro = wait_for(
        observed_paused,
        timeout=60,
        describe="the update observed while paused",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert ro["status"]["message"] == "manually paused"

    def held() -> None:
        replicas = {
            rs["metadata"]["labels"][HASH_LABEL]: rs["spec"]["replicas"] for rs in kubectl.list("replicasets")
        }
        assert replicas[stable] == 2
        assert sum(replicas.values()) == 2, f"scaled while paused: {replicas}"
        assert kubectl.get("rollout", NAME)["status"]["phase"] == "Paused"

    _hold(kubectl, 5, held)
    kubectl("patch", "rollout", NAME, "--type", "merge", "-p", '{"spec":{"paused":false}}')
    final = wait_for(
        lambda: (
            (ro := kubectl.get("rollout", NAME))["status"].get("stableRS") not in (None, stable)
            and ro["status"].get("phase") == "Healthy"
            and ro
        ),
        timeout=90,
        describe="Healthy on the new revision after unpausing",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    assert final["status"]["currentStepIndex"] == len(steps)
    replicas = {
        rs["metadata"]["labels"][HASH_LABEL]: rs["spec"]["replicas"] for rs in kubectl.list("replicasets")
    }
    assert replicas[final["status"]["stableRS"]] == 2
