"""The controller drives one canary through Traefik, Ambassador, APISIX and App Mesh at once, as a
user would: kubectl applies the Rollout, its Services and the routers' objects; a kubectl patch
changes the image; the routers' objects follow the steps (setWeight 20, a setHeaderRoute, an
indefinite pause); after the promote the Rollout is Healthy on the new revision, every weight is
back to 0, the Ambassador canary Mapping and the APISIX header route are gone, and the App Mesh
VirtualNodes select the new stable pods. The same canary aborted with ``kubectl-rollouts abort``
instead ends with the same clean-up, the stable revision kept.

No data plane: the assertions are on the objects, which is what each proxy would read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from e2e.harness import Cluster, ControllerProcess, Kubectl, diagnosis, wait_for, wait_for_phase
from e2e.test_cli import ok
from e2e.test_rollout_canary import HASH_LABEL, INSTANCE_LABEL, controller
from e2e.test_traffic_routers import router_crds
from e2e.test_traffic_routers_more import app_mesh_objects

__all__ = ["controller", "router_crds"]  # fixtures shared with the other e2e modules

NAME = "routed"
TRAEFIK = "traefikservice.traefik.io"
MAPPING = "mapping.getambassador.io"
APISIX = "apisixroute.apisix.apache.org"
VROUTER = "virtualrouter.appmesh.k8s.aws"
VNODE = "virtualnode.appmesh.k8s.aws"


def _manifests(namespace: str) -> list[dict[str, Any]]:
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "labels": {INSTANCE_LABEL: namespace}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {
                "metadata": {"labels": {"app": NAME}},
                "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
            },
            "strategy": {
                "canary": {
                    "canaryService": "routed-canary",
                    "stableService": "routed-stable",
                    "trafficRouting": {
                        "traefik": {"weightedTraefikServiceName": "routed"},
                        "ambassador": {"mappings": ["routed"]},
                        "apisix": {"route": {"name": "routed", "rules": ["main"]}},
                        "appMesh": {
                            "virtualService": {"name": "routed"},
                            "virtualNodeGroup": {
                                "canaryVirtualNodeRef": {"name": "routed-canary"},
                                "stableVirtualNodeRef": {"name": "routed-stable"},
                            },
                        },
                        "managedRoutes": [{"name": "routed-hdr"}],
                    },
                    "steps": [
                        {"setWeight": 20},
                        {
                            "setHeaderRoute": {
                                "name": "routed-hdr",
                                "match": [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}],
                            }
                        },
                        {"pause": {}},
                    ],
                }
            },
        },
    }
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"selector": {"app": NAME}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
        for name in ("routed-stable", "routed-canary")
    ]
    traefik = {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": "routed"},
        "spec": {
            "weighted": {
                "services": [{"name": "routed-stable", "port": 80}, {"name": "routed-canary", "port": 80}]
            }
        },
    }
    mapping = {
        "apiVersion": "getambassador.io/v2",
        "kind": "Mapping",
        "metadata": {"name": "routed"},
        "spec": {"prefix": "/", "service": "routed-stable:80"},
    }
    apisix = {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": "routed"},
        "spec": {
            "http": [
                {
                    "name": "main",
                    "match": {"paths": ["/*"]},
                    "backends": [
                        {"serviceName": "routed-stable", "servicePort": 80},
                        {"serviceName": "routed-canary", "servicePort": 80},
                    ],
                }
            ]
        },
    }
    mesh = app_mesh_objects("routed", "routed", "routed-stable", "routed-canary", {})
    return [*services, traefik, mapping, apisix, *mesh, rollout]


def _weights(kubectl: Kubectl) -> dict[str, Any]:
    """Every router's canary weight as its object shows it (None: no canary Mapping)."""
    traefik = {
        s["name"]: s.get("weight") for s in kubectl.get(TRAEFIK, "routed")["spec"]["weighted"]["services"]
    }
    canary_mapping = kubectl.get_or_none(MAPPING, "routed-canary")
    apisix = {
        b["serviceName"]: b.get("weight")
        for b in kubectl.get(APISIX, "routed")["spec"]["http"][0]["backends"]
    }
    targets = kubectl.get(VROUTER, "routed")["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
    mesh = {t["virtualNodeRef"]["name"]: t["weight"] for t in targets}
    return {
        "traefik": (traefik["routed-canary"], traefik["routed-stable"]),
        "ambassador": canary_mapping["spec"]["weight"] if canary_mapping else None,
        "apisix": (apisix["routed-canary"], apisix["routed-stable"]),
        "appmesh": (mesh["routed-canary"], mesh["routed-stable"]),
    }


def _node_hash(kubectl: Kubectl, node: str) -> str | None:
    labels = (kubectl.get(VNODE, node)["spec"].get("podSelector") or {}).get("matchLabels") or {}
    value = labels.get(HASH_LABEL)
    return str(value) if value is not None else None


@dataclass(frozen=True)
class Paused:
    stable_hash: str
    canary_hash: str
    diagnose: Callable[[], str]


def _walk_to_the_pause(kubectl: Kubectl, controller: ControllerProcess) -> Paused:
    """Apply everything, wait for Healthy, change the image, wait at the indefinite pause and
    check every router's objects there."""
    kubectl.apply(*_manifests(kubectl.namespace or ""))
    stable_hash = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path
    )["status"]["stableRS"]
    diagnose = diagnosis(kubectl, [f"rollout/{NAME}", f"{MAPPING}/routed-canary"], controller.log_path)
    op = [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "argoproj/rollouts-demo:green",
        }
    ]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))

    def paused_with_header_route() -> bool:
        status = kubectl.get("rollout", NAME).get("status") or {}
        return status.get("currentStepIndex") == 2 and kubectl.get_or_none(APISIX, "routed-hdr") is not None

    wait_for(
        paused_with_header_route,
        timeout=90,
        describe="paused at step 2 with the header route",
        diagnose=diagnose,
    )
    assert _weights(kubectl) == {
        "traefik": (20, 80),
        "ambassador": 20,
        "apisix": (20, 80),
        "appmesh": (20, 80),
    }
    canary_hash = kubectl.get("rollout", NAME)["status"]["currentPodHash"]
    assert (_node_hash(kubectl, "routed-canary"), _node_hash(kubectl, "routed-stable")) == (
        canary_hash,
        stable_hash,
    )
    header = kubectl.get(APISIX, "routed-hdr")["spec"]["http"][0]
    assert header["backends"] == [{"serviceName": "routed-canary", "servicePort": 80, "weight": 100}]
    assert header["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "X-Canary"}, "op": "Equal", "value": "yes"}
    ]
    return Paused(stable_hash, canary_hash, diagnose)


