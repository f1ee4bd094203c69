"""The traffic routers' appliers against the real local control plane (no controller process).

Minimal structural CRDs for the third-party kinds come from ``e2e/crds``. A real Rollout object is
created first so that the owner references the routers write point at a live owner (the garbage
collector would otherwise delete the canary Ingress / TrafficSplit). Each router is driven through
setWeight 20 -> 50 -> 0 and a header route add/remove, and the live objects are asserted with kubectl.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import Cluster, Kubectl, install_crds
from rollouts.api.rollout import Rollout
from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s import KubeClient
from rollouts.trafficrouting.alb import ALBRouter
from rollouts.trafficrouting.gatewayapi import GatewayAPIRouter
from rollouts.trafficrouting.istio import IstioRouter
from rollouts.trafficrouting.nginx import NginxRouter
from rollouts.trafficrouting.resources import HTTP_ROUTES
from rollouts.trafficrouting.smi import SMIRouter

ROUTER_CRDS = Path(__file__).resolve().parent / "crds"
# Qualified: App Mesh (e2e/crds/appmesh.yaml) serves a VirtualService kind too, and kubectl would
# pick its group for a bare "virtualservice".
ISTIO_VS = "virtualservice.networking.istio.io"
WEIGHTS = (20, 50, 0)


@pytest.fixture(scope="session")
def router_crds(cluster: Cluster) -> list[str]:
    return install_crds(cluster.kubectl, ROUTER_CRDS)


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[KubeClient]:
    async with await KubeClient.connect(str(cluster.kubeconfig)) as c:
        yield c


def make_rollout(kubectl: Kubectl, namespace: str, traffic_routing: dict[str, Any]) -> Rollout:
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1"}]},
            },
            "strategy": {
                "canary": {
                    "canaryService": "canary-svc",
                    "stableService": "stable-svc",
                    "trafficRouting": {**traffic_routing, "managedRoutes": [{"name": "hdr"}]},
                }
            },
        },
    }
    kubectl.apply(manifest)
    return Rollout.from_dict(kubectl.get("rollout", "app"))


HEADER = SetHeaderRoute.model_validate(
    {"name": "hdr", "match": [{"headerName": "X-Canary", "headerValue": {"exact": "yes"}}]}
)


def nginx_ingress() -> dict[str, Any]:
    """A stable Ingress ``web`` for the NGINX Ingress Controller, sending ``/`` to the stable Service."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "annotations": {"kubernetes.io/ingress.class": "nginx"}},
        "spec": {
            "rules": [
                {
                    "host": "app.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "stable-svc", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }


async def test_nginx_canary_ingress(client: KubeClient, kubectl: Kubectl, namespace: str) -> None:
    kubectl.apply(nginx_ingress())
    rollout = make_rollout(kubectl, namespace, {"nginx": {"stableIngress": "web"}})
    router = NginxRouter(client, rollout)
    prefix = "nginx.ingress.kubernetes.io"
    for weight in WEIGHTS:
        await router.set_weight(weight)
        live = kubectl.get("ingress", "app-web-canary")
        assert live["metadata"]["annotations"][f"{prefix}/canary-weight"] == str(weight)
        assert live["metadata"]["annotations"][f"{prefix}/canary"] == "true"
        assert live["metadata"]["ownerReferences"][0]["uid"] == rollout.metadata.uid
        backend = live["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
        assert backend == "canary-svc"
        assert await router.verify_weight(weight) is True
    await router.set_header_route(HEADER)
    annotations = kubectl.get("ingress", "app-web-canary")["metadata"]["annotations"]
    assert annotations[f"{prefix}/canary-by-header"] == "X-Canary"
    assert annotations[f"{prefix}/canary-by-header-value"] == "yes"
    await router.remove_managed_routes()
    annotations = kubectl.get("ingress", "app-web-canary")["metadata"]["annotations"]
    assert f"{prefix}/canary-by-header" not in annotations
    assert annotations[f"{prefix}/canary-weight"] == "0"


def weight_of(route: dict[str, Any], host: str) -> int:
    return next(int(d["weight"]) for d in route["route"] if d["destination"]["host"] == host)


async def test_istio_virtual_service(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    kubectl.apply(
        {
            "apiVersion": "networking.istio.io/v1alpha3",
            "kind": "VirtualService",
            "metadata": {"name": "vs"},
            "spec": {
                "hosts": ["app"],
                "http": [
                    {
                        "name": "primary",
                        "route": [
                            {"destination": {"host": "stable-svc"}, "weight": 100},
                            {"destination": {"host": "canary-svc"}, "weight": 0},
                        ],
                    }
                ],
            },
        }
    )
    rollout = make_rollout(
        kubectl, namespace, {"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}}
    )
    router = IstioRouter(client, rollout)
    for weight in WEIGHTS:
        await router.set_weight(weight)
        primary = kubectl.get(ISTIO_VS, "vs")["spec"]["http"][0]
        assert (weight_of(primary, "canary-svc"), weight_of(primary, "stable-svc")) == (weight, 100 - weight)
        assert await router.verify_weight(weight) is True
    await router.set_header_route(HEADER)
    http = kubectl.get(ISTIO_VS, "vs")["spec"]["http"]
    assert [r["name"] for r in http] == ["hdr", "primary"]
    assert http[0]["match"] == [{"headers": {"X-Canary": {"exact": "yes"}}}]
    await router.remove_managed_routes()
    assert [r["name"] for r in kubectl.get(ISTIO_VS, "vs")["spec"]["http"]] == ["primary"]


async def test_smi_traffic_split(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    rollout = make_rollout(kubectl, namespace, {"smi": {}})
    router = SMIRouter(client, rollout)
    for weight in WEIGHTS:
        await router.set_weight(weight)
        split = kubectl.get("trafficsplit.split.smi-spec.io", "app")
        assert split["spec"]["service"] == "stable-svc"
        assert split["spec"]["backends"] == [
            {"service": "canary-svc", "weight": str(weight)},
            {"service": "stable-svc", "weight": str(100 - weight)},
        ]
        assert split["metadata"]["ownerReferences"][0]["uid"] == rollout.metadata.uid
        assert await router.verify_weight(weight) is True


async def test_gateway_api_http_route(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    kubectl.apply(
        {
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
    )
    rollout = make_rollout(
        kubectl, namespace, {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "route"}}}
    )
    router = GatewayAPIRouter(client, rollout)
    for weight in WEIGHTS:
        await router.set_weight(weight)
        refs = kubectl.get("httproute", "route")["spec"]["rules"][0]["backendRefs"]
        assert [r["weight"] for r in refs] == [100 - weight, weight]
        assert await router.verify_weight(weight) is True
    # A gateway that reports an older generation has not applied the weights yet.
    generation = kubectl.get("httproute", "route")["metadata"]["generation"]
    stale = {
        "parents": [
            {
                "parentRef": {"name": "gw"},
                "controllerName": "example.com/gw",
                "conditions": [
                    {
                        "type": "Accepted",
                        "status": "True",
                        "reason": "Accepted",
                        "message": "",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                        "observedGeneration": generation - 1,
                    }
                ],
            }
        ]
    }
    await client.patch(HTTP_ROUTES, "route", {"status": stale}, namespace, subresource="status")
    assert await router.verify_weight(0) is False
    stale["parents"][0]["conditions"][0]["observedGeneration"] = generation
    await client.patch(HTTP_ROUTES, "route", {"status": stale}, namespace, subresource="status")
    assert await router.verify_weight(0) is True
    await router.set_header_route(HEADER)
    live = kubectl.get("httproute", "route")
    assert len(live["spec"]["rules"]) == 2
    assert live["spec"]["rules"][1]["backendRefs"] == [{"name": "canary-svc", "port": 80}]
    assert json.loads(live["metadata"]["annotations"]["rollouts.argoproj.io/gatewayapi-managed-routes"]) == [
        "hdr"
    ]
    await router.remove_managed_routes()
    assert len(kubectl.get("httproute", "route")["spec"]["rules"]) == 1


async def test_istio_destination_rule_subsets(
    client: KubeClient, kubectl: Kubectl, namespace: str, router_crds: list[str]
) -> None:
    kubectl.apply(
        {
            "apiVersion": "networking.istio.io/v1alpha3",
            "kind": "DestinationRule",
            "metadata": {"name": "dr"},
            "spec": {"host": "app", "subsets": [{"name": "canary"}, {"name": "stable"}]},
        }
    )
    rollout = make_rollout(
        kubectl,
        namespace,
        {
            "istio": {
                "virtualService": {"name": "vs"},
                "destinationRule": {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
            }
        },
    )
    await IstioRouter(client, rollout).update_hash("abc", "def")
    live = kubectl.get("destinationrule.networking.istio.io", "dr")
    assert live["spec"]["subsets"] == [
        {"name": "canary", "labels": {"rollouts-pod-template-hash": "abc"}},
        {"name": "stable", "labels": {"rollouts-pod-template-hash": "def"}},
    ]
    assert live["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] == "app"


def alb_ingress() -> dict[str, Any]:
    """An Ingress for the AWS Load Balancer Controller whose path sends to the stable Service's action."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "alb"},
        "spec": {
            "ingressClassName": "alb",
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/*",
                                "pathType": "ImplementationSpecific",
                                "backend": {
                                    "service": {"name": "stable-svc", "port": {"name": "use-annotation"}}
                                },
                            }
                        ]
                    }
                }
            ],
        },
    }


async def test_alb_ingress_annotations(client: KubeClient, kubectl: Kubectl, namespace: str) -> None:
    kubectl.apply(alb_ingress())
    rollout = make_rollout(kubectl, namespace, {"alb": {"ingress": "alb", "servicePort": 80}})
    router = ALBRouter(client, rollout)
    key = "alb.ingress.kubernetes.io/actions.stable-svc"
    for weight in WEIGHTS:
        await router.set_weight(weight)
        action = json.loads(kubectl.get("ingress", "alb")["metadata"]["annotations"][key])
        groups = action["ForwardConfig"]["TargetGroups"]
        assert [(g["ServiceName"], g["Weight"]) for g in groups] == [
            ("canary-svc", weight),
            ("stable-svc", 100 - weight),
        ]
    assert await router.verify_weight(0) is True
    assert await router.verify_weight(50) is False
    await router.set_header_route(HEADER)
    live = kubectl.get("ingress", "alb")
    assert "alb.ingress.kubernetes.io/conditions.hdr" in live["metadata"]["annotations"]
    assert live["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "hdr"
    await router.remove_managed_routes()
    live = kubectl.get("ingress", "alb")
    assert "alb.ingress.kubernetes.io/conditions.hdr" not in live["metadata"]["annotations"]
    assert [p["backend"]["service"]["name"] for p in live["spec"]["rules"][0]["http"]["paths"]] == [
        "stable-svc"
    ]
