"""Traefik, Ambassador, APISIX and App Mesh appliers against the real local control plane.

As in :mod:`e2e.test_traffic_routers` (whose Rollout helper and fixtures this file shares): no
controller process and no data plane. A real Rollout is created first so that owner references
point at a live owner; each router is driven through set_weight (and header routes / hash updates
where the router has them) and the live objects are asserted with kubectl after every call.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from e2e.harness import Kubectl
from e2e.test_traffic_routers import HEADER, WEIGHTS, client, make_rollout, router_crds
from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s import KubeClient
from rollouts.trafficrouting.ambassador import PROPAGATION_DELAY, AmbassadorRouter
from rollouts.trafficrouting.apisix import ApisixRouter
from rollouts.trafficrouting.appmesh import AppMeshRouter
from rollouts.trafficrouting.resources import app_mesh_virtual_routers
from rollouts.trafficrouting.traefik import TraefikRouter

__all__ = ["client", "router_crds"]  # pytest fixtures shared with e2e/test_traffic_routers.py


def weighted_services(traefik_service: dict[str, Any]) -> dict[str, int | None]:
    return {s["name"]: s.get("weight") for s in traefik_service["spec"]["weighted"]["services"]}


async def test_traefik_weighted_service(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    for api_version in ("traefik.io/v1alpha1", "traefik.containo.us/v1alpha1"):
        kind = f"traefikservice.{api_version.split('/')[0]}"
        kubectl.apply(
            {
                "apiVersion": api_version,
                "kind": "TraefikService",
                "metadata": {"name": "weighted"},
                "spec": {
                    "weighted": {
                        "services": [
                            {"name": "stable-svc", "port": 80},
                            {"name": "canary-svc", "port": 80},
                        ]
                    }
                },
            }
        )
        rollout = make_rollout(kubectl, namespace, {"traefik": {"weightedTraefikServiceName": "weighted"}})
        router = TraefikRouter(client, rollout, api_version)
        for weight in WEIGHTS:
            await router.set_weight(weight)
            live = kubectl.get(kind, "weighted")
            assert weighted_services(live) == {"stable-svc": 100 - weight, "canary-svc": weight}
            assert await router.verify_weight(weight) is True
        assert await router.verify_weight(30) is False


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("getambassador.io/v2", "Mapping"), ("x.getambassador.io/v3alpha1", "AmbassadorMapping")],
)
async def test_ambassador_canary_mapping(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str], api_version: str, kind: str
) -> None:
    qualified = f"{kind.lower()}.{api_version.split('/')[0]}"
    base_spec = {"hostname": "*", "prefix": "/app/", "service": "stable-svc:8080"}
    kubectl.apply({"apiVersion": api_version, "kind": kind, "metadata": {"name": "app"}, "spec": base_spec})
    rollout = make_rollout(kubectl, namespace, {"ambassador": {"mappings": ["app"]}})
    router = AmbassadorRouter(client, rollout, api_version)
    await router.set_weight(0)
    assert [m["metadata"]["name"] for m in kubectl.list(qualified)] == ["app"], "nothing at 0"
    for weight in WEIGHTS[:-1]:
        await router.set_weight(weight)
        canary = kubectl.get(qualified, "app-canary")
        assert canary["spec"] == {**base_spec, "service": "canary-svc:8080", "weight": weight}
        assert canary["metadata"]["ownerReferences"][0]["uid"] == rollout.metadata.uid
        assert await router.verify_weight(weight) is True
    assert kubectl.get(qualified, "app")["spec"] == base_spec, "the base Mapping is never written"
    started = time.monotonic()
    await router.set_weight(0)
    assert time.monotonic() - started >= PROPAGATION_DELAY
    assert [m["metadata"]["name"] for m in kubectl.list(qualified)] == ["app"]
    assert await router.verify_weight(0) is True


async def test_apisix_route_weights_and_header_route(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    kubectl.apply(
        {
            "apiVersion": "apisix.apache.org/v2",
            "kind": "ApisixRoute",
            "metadata": {"name": "main"},
            "spec": {
                "http": [
                    {
                        "name": "rule-1",
                        "match": {"hosts": ["app.example.com"], "paths": ["/*"]},
                        "backends": [
                            {"serviceName": "stable-svc", "servicePort": 80},
                            {"serviceName": "canary-svc", "servicePort": 80},
                        ],
                    }
                ]
            },
        }
    )
    rollout = make_rollout(kubectl, namespace, {"apisix": {"route": {"name": "main", "rules": ["rule-1"]}}})
    router = ApisixRouter(client, rollout)
    kind = "apisixroute.apisix.apache.org"
    for weight in WEIGHTS:
        await router.set_weight(weight)
        rule = kubectl.get(kind, "main")["spec"]["http"][0]
        assert [(b["serviceName"], b["weight"]) for b in rule["backends"]] == [
            ("stable-svc", 100 - weight),
            ("canary-svc", weight),
        ]
        assert await router.verify_weight(weight) is True
    await router.set_header_route(HEADER)
    header = kubectl.get(kind, "hdr")
    assert header["metadata"]["ownerReferences"][0]["uid"] == rollout.metadata.uid
    rule = header["spec"]["http"][0]
    assert rule["backends"] == [{"serviceName": "canary-svc", "servicePort": 80, "weight": 100}]
    assert rule["priority"] == 1
    assert rule["match"] == {
        "hosts": ["app.example.com"],
        "paths": ["/*"],
        "exprs": [{"subject": {"scope": "Header", "name": "X-Canary"}, "op": "Equal", "value": "yes"}],
    }
    await router.set_header_route(SetHeaderRoute(name="hdr"))
    assert kubectl.get_or_none(kind, "hdr") is None
    await router.set_header_route(HEADER)
    await router.remove_managed_routes()
    assert kubectl.get_or_none(kind, "hdr") is None
    assert [r["metadata"]["name"] for r in kubectl.list(kind)] == ["main"]


def app_mesh_objects(
    service: str, router: str, stable_node: str, canary_node: str, selector: dict[str, str]
) -> list[dict[str, Any]]:
    """A VirtualService provided by a VirtualRouter whose one route ("primary") splits between two
    VirtualNodes, all stable at first (shared with e2e/test_rollout_traffic_more.py)."""
    mesh = "appmesh.k8s.aws/v1beta2"
    return [
        {
            "apiVersion": mesh,
            "kind": "VirtualService",
            "metadata": {"name": service},
            "spec": {"provider": {"virtualRouter": {"virtualRouterRef": {"name": router}}}},
        },
        {
            "apiVersion": mesh,
            "kind": "VirtualRouter",
            "metadata": {"name": router},
            "spec": {
                "listeners": [{"portMapping": {"port": 80, "protocol": "http"}}],
                "routes": [
                    {
                        "name": "primary",
                        "httpRoute": {
                            "match": {"prefix": "/"},
                            "action": {
                                "weightedTargets": [
                                    {"virtualNodeRef": {"name": stable_node}, "weight": 100},
                                    {"virtualNodeRef": {"name": canary_node}, "weight": 0},
                                ]
                            },
                        },
                    }
                ],
            },
        },
        *(
            {
                "apiVersion": mesh,
                "kind": "VirtualNode",
                "metadata": {"name": node},
                "spec": {"podSelector": {"matchLabels": selector}},
            }
            for node in (stable_node, canary_node)
        ),
    ]


async def test_app_mesh_virtual_router_and_node_selectors(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    kubectl.apply(*app_mesh_objects("app-vs", "app-vr", "app-stable", "app-canary", {"app": "app"}))
    rollout = make_rollout(
        kubectl,
        namespace,
        {
            "appMesh": {
                "virtualService": {"name": "app-vs", "routes": ["primary"]},
                "virtualNodeGroup": {
                    "canaryVirtualNodeRef": {"name": "app-canary"},
                    "stableVirtualNodeRef": {"name": "app-stable"},
                },
            }
        },
    )
    router = AppMeshRouter(client, rollout)
    await router.update_hash("abc123", "def456")
    for node, template_hash in (("app-stable", "def456"), ("app-canary", "abc123")):
        live = kubectl.get("virtualnode.appmesh.k8s.aws", node)
        assert live["spec"]["podSelector"]["matchLabels"] == {
            "app": "app",
            "rollouts-pod-template-hash": template_hash,
        }
        assert live["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] == "app"
    await router.update_hash("", "def456")  # no canary yet: App Mesh needs distinct selectors
    canary_node = kubectl.get("virtualnode.appmesh.k8s.aws", "app-canary")
    assert canary_node["spec"]["podSelector"]["matchLabels"]["rollouts-pod-template-hash"] == "canary-hash"
    for weight in WEIGHTS:
        await router.set_weight(weight)
        live = kubectl.get("virtualrouter.appmesh.k8s.aws", "app-vr")
        weighted = live["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]
        assert [(t["virtualNodeRef"]["name"], t["weight"]) for t in weighted] == [
            ("app-stable", 100 - weight),
            ("app-canary", weight),
        ]
        assert await router.verify_weight(weight) is True
    # An App Mesh controller that reports an older generation has not applied the weights yet.
    generation = kubectl.get("virtualrouter.appmesh.k8s.aws", "app-vr")["metadata"]["generation"]
    vr = app_mesh_virtual_routers()
    await client.patch(
        vr, "app-vr", {"status": {"observedGeneration": generation - 1}}, namespace, subresource="status"
    )
    assert await router.verify_weight(0) is False
    await client.patch(
        vr, "app-vr", {"status": {"observedGeneration": generation}}, namespace, subresource="status"
    )
    assert await router.verify_weight(0) is True
