"""Traffic-routed canaries through the controller, one per router, on the local control plane.

The controller runs as a process (``--namespaced``, an instance id); the test acts as the user
(kubectl apply / patch, the abort and promote patches the CLI sends) and asserts, step by step, the
objects the controller writes: the ALB actions annotation, the Istio VirtualService routes and
DestinationRule subsets, the SMI TrafficSplit, the Gateway API HTTPRoute backendRefs, the NGINX
canary Ingress, the Services' selectors and ``status.canary.weights``. No data plane is installed:
the router CRDs come from ``e2e/crds``.

Abort order (weight back to the stable before the canary loses a pod): during every abort the test
polls the router object and the canary ReplicaSet together and asserts that no observation shows
the canary scaled down while it still had weight. For the Gateway API the test also plays a lagging
Gateway controller (``status.parents[].conditions[].observedGeneration`` behind the route's
generation) and shows that the controller holds the scale-down until the Gateway catches up
(verified weights, :mod:`rollouts.reconcilers.weight_verification`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from e2e.harness import ControllerProcess, Kubectl, diagnosis, wait_for, wait_for_phase
from e2e.test_rollout_canary import HASH_LABEL, INSTANCE_LABEL, controller
from e2e.test_traffic_routers import ISTIO_VS, alb_ingress, nginx_ingress, router_crds

__all__ = ["controller", "router_crds"]  # fixtures shared with the other e2e modules

NAME = "app"
REPLICAS = 4
GATEWAY_PLUGIN = "argoproj-labs/gatewayAPI"
ISTIO_DR = "destinationrule.networking.istio.io"
TRAFFIC_SPLIT = "trafficsplit.split.smi-spec.io"

Weight = Callable[[Kubectl], int | None]


# -- manifests -----------------------------------------------------------------------------------


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": NAME}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def _rollout(
    namespace: str, routing: dict[str, Any], steps: list[dict[str, Any]], **canary: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "labels": {INSTANCE_LABEL: namespace}},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {
                "metadata": {"labels": {"app": NAME}},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1"}]},
            },
            "strategy": {"canary": {"trafficRouting": routing, "steps": steps, **canary}},
        },
    }


def _services_canary(**extra: Any) -> dict[str, Any]:
    return {"canaryService": "canary-svc", "stableService": "stable-svc", **extra}


# -- reading what the controller wrote -----------------------------------------------------------


def _replica_sets(kubectl: Kubectl) -> dict[str, dict[str, Any]]:
    return {rs["metadata"]["labels"][HASH_LABEL]: rs for rs in kubectl.list("replicasets")}


def _spec_replicas(kubectl: Kubectl, pod_hash: str) -> int:
    return int(_replica_sets(kubectl)[pod_hash]["spec"].get("replicas") or 0)


def _selector_hash(kubectl: Kubectl, service: str) -> str | None:
    value = (kubectl.get("service", service)["spec"].get("selector") or {}).get(HASH_LABEL)
    return str(value) if value is not None else None


def _status(kubectl: Kubectl) -> dict[str, Any]:
    status: dict[str, Any] = kubectl.get("rollout", NAME).get("status") or {}
    return status


def _status_weights(kubectl: Kubectl) -> tuple[int, int]:
    weights = (_status(kubectl).get("canary") or {}).get("weights") or {}
    return int(weights["canary"]["weight"]), int(weights["stable"]["weight"])


def _alb_weight(kubectl: Kubectl) -> int | None:
    raw = (kubectl.get("ingress", "alb")["metadata"].get("annotations") or {}).get(
        "alb.ingress.kubernetes.io/actions.stable-svc"
    )
    if raw is None:
        return None
    groups = json.loads(raw)["ForwardConfig"]["TargetGroups"]
    return next(int(g["Weight"]) for g in groups if g["ServiceName"] == "canary-svc")


def _smi_weight(kubectl: Kubectl) -> int | None:
    split = kubectl.get_or_none(TRAFFIC_SPLIT, NAME)
    if split is None:
        return None
    return next(int(b["weight"]) for b in split["spec"]["backends"] if b["service"] == "canary-svc")


def _gateway_weight(kubectl: Kubectl) -> int | None:
    refs = kubectl.get("httproute", "route")["spec"]["rules"][0]["backendRefs"]
    return next(int(r.get("weight", 1)) for r in refs if r["name"] == "canary-svc")


def _istio_http(kubectl: Kubectl) -> list[dict[str, Any]]:
    http: list[dict[str, Any]] = kubectl.get(ISTIO_VS, "vs")["spec"]["http"]
    return http


def _istio_weight(kubectl: Kubectl) -> int | None:
    primary = next(r for r in _istio_http(kubectl) if r.get("name") == "primary")
    return next(
        int(d.get("weight", 0)) for d in primary["route"] if d["destination"].get("subset") == "canary"
    )


def _nginx_annotations(kubectl: Kubectl) -> dict[str, str]:
    ingress = kubectl.get_or_none("ingress", f"{NAME}-web-canary")
    return dict((ingress or {}).get("metadata", {}).get("annotations") or {})


def _event_reasons(kubectl: Kubectl) -> set[str]:
    """The reasons of the Events about the Rollout."""
    events = kubectl.list(
        "events", f"--field-selector=involvedObject.kind=Rollout,involvedObject.name={NAME}"
    )
    return {str(e.get("reason")) for e in events}


# -- the user's actions --------------------------------------------------------------------------


def _set_image(kubectl: Kubectl, tag: str) -> None:
    op = [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": f"registry.example.com/app:{tag}",
        }
    ]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))


def _merge_status(kubectl: Kubectl, kind: str, name: str, status: dict[str, Any]) -> None:
    """Merge-patch an object's status subresource."""
    body = json.dumps({"status": status})
    kubectl("patch", kind, name, "--subresource", "status", "--type", "merge", "-p", body)


