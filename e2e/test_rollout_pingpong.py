"""A ping-pong canary (``canary.pingPong``) routed by ALB, through the controller on the local
control plane.

The test acts as the user (kubectl apply, the image patch, the promote and abort status patches
the CLI sends) and asserts what the cluster shows after each of two updates and an abort: the ALB
actions annotation on the root Service's action (weights on ping and pong), the Services'
selectors, and ``status.canary.stablePingPong`` flipping at each promotion. No AWS load balancer
is involved: the annotation is read back as written.
"""

from __future__ import annotations

import json
from typing import Any

from e2e.harness import ControllerProcess, Kubectl, wait_for_phase
from e2e.test_rollout_traffic_routers import (
    NAME,
    Canary,
    _patch_status,
    _rollout,
    _selector_hash,
    _service,
    _set_image,
    _spec_replicas,
    _status,
    controller,
)
from e2e.test_traffic_routers import alb_ingress

__all__ = ["controller"]  # the fixture

ACTION = "alb.ingress.kubernetes.io/actions.root-svc"
STEPS = [{"setWeight": 20}, {"pause": {}}]


def _ingress() -> dict[str, Any]:
    ingress = alb_ingress()
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    path["backend"]["service"]["name"] = "root-svc"  # the ALB root Service's action
    return ingress


def _groups(kubectl: Kubectl) -> list[tuple[str, int]]:
    raw = (kubectl.get("ingress", "alb")["metadata"].get("annotations") or {}).get(ACTION)
    if raw is None:
        return []
    groups = json.loads(raw)["ForwardConfig"]["TargetGroups"]
    return [(str(g["ServiceName"]), int(g["Weight"])) for g in groups]


def _recorded(kubectl: Kubectl) -> str | None:
    value = (_status(kubectl).get("canary") or {}).get("stablePingPong")
    return str(value) if value is not None else None


def _selectors(kubectl: Kubectl) -> tuple[str | None, str | None]:
    return _selector_hash(kubectl, "ping-svc"), _selector_hash(kubectl, "pong-svc")


def _update_and_promote(canary: Canary, tag: str, stable_side: str, canary_side: str) -> None:
    """Change the image: the canary side gets the new pods and 20 %; promote: the roles flip."""
    kubectl = canary.kubectl
    _set_image(kubectl, tag)
    canary.wait(
        lambda: (
            _groups(kubectl) == [(canary_side, 20), (stable_side, 80)]
            and bool(_status(kubectl).get("pauseConditions"))
        ),
        f"20 % on {canary_side}, paused",
    )
    canary.canary_hash = _status(kubectl)["currentPodHash"]
    assert canary.canary_hash != canary.stable_hash
    assert _recorded(kubectl) == stable_side.removesuffix("-svc")
    assert _selector_hash(kubectl, canary_side) == canary.canary_hash
    assert _selector_hash(kubectl, stable_side) == canary.stable_hash
    assert (_status(kubectl)["canary"]["weights"]["canary"]["weight"]) == 20

    _patch_status(kubectl, {"pauseConditions": None})  # what `kubectl argo rollouts promote` sends
    canary.wait(
        lambda: (
            _status(kubectl).get("stableRS") == canary.canary_hash
            and _status(kubectl).get("phase") == "Healthy"
            and _groups(kubectl) == [(stable_side, 0), (canary_side, 100)]
        ),
        f"promoted: everything on {canary_side}",
        timeout=90,
    )
    # the former canary side is the stable side now; its selector never had to move
    assert _recorded(kubectl) == canary_side.removesuffix("-svc")
    assert _selector_hash(kubectl, canary_side) == canary.canary_hash
    assert _selector_hash(kubectl, stable_side) == canary.stable_hash
    canary.stable_hash = canary.canary_hash


def test_alb_ping_pong_alternates_the_stable_service_through_two_updates_and_an_abort(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    routing = {"alb": {"ingress": "alb", "servicePort": 80, "rootService": "root-svc"}}
    ping_pong = {"pingService": "ping-svc", "pongService": "pong-svc"}
    rollout = _rollout(kubectl.namespace, routing, STEPS, pingPong=ping_pong, abortScaleDownDelaySeconds=2)
    kubectl.apply(_service("ping-svc"), _service("pong-svc"), _service("root-svc"), _ingress(), rollout)
    healthy = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )
    canary = Canary(kubectl, controller, healthy["status"]["stableRS"], watched=["ingress/alb"])
    # initial deploy: ping is the stable side and selects the first pods
    canary.wait(lambda: _groups(kubectl) == [("pong-svc", 0), ("ping-svc", 100)], "all on ping")
    assert _recorded(kubectl) == "ping"
    assert _selectors(kubectl) == (canary.stable_hash, None)
    assert _selector_hash(kubectl, "root-svc") is None  # the root Service is the router's, not ours

    _update_and_promote(canary, "2", stable_side="ping-svc", canary_side="pong-svc")
    _update_and_promote(canary, "3", stable_side="pong-svc", canary_side="ping-svc")
    assert _recorded(kubectl) == "ping"

    # a third update, aborted: no flip; the canary side keeps the aborted pods at weight 0
    _set_image(kubectl, "4")
    canary.wait(
        lambda: (
            _groups(kubectl) == [("pong-svc", 20), ("ping-svc", 80)]
            and bool(_status(kubectl).get("pauseConditions"))
        ),
        "20 % on pong, paused",
    )
    aborted = _status(kubectl)["currentPodHash"]
    _patch_status(kubectl, {"abort": True})
    canary.wait(
        lambda: (
            _groups(kubectl) == [("pong-svc", 0), ("ping-svc", 100)] and _spec_replicas(kubectl, aborted) == 0
        ),
        "aborted: all on ping, canary scaled down",
        timeout=90,
    )
    status = _status(kubectl)
    assert status.get("phase") == "Degraded" and status.get("stableRS") == canary.stable_hash
    assert _recorded(kubectl) == "ping"
    assert _selectors(kubectl) == (canary.stable_hash, aborted)
