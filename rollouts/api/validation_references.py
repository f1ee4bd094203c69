"""Validation of the objects a Rollout references (Services, Ingresses, Ambassador Mappings, App
Mesh VirtualRouters), upstream's rules.

Upstream runs these after the spec rules, on the objects the controller has fetched; the first
error goes into the InvalidSpec condition like a spec error. They are pure here: the caller
passes the objects (plain JSON, as read from the cache) and which reference each one answers.

Not covered (yet): AnalysisTemplate resolution (missing args, indefinitely running metrics),
Istio VirtualService routes. (The Ambassador and App Mesh routers also apply their rules
themselves before writing, so a bad reference is a TrafficRoutingError even where the caller
does not fetch the objects up front.)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from rollouts.api.common import FieldError
from rollouts.api.go_field_errors import invalid
from rollouts.api.rollout import Rollout

#: The label the controller adds to a Service's selector; the template does not carry it.
POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"
#: Annotation naming the Rollout that manages a Service.
MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts"


class ServiceRole(StrEnum):
    """Which of the Rollout's service fields a Service was fetched for."""

    ACTIVE = "ActiveService"
    PREVIEW = "PreviewService"
    CANARY = "CanaryService"
    STABLE = "StableService"
    PING = "PingService"
    PONG = "PongService"


_SERVICE_PATHS = {
    ServiceRole.ACTIVE: "spec.strategy.blueGreen.activeService",
    ServiceRole.PREVIEW: "spec.strategy.blueGreen.previewService",
    ServiceRole.CANARY: "spec.strategy.canary.canaryService",
    ServiceRole.STABLE: "spec.strategy.canary.stableService",
    ServiceRole.PING: "spec.strategy.canary.pingPong.pingService",
    ServiceRole.PONG: "spec.strategy.canary.pingPong.pongService",
}


def _go_quote(text: str) -> str:
    # Go's %q for the plain names these messages carry
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def validate_service(rollout: Rollout, service: dict[str, Any], role: ServiceRole) -> list[FieldError]:
    """The Service must select the Rollout's pods and must not belong to another Rollout."""
    path = _SERVICE_PATHS[role]
    metadata = service.get("metadata") or {}
    name = str(metadata.get("name") or "")
    selector = (service.get("spec") or {}).get("selector") or {}
    labels = rollout.spec.template_labels()
    errors = []
    # sorted: upstream walks a Go map (random order); a stable order keeps conditions stable
    for key in sorted(selector):
        if key == POD_TEMPLATE_HASH_LABEL:
            continue
        if labels.get(key) != selector[key]:
            message = f"Service {_go_quote(name)} has unmatch label {_go_quote(key)} in rollout"
            errors.append(invalid(path, name, message))
    owner = (metadata.get("annotations") or {}).get(MANAGED_BY_ANNOTATION)
    if owner is not None and owner != rollout.name:
        errors.append(invalid(path, name, f"Service {_go_quote(name)} is managed by another Rollout"))
    return errors


def ingress_has_rule_with_service(ingress: dict[str, Any], service: str) -> bool:
    """Whether any rule's HTTP path routes to the Service (networking/v1 or extensions/v1beta1)."""
    for rule in (ingress.get("spec") or {}).get("rules") or []:
        for http_path in ((rule or {}).get("http") or {}).get("paths") or []:
            backend = (http_path or {}).get("backend") or {}
            current = (backend.get("service") or {}).get("name")
            legacy = backend.get("serviceName")
            if service in (current, legacy):
                return True
    return False