def _patch_status(kubectl: Kubectl, status: dict[str, Any]) -> None:
    """What ``kubectl argo rollouts abort`` / ``promote`` send: a merge patch of the status."""
    _merge_status(kubectl, "rollout", NAME, status)


# -- the shared scenario --------------------------------------------------------------------------


@dataclass
class Canary:
    """One update in flight: its hashes and what to print when a wait fails."""

    kubectl: Kubectl
    controller: ControllerProcess
    stable_hash: str
    canary_hash: str = ""
    watched: list[str] = field(default_factory=list)

    def diagnose(self) -> Callable[[], str]:
        return diagnosis(self.kubectl, [f"rollout/{NAME}", *self.watched], self.controller.log_path)

    def wait(
        self, predicate: Callable[[], Any], describe: str, timeout: float = 60, interval: float = 0.25
    ) -> Any:
        return wait_for(
            predicate, timeout=timeout, describe=describe, diagnose=self.diagnose(), interval=interval
        )


def _deploy(
    kubectl: Kubectl,
    controller: ControllerProcess,
    *manifests: dict[str, Any],
    watched: list[str],
    services: bool = True,
) -> Canary:
    """Apply the manifests (with the stable and canary Services unless ``services`` is False) and
    wait until the Rollout is Healthy."""
    # the Services first: a Rollout naming a missing Service is InvalidSpec until the recheck
    kubectl.apply(*((_service("stable-svc"), _service("canary-svc")) if services else ()), *manifests)
    healthy = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )
    return Canary(kubectl, controller, healthy["status"]["stableRS"], watched=watched)


def _start_update(canary: Canary, tag: str, weight: Weight, expected: int, step_index: int) -> None:
    """Change the image; wait for the router to carry ``expected`` and a pause at ``step_index``."""
    _set_image(canary.kubectl, tag)

    def paused() -> bool:
        status = _status(canary.kubectl)
        return (
            weight(canary.kubectl) == expected
            and status.get("currentStepIndex") == step_index
            and bool(status.get("pauseConditions"))
        )

    canary.wait(paused, f"canary weight {expected}, paused at step {step_index}")
    canary.canary_hash = _status(canary.kubectl)["currentPodHash"]
    assert canary.canary_hash != canary.stable_hash