def _routes_cleaned_up(kubectl: Kubectl) -> bool:
    return (
        kubectl.get_or_none(MAPPING, "routed-canary") is None
        and kubectl.get_or_none(APISIX, "routed-hdr") is None
    )


ALL_ON_STABLE = {"traefik": (0, 100), "ambassador": None, "apisix": (0, 100), "appmesh": (0, 100)}


def test_controller_drives_traefik_ambassador_apisix_and_app_mesh(
    kubectl: Kubectl, controller: ControllerProcess, router_crds: list[str]
) -> None:
    paused = _walk_to_the_pause(kubectl, controller)
    kubectl(
        "patch", "rollout", NAME, "--subresource", "status", "--type", "merge",
        "-p", '{"status":{"pauseConditions":null}}',
    )  # fmt: skip

    def promoted_and_cleaned_up() -> bool:
        status = kubectl.get("rollout", NAME).get("status") or {}
        return (
            status.get("phase") == "Healthy"
            and status.get("stableRS") == paused.canary_hash
            and _routes_cleaned_up(kubectl)
        )

    wait_for(
        promoted_and_cleaned_up,
        timeout=90,
        describe="Healthy, canary Mapping and header route gone",
        diagnose=paused.diagnose,
    )
    assert _weights(kubectl) == ALL_ON_STABLE
    assert _node_hash(kubectl, "routed-stable") == paused.canary_hash
    assert _node_hash(kubectl, "routed-canary") == "canary-hash", "App Mesh needs two distinct selectors"
    assert kubectl.get(MAPPING, "routed")["spec"] == {"prefix": "/", "service": "routed-stable:80"}


def test_abort_puts_every_router_back_on_stable(
    cluster: Cluster, kubectl: Kubectl, controller: ControllerProcess, router_crds: list[str]
) -> None:
    paused = _walk_to_the_pause(kubectl, controller)
    assert ok(cluster, kubectl.namespace or "", "abort", NAME) == f"rollout '{NAME}' aborted\n"

    def aborted_and_cleaned_up() -> bool:
        status = kubectl.get("rollout", NAME).get("status") or {}
        return (
            status.get("phase") == "Degraded"
            and _routes_cleaned_up(kubectl)
            and _weights(kubectl) == ALL_ON_STABLE
        )

    wait_for(
        aborted_and_cleaned_up,
        timeout=90,
        describe="Degraded with every weight on stable, canary Mapping and header route gone",
        diagnose=paused.diagnose,
    )
    status = kubectl.get("rollout", NAME)["status"]
    assert status["stableRS"] == paused.stable_hash
    assert _node_hash(kubectl, "routed-stable") == paused.stable_hash
