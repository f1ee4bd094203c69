"""The routers a Rollout configures, in upstream's order (ALB, Istio, NGINX, SMI, Ambassador, App Mesh,
Traefik, APISIX, then plugins); the API versions are upstream's controller flags, carried from the
command line to every reconcile as one :class:`RouterSettings`."""

from __future__ import annotations

from dataclasses import dataclass

from rollouts.api.rollout import Rollout
from rollouts.clock import Clock
from rollouts.trafficrouting.alb import ALBRouter
from rollouts.trafficrouting.ambassador import AmbassadorRouter
from rollouts.trafficrouting.apisix import ApisixRouter
from rollouts.trafficrouting.appmesh import AppMeshRouter
from rollouts.trafficrouting.config import traffic_routing
from rollouts.trafficrouting.gatewayapi import GatewayAPIRouter
from rollouts.trafficrouting.gatewayapi_objects import PLUGIN_NAME as GATEWAY_API_PLUGIN
from rollouts.trafficrouting.istio import IstioRouter
from rollouts.trafficrouting.nginx import NginxRouter
from rollouts.trafficrouting.resources import (
    DEFAULT_AMBASSADOR_VERSION,
    DEFAULT_APP_MESH_VERSION,
    DEFAULT_ISTIO_VERSION,
    DEFAULT_SMI_VERSION,
    DEFAULT_TRAEFIK_VERSION,
)
from rollouts.trafficrouting.router import RouterClient, TrafficRouter, TrafficRoutingError
from rollouts.trafficrouting.smi import SMIRouter
from rollouts.trafficrouting.traefik import TraefikRouter


@dataclass(frozen=True, slots=True)
class RouterSettings:
    """Controller-wide router settings: upstream's ``--istio-api-version``,
    ``--traffic-split-api-version``, ``--traefik-api-version`` / ``--traefik-api-group``,
    ``--ambassador-api-version`` and ``--appmesh-crd-version`` (None group: the version's own)."""

    istio_api_version: str = DEFAULT_ISTIO_VERSION
    smi_api_version: str = DEFAULT_SMI_VERSION
    traefik_api_version: str = DEFAULT_TRAEFIK_VERSION
    traefik_api_group: str | None = None
    ambassador_api_version: str = DEFAULT_AMBASSADOR_VERSION
    appmesh_crd_version: str = DEFAULT_APP_MESH_VERSION

    def routers(self, client: RouterClient, rollout: Rollout, clock: Clock | None) -> list[TrafficRouter]:
        """:func:`routers_for` with these settings; ``clock`` paces the Ambassador router's wait."""
        return routers_for(
            client,
            rollout,
            istio_api_version=self.istio_api_version,
            smi_api_version=self.smi_api_version,
            traefik_api_version=self.traefik_api_version,
            traefik_api_group=self.traefik_api_group,
            ambassador_api_version=self.ambassador_api_version,
            appmesh_crd_version=self.appmesh_crd_version,
            clock=clock,
        )


#: Upstream's defaults for every router flag.
DEFAULT_ROUTER_SETTINGS = RouterSettings()


def routers_for(
    client: RouterClient,
    rollout: Rollout,
    *,
    istio_api_version: str = DEFAULT_ISTIO_VERSION,
    smi_api_version: str = DEFAULT_SMI_VERSION,
    traefik_api_version: str = DEFAULT_TRAEFIK_VERSION,
    traefik_api_group: str | None = None,
    ambassador_api_version: str = DEFAULT_AMBASSADOR_VERSION,
    appmesh_crd_version: str = DEFAULT_APP_MESH_VERSION,
    clock: Clock | None = None,
) -> list[TrafficRouter]:
    """One router per configured block; empty when the Rollout has no trafficRouting.

    Raises TrafficRoutingError for a router this controller does not implement yet, rather than
    silently leaving its traffic where it is.
    """
    routing = traffic_routing(rollout)
    if routing is None:
        return []
    routers: list[TrafficRouter] = []
    if routing.alb is not None:
        routers.append(ALBRouter(client, rollout))
    if routing.istio is not None:
        routers.append(IstioRouter(client, rollout, istio_api_version))
    if routing.nginx is not None:
        routers.append(NginxRouter(client, rollout))
    if routing.smi is not None:
        routers.append(SMIRouter(client, rollout, smi_api_version))
    if routing.ambassador is not None:
        routers.append(AmbassadorRouter(client, rollout, ambassador_api_version, clock))
    if routing.app_mesh is not None:
        routers.append(AppMeshRouter(client, rollout, appmesh_crd_version))
    if routing.traefik is not None:
        routers.append(TraefikRouter(client, rollout, traefik_api_version, traefik_api_group))
    if routing.apisix is not None:
        routers.append(ApisixRouter(client, rollout))
    unsupported: list[str] = []
    for plugin in routing.plugins or {}:
        if plugin == GATEWAY_API_PLUGIN:
            routers.append(GatewayAPIRouter(client, rollout))
        else:
            unsupported.append(f"plugins[{plugin}]")
    if unsupported:
        raise TrafficRoutingError(
            f"traffic routers not supported by this controller: {', '.join(unsupported)}"
        )
    return routers