def _abort_in_order(canary: Canary, weight: Weight) -> list[tuple[int | None, int]]:
    """Abort; poll (router weight, canary spec.replicas) until the canary has no pod; assert the
    canary never lost a pod while it still had weight. Returns the observations."""
    kubectl = canary.kubectl
    before = _spec_replicas(kubectl, canary.canary_hash)
    assert before > 0
    _patch_status(kubectl, {"abort": True})
    seen: list[tuple[int | None, int]] = []

    def scaled_down() -> bool:
        observed = (weight(kubectl), _spec_replicas(kubectl, canary.canary_hash))
        seen.append(observed)
        return observed[1] == 0

    canary.wait(scaled_down, "the aborted canary scaled to 0", timeout=90, interval=0.05)
    early = [(w, n) for w, n in seen if n < before and w != 0]
    assert not early, f"the canary lost pods while it still had traffic: {early}"
    assert any(w == 0 and n == before for w, n in seen), (
        f"weight 0 with the canary's pods never observed: {seen}"
    )
    status = _status(kubectl)
    assert status.get("abort") is True and status.get("phase") == "Degraded"
    assert _status_weights(kubectl)[0] == 0
    return seen


def _assert_selectors(canary: Canary) -> None:
    assert _selector_hash(canary.kubectl, "canary-svc") == canary.canary_hash
    assert _selector_hash(canary.kubectl, "stable-svc") == canary.stable_hash


STEPS_20 = [{"setWeight": 20}, {"pause": {}}]
ABORT_DELAY = {"abortScaleDownDelaySeconds": 2}


# -- ALB -----------------------------------------------------------------------------------------


def test_alb_actions_annotation_follows_the_steps_and_the_abort(
    kubectl: Kubectl, controller: ControllerProcess
) -> None:
    ingress = alb_ingress()
    routing = {"alb": {"ingress": "alb", "servicePort": 80}}
    rollout = _rollout(kubectl.namespace, routing, STEPS_20, **_services_canary(**ABORT_DELAY))
    canary = _deploy(
        kubectl,
        controller,
        ingress,
        rollout,
        watched=["ingress/alb"],
    )
    assert _alb_weight(kubectl) == 0
    _start_update(canary, "2", _alb_weight, 20, 1)
    _assert_selectors(canary)
    assert _status_weights(kubectl) == (20, 80)
    weights = _status(kubectl)["canary"]["weights"]
    assert (weights["canary"]["podTemplateHash"], weights["stable"]["podTemplateHash"]) == (
        canary.canary_hash,
        canary.stable_hash,
    )
    assert (weights["canary"]["serviceName"], weights["stable"]["serviceName"]) == (
        "canary-svc",
        "stable-svc",
    )
    assert weights.get("verified") is True  # the actions annotation read back
    groups = json.loads(
        kubectl.get("ingress", "alb")["metadata"]["annotations"][
            "alb.ingress.kubernetes.io/actions.stable-svc"
        ]
    )
    assert [(g["ServiceName"], g["Weight"]) for g in groups["ForwardConfig"]["TargetGroups"]] == [
        ("canary-svc", 20),
        ("stable-svc", 80),
    ]
    # canary pods for 20 % of 4 replicas; the stable stays at full size
    assert _spec_replicas(kubectl, canary.canary_hash) == math.ceil(REPLICAS * 20 / 100)
    assert _spec_replicas(kubectl, canary.stable_hash) == REPLICAS
    _abort_in_order(canary, _alb_weight)
    assert {"PatchingALBIngress", "TrafficWeightUpdated"} <= _event_reasons(kubectl)
    assert _selector_hash(kubectl, "canary-svc") == canary.stable_hash
    assert _selector_hash(kubectl, "stable-svc") == canary.stable_hash


# -- SMI -----------------------------------------------------------------------------------------


