"""The third-party kinds the routers edit (core Ingress lives in :mod:`rollouts.k8s.resources`)."""

from __future__ import annotations

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