def validate_ingress(rollout: Rollout, ingress: dict[str, Any]) -> list[FieldError]:
    """A stable Ingress (Nginx) or ALB Ingress must route to the stable (or ALB root) Service."""
    canary = rollout.canary
    routing = canary.traffic_routing if canary is not None else None
    if canary is None or routing is None:
        return []
    name = str((ingress.get("metadata") or {}).get("name") or "")
    base = "spec.strategy.canary.trafficRouting"
    nginx, alb = routing.nginx, routing.alb
    if nginx is not None and name in {nginx.stable_ingress, *(nginx.stable_ingresses or [])}:
        if name in (nginx.stable_ingresses or []):
            path, reported = f"{base}.nginx.stableIngresses", name
        else:
            path, reported = f"{base}.nginx.stableIngress", nginx.stable_ingress or ""
        return _backend_errors(ingress, canary.stable_service or "", name, reported, path)
    if alb is not None and name in {alb.ingress, *(alb.ingresses or [])}:
        service = alb.root_service or canary.stable_service or ""
        if name in (alb.ingresses or []):
            path, reported = f"{base}.alb.ingresses", name
        else:
            path, reported = f"{base}.alb.ingress", alb.ingress or ""
        return _backend_errors(ingress, service, name, reported, path)
    return []


def _backend_errors(
    ingress: dict[str, Any], service: str, name: str, reported: str, path: str
) -> list[FieldError]:
    if ingress_has_rule_with_service(ingress, service):
        return []
    return [invalid(path, reported, f"ingress `{name}` has no rules using service {service} backend")]


def validate_ambassador_mapping(mapping: dict[str, Any]) -> list[FieldError]:
    """A base Mapping must not set ``spec.weight``: the router owns the split via ``<name>-canary``."""
    weight = (mapping.get("spec") or {}).get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or weight == 0:
        return []
    name = str((mapping.get("metadata") or {}).get("name") or "")
    return [invalid("spec.weight", name, f"Ambassador mapping {_go_quote(name)} can not define weight")]


#: The App Mesh route kinds that carry ``action.weightedTargets``, in upstream's lookup order.
APP_MESH_ROUTE_TYPES = ("httpRoute", "tcpRoute", "http2Route", "grpcRoute")


def app_mesh_route_rule(route: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The first supported rule of a VirtualRouter route and its type, or None."""
    for route_type in APP_MESH_ROUTE_TYPES:
        rule = route.get(route_type)
        if isinstance(rule, dict):
            return rule, route_type
    return None


def validate_app_mesh_virtual_router(router: dict[str, Any]) -> list[FieldError]:
    """Every route of the VirtualRouter has a supported type and exactly two weighted targets."""
    name = str((router.get("metadata") or {}).get("name") or "")
    if router.get("kind") != "VirtualRouter":
        kind = str(router.get("kind") or "")
        return [invalid("kind", kind, f"Expected object kind to be VirtualRouter but is {kind}")]
    routes = (router.get("spec") or {}).get("routes")
    if not isinstance(routes, list) or not routes:
        return [invalid("spec.routes", name, f"No routes defined for AppMesh virtual-router {name}")]
    for index, route in enumerate(routes):
        path = f"spec.routes[{index}]"
        if not isinstance(route, dict):
            detail = f"Invalid route was found for AppMesh virtual-router {name} at index {index}"
            return [invalid(path, name, detail)]
        route_name = route.get("name")
        found = app_mesh_route_rule(route)
        if found is None:
            detail = (
                f"Error getting route details for AppMesh virtual-router {name} and route {route_name}. "
                "Error: Route has unsupported route type"
            )
            return [invalid(path, name, detail)]
        rule, route_type = found
        targets_path = f"{path}.{route_type}.action.weightedTargets"
        targets = (
            (rule.get("action") or {}).get("weightedTargets")
            if isinstance(rule.get("action"), dict)
            else None
        )
        if not isinstance(targets, list):
            detail = f"Invalid route action found for AppMesh virtual-router {name} and route {route_name}"
            return [invalid(targets_path, name, detail)]
        if len(targets) != 2:
            detail = (
                f"Invalid number of weightedTargets ({len(targets)}) for AppMesh virtual-router {name} "
                f"and route {route_name}, expected 2"
            )
            return [invalid(targets_path, name, detail)]
    return []