def test_smi_traffic_split_follows_the_steps_and_the_abort(
    kubectl: Kubectl, controller: ControllerProcess, router_crds: list[str]
) -> None:
    rollout = _rollout(kubectl.namespace, {"smi": {}}, STEPS_20, **_services_canary(**ABORT_DELAY))
    canary = _deploy(
        kubectl,
        controller,
        rollout,
        watched=[f"{TRAFFIC_SPLIT}/{NAME}"],
    )
    split = kubectl.get(TRAFFIC_SPLIT, NAME)
    assert split["spec"]["service"] == "stable-svc"
    assert split["metadata"]["ownerReferences"][0]["name"] == NAME
    _start_update(canary, "2", _smi_weight, 20, 1)
    _assert_selectors(canary)
    assert _status_weights(kubectl) == (20, 80)
    backends = {b["service"]: int(b["weight"]) for b in kubectl.get(TRAFFIC_SPLIT, NAME)["spec"]["backends"]}
    assert backends == {"canary-svc": 20, "stable-svc": 80}
    _abort_in_order(canary, _smi_weight)
    assert "TrafficSplitCreated" in _event_reasons(kubectl)


def test_smi_dynamic_stable_scale_shrinks_the_stable_as_the_canary_weight_rises_and_back_on_abort(
    kubectl: Kubectl, controller: ControllerProcess, router_crds: list[str]
) -> None:
    steps = [{"setWeight": 50}, {"pause": {}}]
    rollout = _rollout(kubectl.namespace, {"smi": {}}, steps, **_services_canary(dynamicStableScale=True))
    canary = _deploy(
        kubectl,
        controller,
        rollout,
        watched=[f"{TRAFFIC_SPLIT}/{NAME}"],
    )
    _start_update(canary, "2", _smi_weight, 50, 1)
    half = math.ceil(REPLICAS * 50 / 100)
    canary.wait(
        lambda: _spec_replicas(kubectl, canary.stable_hash) == half,
        "the stable scaled down to the share the canary does not carry",
    )
    assert _spec_replicas(kubectl, canary.canary_hash) == half
    _patch_status(kubectl, {"abort": True})
    seen: list[tuple[int | None, int, int]] = []

    def back_on_stable() -> bool:
        sets = _replica_sets(kubectl)
        observed = (
            _smi_weight(kubectl),
            int(sets[canary.canary_hash]["spec"]["replicas"]),
            int(sets[canary.stable_hash]["status"].get("availableReplicas") or 0),
        )
        seen.append(observed)
        return observed[0] == 0 and observed[1] == 0 and observed[2] == REPLICAS

    canary.wait(back_on_stable, "weight 0, canary 0, stable fully available", timeout=90, interval=0.05)
    # The canary keeps at least the pods for its weight at every point of the abort.
    short = [(w, n, s) for w, n, s in seen if w is not None and n < math.ceil(REPLICAS * w / 100)]
    assert not short, f"the canary had fewer pods than its weight needs: {short}"
    assert _spec_replicas(kubectl, canary.stable_hash) == REPLICAS


# -- Gateway API ---------------------------------------------------------------------------------


def _http_route() -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "route"},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [
                        {"name": "stable-svc", "port": 80, "weight": 100},
                        {"name": "canary-svc", "port": 80, "weight": 0},
                    ],
                }
            ],
        },
    }


def _gateway_reports(kubectl: Kubectl, observed_generation: int) -> None:
    """Write the route's status as a Gateway controller would, having seen ``observed_generation``."""
    condition = {
        "type": "Accepted",
        "status": "True",
        "reason": "Accepted",
        "message": "",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
        "observedGeneration": observed_generation,
    }
    status = {
        "parents": [
            {"parentRef": {"name": "gw"}, "controllerName": "example.com/gw", "conditions": [condition]}
        ]
    }
    _merge_status(kubectl, "httproute", "route", status)


