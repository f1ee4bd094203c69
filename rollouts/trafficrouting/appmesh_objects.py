"""AWS App Mesh (pure): VirtualRouter weighted targets and VirtualNode pod selectors.

The Rollout names a VirtualService (``trafficRouting.appMesh.virtualService``, in its namespace)
whose provider is a VirtualRouter (``spec.provider.virtualRouter.virtualRouterRef``; its
namespace defaults to the VirtualService's), and the canary / stable VirtualNodes
(``virtualNodeGroup``).

* Weights: in every route of the VirtualRouter (only those named in ``virtualService.routes``
  when that list is given), of a supported type (httpRoute, tcpRoute, http2Route, grpcRoute),
  the weighted target pointing at the stable VirtualNode gets ``100 - w`` and the one pointing at
  the canary VirtualNode ``w`` — a target matches only in the Rollout's namespace (its
  ``virtualNodeRef.namespace`` defaults to the Rollout's). Other targets are left alone;
  experiment destinations are not routed, as upstream.
* Hashes: each VirtualNode's ``spec.podSelector.matchLabels`` gets
  ``rollouts-pod-template-hash: <hash>`` (so the mesh sends a node's traffic to one ReplicaSet)
  and the annotation ``argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>``. App Mesh
  rejects two nodes with the same selector, so an empty stable hash becomes ``stable-hash`` and
  a canary hash that is empty or equal to the stable one becomes ``canary-hash`` (upstream's
  placeholders).

Malformed objects give upstream's field errors, e.g.
``spec.routes[0].httpRoute.action.weightedTargets: Invalid value: "vr": not well-formed``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from rollouts.api.go_field_errors import invalid
from rollouts.api.rollout import Rollout
from rollouts.api.traffic_routing import AppMeshTrafficRouting
from rollouts.api.validation_references import (
    MANAGED_BY_ANNOTATION,
    POD_TEMPLATE_HASH_LABEL,
    app_mesh_route_rule,
)
from rollouts.trafficrouting.config import router_block
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import FULL_WEIGHT

# Upstream's error texts (its reconciler's constants).
VIRTUAL_SERVICE_MISSING = "Virtual-service is missing"
VIRTUAL_ROUTER_MISSING = "Virtual-router is missing"
VIRTUAL_NODE_MISSING = "Virtual-node is missing"
NOT_USING_VIRTUAL_ROUTER = "Virtual-service is not associated with virtual-router"
NOT_WELL_FORMED = "not well-formed"
DEFAULT_CANARY_HASH = "canary-hash"
DEFAULT_STABLE_HASH = "stable-hash"


@dataclass(frozen=True)
class AppMeshRefs:
    virtual_service: str
    routes: frozenset[str]  # empty: every route
    canary_node: str
    stable_node: str


def app_mesh_refs(rollout: Rollout) -> AppMeshRefs:
    block: AppMeshTrafficRouting = router_block(rollout, "app_mesh", "appMesh")
    vs, group = block.virtual_service, block.virtual_node_group
    if vs is None or not vs.name:
        raise TrafficRoutingError("trafficRouting.appMesh.virtualService.name is required")
    canary = group.canary_virtual_node_ref if group else None
    stable = group.stable_virtual_node_ref if group else None
    if canary is None or not canary.name or stable is None or not stable.name:
        raise TrafficRoutingError(
            "trafficRouting.appMesh.virtualNodeGroup needs "
            "canaryVirtualNodeRef.name and stableVirtualNodeRef.name"
        )
    return AppMeshRefs(vs.name, frozenset(vs.routes or ()), canary.name, stable.name)


def virtual_router_ref(virtual_service: dict[str, Any]) -> tuple[str, str]:
    """(name, namespace) of the VirtualRouter providing ``virtual_service``."""
    provider = (virtual_service.get("spec") or {}).get("provider") or {}
    ref = (
        (provider.get("virtualRouter") or {}).get("virtualRouterRef") if isinstance(provider, dict) else None
    )
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
        raise TrafficRoutingError(NOT_USING_VIRTUAL_ROUTER)
    namespace = ref.get("namespace") or (virtual_service.get("metadata") or {}).get("namespace") or ""
    return ref["name"], str(namespace)


def with_weights(rollout: Rollout, virtual_router: dict[str, Any], desired_weight: int) -> dict[str, Any]:
    """``virtual_router`` with the canary / stable weighted targets of the selected routes set."""
    refs = app_mesh_refs(rollout)
    result = copy.deepcopy(virtual_router)
    name = str((result.get("metadata") or {}).get("name") or "")
    routes = (result.get("spec") or {}).get("routes")
    if not isinstance(routes, list):
        raise TrafficRoutingError(str(invalid("spec.routes", name, "No routes found")))
    wanted = {refs.stable_node: FULL_WEIGHT - desired_weight, refs.canary_node: desired_weight}
    for index, route in enumerate(routes):
        path = f"spec.routes[{index}]"
        if not isinstance(route, dict):
            raise _malformed(path, name)
        if not isinstance(route.get("name"), str):
            raise _malformed(f"{path}.name", name)
        if refs.routes and route["name"] not in refs.routes:
            continue
        found = app_mesh_route_rule(route)
        if found is None:
            raise _malformed(path, name)
        rule, route_type = found
        targets_path = f"{path}.{route_type}.action.weightedTargets"
        action = rule.get("action")
        targets = action.get("weightedTargets") if isinstance(action, dict) else None
        if not isinstance(targets, list):
            raise _malformed(targets_path, name)
        for t_index, target in enumerate(targets):
            target_path = f"{targets_path}[{t_index}]"
            if not isinstance(target, dict):
                raise _malformed(target_path, name)
            node_ref = target.get("virtualNodeRef")
            if not isinstance(node_ref, dict):
                raise _malformed(f"{target_path}.virtualNodeRef", name)
            weight = target.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise _malformed(f"{target_path}.weight", name)
            node_namespace = node_ref.get("namespace") or rollout.namespace
            if node_ref.get("name") in wanted and node_namespace == rollout.namespace:
                target["weight"] = wanted[node_ref["name"]]
    return result


def _malformed(path: str, router_name: str) -> TrafficRoutingError:
    return TrafficRoutingError(str(invalid(path, router_name, NOT_WELL_FORMED)))


def carries_weights(rollout: Rollout, virtual_router: dict[str, Any], desired_weight: int) -> bool:
    """The spec has the weights and the App Mesh controller (``status.observedGeneration``) saw them."""
    want = with_weights(rollout, virtual_router, desired_weight)
    return want.get("spec") == virtual_router.get("spec") and generation_observed(virtual_router)


def node_hashes(canary_hash: str, stable_hash: str) -> tuple[str, str]:
    """(canary, stable) selector values: distinct and non-empty, with upstream's placeholders."""
    stable = stable_hash or DEFAULT_STABLE_HASH
    canary = DEFAULT_CANARY_HASH if not canary_hash or canary_hash == stable else canary_hash
    return canary, stable


def node_with_hash(rollout: Rollout, virtual_node: dict[str, Any], template_hash: str) -> dict[str, Any]:
    """``virtual_node`` selecting the pods of ``template_hash`` and marked as managed by the Rollout."""
    result = copy.deepcopy(virtual_node)
    meta = result.setdefault("metadata", {})
    meta["annotations"] = {**(meta.get("annotations") or {}), MANAGED_BY_ANNOTATION: rollout.name}
    spec = result.setdefault("spec", {})
    selector = spec.get("podSelector") if isinstance(spec.get("podSelector"), dict) else {}
    labels = dict(selector.get("matchLabels") or {})
    labels[POD_TEMPLATE_HASH_LABEL] = template_hash
    spec["podSelector"] = {**selector, "matchLabels": labels}
    return result
