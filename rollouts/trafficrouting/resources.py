"""The third-party kinds the routers edit (core Ingress lives in :mod:`rollouts.k8s.resources`)."""

from __future__ import annotations

from rollouts.api import defaults
from rollouts.k8s.resources import Resource

ISTIO_GROUP = "networking.istio.io"
DEFAULT_ISTIO_VERSION = "v1alpha3"  # upstream's --istio-api-version default
SMI_GROUP = "split.smi-spec.io"
DEFAULT_SMI_VERSION = "v1alpha1"  # upstream's --traffic-split-api-version default
SMI_VERSIONS = ("v1alpha1", "v1alpha2", "v1alpha3")

HTTP_ROUTES = Resource("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute")


def virtual_services(version: str = DEFAULT_ISTIO_VERSION) -> Resource:
    return Resource(ISTIO_GROUP, version, "virtualservices", "VirtualService")


def destination_rules(version: str = DEFAULT_ISTIO_VERSION) -> Resource:
    return Resource(ISTIO_GROUP, version, "destinationrules", "DestinationRule")


def traffic_splits(version: str = DEFAULT_SMI_VERSION) -> Resource:
    if version not in SMI_VERSIONS:
        raise ValueError(f"unsupported TrafficSplit version {version!r}; expected one of {SMI_VERSIONS}")
    return Resource(SMI_GROUP, version, "trafficsplits", "TrafficSplit")


# Traefik, Ambassador, APISIX and App Mesh: versions as upstream's controller flags default them
# (--traefik-api-group/--traefik-api-version, --ambassador-api-version, --appmesh-crd-version;
# APISIX has no flag upstream), kept with the other API defaults in rollouts.api.defaults.
DEFAULT_TRAEFIK_GROUP = "traefik.io"
DEFAULT_TRAEFIK_VERSION = defaults.DEFAULT_TRAEFIK_VERSION
DEFAULT_AMBASSADOR_VERSION = defaults.DEFAULT_AMBASSADOR_VERSION
DEFAULT_APP_MESH_VERSION = defaults.DEFAULT_APP_MESH_CRD_VERSION
APP_MESH_GROUP = "appmesh.k8s.aws"

_APISIX_GROUP, _, _APISIX_VERSION = defaults.DEFAULT_APISIX_VERSION.rpartition("/")
APISIX_ROUTES = Resource(_APISIX_GROUP, _APISIX_VERSION, "apisixroutes", "ApisixRoute")

# Emissary-ingress serves Mappings; its x.getambassador.io group names them AmbassadorMappings.
_AMBASSADOR_KINDS = {
    "getambassador.io": ("mappings", "Mapping"),
    "x.getambassador.io": ("ambassadormappings", "AmbassadorMapping"),
}


def _last_segment(api_version: str) -> str:
    return api_version.rsplit("/", 1)[-1]


def traefik_services(api_version: str = DEFAULT_TRAEFIK_VERSION, group: str | None = None) -> Resource:
    """The TraefikService kind: ``traefik.io`` (Traefik v3) or ``traefik.containo.us`` (v2).

    As upstream, the group comes from ``--traefik-api-group`` and only the version segment of
    ``--traefik-api-version`` is used; without an explicit group, the version's group is taken.
    """
    if group is None:
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else DEFAULT_TRAEFIK_GROUP
    return Resource(group, _last_segment(api_version), "traefikservices", "TraefikService")


def ambassador_mappings(api_version: str = DEFAULT_AMBASSADOR_VERSION) -> Resource:
    """The Mapping kind for ``--ambassador-api-version`` (``getambassador.io/v2``, ``…/v3alpha1``,
    ``x.getambassador.io/v3alpha1``); an unknown group keeps the ``mappings`` plural, as upstream."""
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else "getambassador.io"
    plural, kind = _AMBASSADOR_KINDS.get(group, _AMBASSADOR_KINDS["getambassador.io"])
    return Resource(group, _last_segment(api_version), plural, kind)


def app_mesh_virtual_services(version: str = DEFAULT_APP_MESH_VERSION) -> Resource:
    return Resource(APP_MESH_GROUP, version, "virtualservices", "VirtualService")


def app_mesh_virtual_routers(version: str = DEFAULT_APP_MESH_VERSION) -> Resource:
    return Resource(APP_MESH_GROUP, version, "virtualrouters", "VirtualRouter")


def app_mesh_virtual_nodes(version: str = DEFAULT_APP_MESH_VERSION) -> Resource:
    return Resource(APP_MESH_GROUP, version, "virtualnodes", "VirtualNode")