def test_gateway_api_backend_weights_and_an_abort_held_until_the_gateway_observes_it(
    kubectl: Kubectl, controller: ControllerProcess, router_crds: list[str]
) -> None:
    routing = {"plugins": {GATEWAY_PLUGIN: {"httpRoute": "route"}}}
    rollout = _rollout(kubectl.namespace, routing, STEPS_20, **_services_canary(abortScaleDownDelaySeconds=1))
    canary = _deploy(
        kubectl,
        controller,
        _http_route(),
        rollout,
        watched=["httproute/route"],
    )
    _start_update(canary, "2", _gateway_weight, 20, 1)
    _assert_selectors(canary)
    refs = kubectl.get("httproute", "route")["spec"]["rules"][0]["backendRefs"]
    assert [(r["name"], r["weight"]) for r in refs] == [("stable-svc", 80), ("canary-svc", 20)]
    # A Gateway that has seen the current generation: the weights are verified.
    generation = int(kubectl.get("httproute", "route")["metadata"]["generation"])
    _gateway_reports(kubectl, generation)
    canary.wait(lambda: _status(kubectl)["canary"]["weights"].get("verified") is True, "weights verified")
    # Abort: the controller writes weight 0 (a new generation) that the Gateway never reports.
    before = _spec_replicas(kubectl, canary.canary_hash)
    _patch_status(kubectl, {"abort": True})
    canary.wait(lambda: _gateway_weight(kubectl) == 0, "canary weight 0 after the abort")
    canary.wait(
        lambda: _status(kubectl)["canary"]["weights"].get("verified") is False, "the new weight unverified"
    )
    # Far past abortScaleDownDelaySeconds (1 s) and several verification retries (5 s), the canary
    # still has every pod.
    hold_until = time.monotonic() + 12

    def held_long_enough() -> bool:
        assert _spec_replicas(kubectl, canary.canary_hash) == before, (
            "scaled down before the Gateway saw weight 0"
        )
        return time.monotonic() >= hold_until

    canary.wait(held_long_enough, "12 s with the canary's pods held", timeout=30)
    # The Gateway catches up: the scale-down goes ahead.
    _gateway_reports(kubectl, int(kubectl.get("httproute", "route")["metadata"]["generation"]))
    canary.wait(
        lambda: _spec_replicas(kubectl, canary.canary_hash) == 0, "the canary scaled down once verified"
    )
    assert _status(kubectl)["canary"]["weights"].get("verified") is True
    assert _selector_hash(kubectl, "canary-svc") == canary.stable_hash
    assert "WeightNotVerified" not in _event_reasons(kubectl)  # confirmed within the 60 s bound


# -- Istio ---------------------------------------------------------------------------------------


def _istio_objects() -> list[dict[str, Any]]:
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "vs"},
        "spec": {
            "hosts": ["app.example.com"],
            "http": [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "app", "subset": "stable"}, "weight": 100},
                        {"destination": {"host": "app", "subset": "canary"}, "weight": 0},
                    ],
                }
            ],
        },
    }
    dr = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "DestinationRule",
        "metadata": {"name": "dr"},
        "spec": {"host": "app", "subsets": [{"name": "canary"}, {"name": "stable"}]},
    }
    return [vs, dr]


ISTIO_STEPS = [
    {"setWeight": 20},
    {
        "setHeaderRoute": {
            "name": "hdr",
            "match": [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}],
        }
    },
    {"setMirrorRoute": {"name": "mirror", "match": [{"method": {"exact": "GET"}}], "percentage": 50}},
    {"pause": {}},
]


def _subsets(kubectl: Kubectl) -> dict[str, str]:
    rule = kubectl.get(ISTIO_DR, "dr")
    return {s["name"]: (s.get("labels") or {}).get(HASH_LABEL, "") for s in rule["spec"]["subsets"]}


