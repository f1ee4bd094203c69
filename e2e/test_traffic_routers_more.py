"""Traefik, Ambassador, APISIX and App Mesh appliers against the real local control plane.

As in :mod:`e2e.test_traffic_routers` (whose Rollout helper and fixtures this file shares): no
controller process and no data plane. A real Rollout is created first so that owner references
point at a live owner; each router is driven through set_weight (and header routes / hash updates
where the router has them) and the live objects are asserted with kubectl after every call.
"""

from __future__ import annotations

from typing import Any

from e2e.harness import Kubectl
from e2e.test_traffic_routers import WEIGHTS, client, make_rollout, router_crds
from rollouts.k8s import KubeClient
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
