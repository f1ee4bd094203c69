"""``spec.strategy.canary.trafficRouting``: which routers shape traffic, and their configs.

Design: one small model per router, exactly upstream's JSON fields; every field optional so that
manifests round trip unchanged. Several routers may be configured at once (upstream reconciles all
of them). Plugin configs are free JSON, keyed by plugin name. Defaults (annotation prefixes,
``maxTrafficWeight``) are read through :mod:`rollouts.api.defaults`.
"""

from __future__ import annotations

from typing import Any

from rollouts.api.common import ApiModel


class TLSRoute(ApiModel):
    """An Istio TLS route selected by port and SNI hosts."""

    port: int | None = None
    sni_hosts: list[str] | None = None


class TCPRoute(ApiModel):
    """An Istio TCP route selected by port."""

    port: int | None = None


class IstioVirtualService(ApiModel):
    name: str | None = None
    #: HTTP route names to edit; may be omitted when the VirtualService has a single route.
    routes: list[str] | None = None
    tls_routes: list[TLSRoute] | None = None
    tcp_routes: list[TCPRoute] | None = None


class IstioDestinationRule(ApiModel):
    """Subset-level splitting: the controller rewrites the subsets' pod-template-hash labels."""

    name: str | None = None
    canary_subset_name: str | None = None
    stable_subset_name: str | None = None
    additional_subset_names: list[str] | None = None


class IstioTrafficRouting(ApiModel):
    #: Exactly one of ``virtualService`` and ``virtualServices`` (validation).
    virtual_service: IstioVirtualService | None = None
    virtual_services: list[IstioVirtualService] | None = None
    destination_rule: IstioDestinationRule | None = None


class NginxTrafficRouting(ApiModel):
    annotation_prefix: str | None = None
    #: Exactly one of ``stableIngress`` and ``stableIngresses`` (validation).
    stable_ingress: str | None = None
    stable_ingresses: list[str] | None = None
    #: Copied onto the canary Ingress with the annotation prefix prepended.
    additional_ingress_annotations: dict[str, str] | None = None
    #: Copied onto the canary Ingress verbatim.
    canary_ingress_annotations: dict[str, str] | None = None


class StickinessConfig(ApiModel):
    enabled: bool | None = None
    duration_seconds: int | None = None


class ALBTrafficRouting(ApiModel):
    ingress: str | None = None
    ingresses: list[str] | None = None
    service_port: int | None = None
    root_service: str | None = None
    annotation_prefix: str | None = None
    stickiness_config: StickinessConfig | None = None


class SMITrafficRouting(ApiModel):
    root_service: str | None = None
    traffic_split_name: str | None = None


class AmbassadorTrafficRouting(ApiModel):
    mappings: list[str] | None = None


class AppMeshVirtualService(ApiModel):
    name: str | None = None
    routes: list[str] | None = None


class AppMeshVirtualNodeReference(ApiModel):
    name: str | None = None


class AppMeshVirtualNodeGroup(ApiModel):
    canary_virtual_node_ref: AppMeshVirtualNodeReference | None = None
    stable_virtual_node_ref: AppMeshVirtualNodeReference | None = None


class AppMeshTrafficRouting(ApiModel):
    virtual_service: AppMeshVirtualService | None = None
    virtual_node_group: AppMeshVirtualNodeGroup | None = None


class TraefikTrafficRouting(ApiModel):
    weighted_traefik_service_name: str | None = None


class ApisixRoute(ApiModel):
    name: str | None = None
    #: Rule names inside the ApisixRoute; upstream uses ``[name]`` when omitted.
    rules: list[str] | None = None


class ApisixTrafficRouting(ApiModel):
    route: ApisixRoute | None = None


class MangedRoutes(ApiModel):
    """One ``managedRoutes`` entry (upstream's type name keeps its spelling).

    The list order is the precedence of the header/mirror routes the controller adds.
    """

    name: str | None = None


#: Readable alias of upstream's misspelt type name.
ManagedRoute = MangedRoutes


class RolloutTrafficRouting(ApiModel):
    istio: IstioTrafficRouting | None = None
    nginx: NginxTrafficRouting | None = None
    alb: ALBTrafficRouting | None = None
    smi: SMITrafficRouting | None = None
    ambassador: AmbassadorTrafficRouting | None = None
    app_mesh: AppMeshTrafficRouting | None = None
    traefik: TraefikTrafficRouting | None = None
    apisix: ApisixTrafficRouting | None = None
    #: Router plugin name (``argoproj-labs/gatewayAPI``) -> its free-form config.
    plugins: dict[str, Any] | None = None
    managed_routes: list[MangedRoutes] | None = None
    max_traffic_weight: int | None = None

    def managed_route_names(self) -> list[str]:
        return [r.name or "" for r in self.managed_routes or []]