def test_istio_weights_subsets_header_and_mirror_routes_promotion_and_abort(
    kubectl: Kubectl, controller: ControllerProcess, router_crds: list[str]
) -> None:
    routing = {
        "istio": {
            "virtualService": {"name": "vs", "routes": ["primary"]},
            "destinationRule": {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
        },
        "managedRoutes": [{"name": "hdr"}, {"name": "mirror"}],
    }
    rollout = _rollout(kubectl.namespace, routing, ISTIO_STEPS, **ABORT_DELAY)
    watched = [f"{ISTIO_VS}/vs", f"{ISTIO_DR}/dr"]
    canary = _deploy(kubectl, controller, *_istio_objects(), rollout, watched=watched, services=False)
    assert [r["name"] for r in _istio_http(kubectl)] == ["primary"]

    # 1. an update walked to its pause: weight 20, subsets on the two hashes, both managed routes
    _start_update(canary, "2", _istio_weight, 20, 3)
    assert _subsets(kubectl) == {"canary": canary.canary_hash, "stable": canary.stable_hash}
    http = _istio_http(kubectl)
    assert [r["name"] for r in http] == ["hdr", "mirror", "primary"]
    assert http[0]["match"] == [{"headers": {"X-Canary": {"exact": "yes"}}}]
    assert http[0]["route"] == [{"destination": {"host": "app", "subset": "canary"}, "weight": 100}]
    assert http[1]["match"] == [{"method": {"exact": "GET"}}]
    assert http[1]["mirror"] == {"host": "app", "subset": "canary"}
    assert http[1]["mirrorPercentage"] == {"value": 50}
    assert _status_weights(kubectl) == (20, 80)

    # 2. promote: the managed routes go, all traffic on the new stable
    _patch_status(kubectl, {"pauseConditions": None})

    def completed() -> bool:
        status = _status(kubectl)
        return status.get("phase") == "Healthy" and status.get("stableRS") == canary.canary_hash

    canary.wait(completed, "Healthy on revision 2")
    canary.wait(lambda: [r["name"] for r in _istio_http(kubectl)] == ["primary"], "managed routes removed")
    canary.wait(lambda: _istio_weight(kubectl) == 0, "canary weight 0 after the promotion")
    assert _subsets(kubectl) == {"canary": canary.canary_hash, "stable": canary.canary_hash}

    # 3. another update, aborted at the pause: routes removed, weight 0 before any scale-down
    canary = Canary(kubectl, controller, canary.canary_hash, watched=canary.watched)
    _start_update(canary, "3", _istio_weight, 20, 3)
    assert [r["name"] for r in _istio_http(kubectl)] == ["hdr", "mirror", "primary"]
    assert _subsets(kubectl) == {"canary": canary.canary_hash, "stable": canary.stable_hash}
    _abort_in_order(canary, _istio_weight)
    assert [r["name"] for r in _istio_http(kubectl)] == ["primary"]
    assert {"Updated VirtualService", "UpdatedDestinationRule"} <= _event_reasons(kubectl)


# -- NGINX with maxTrafficWeight -----------------------------------------------------------------


def test_nginx_max_traffic_weight(kubectl: Kubectl, controller: ControllerProcess) -> None:
    ingress = nginx_ingress()
    routing = {"nginx": {"stableIngress": "web"}, "maxTrafficWeight": 1000}
    steps = [{"setWeight": 200}, {"pause": {}}]
    rollout = _rollout(kubectl.namespace, routing, steps, **_services_canary(**ABORT_DELAY))
    canary = _deploy(
        kubectl,
        controller,
        ingress,
        rollout,
        watched=[f"ingress/{NAME}-web-canary"],
    )

    def nginx_weight(k: Kubectl) -> int | None:
        value = _nginx_annotations(k).get("nginx.ingress.kubernetes.io/canary-weight")
        return int(value) if value is not None else None

    _start_update(canary, "2", nginx_weight, 200, 1)
    annotations = _nginx_annotations(kubectl)
    assert annotations["nginx.ingress.kubernetes.io/canary-weight-total"] == "1000"
    assert _status_weights(kubectl) == (200, 800)
    assert _spec_replicas(kubectl, canary.canary_hash) == math.ceil(REPLICAS * 200 / 1000)
    _abort_in_order(canary, nginx_weight)
    assert {"CreatingCanaryIngress", "PatchingCanaryIngress"} <= _event_reasons(kubectl)
