"""Istio (pure): weights, header and mirror routes in VirtualServices; subsets in a DestinationRule.

VirtualService routes edited:

* HTTP routes named in ``virtualService.routes``; when ``routes`` is omitted the VirtualService must
  have exactly one HTTP route and that one is used (upstream's rule).
* TLS routes selected by ``port`` (and every listed ``sniHosts`` present in a match), TCP routes by
  ``port``; a route entry without a port selects the only route.

In a selected route a destination is the **canary** when its subset is the DestinationRule's canary
subset (with a DestinationRule) or its host's short name (before the first ``.``) is the canary
Service (without one); likewise for **stable**. Canary gets the desired weight, stable
``100 - w - Σ additional``; experiment destinations (``additional_destinations``) are added or
re-weighted by host, every other destination is left as found.

Managed routes (setHeaderRoute / setMirrorRoute) are HTTP routes named after the step's route, kept
at the top of ``spec.http`` in ``managedRoutes`` order, ahead of the primary routes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.api.traffic_routing import IstioTrafficRouting, IstioVirtualService
from rollouts.trafficrouting.matches import string_match
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import stable_weight

POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"
MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts"


def istio_config(rollout: Rollout) -> IstioTrafficRouting:
    canary = rollout.canary
    routing = canary.traffic_routing if canary else None
    if routing is None or routing.istio is None:
        raise TrafficRoutingError("rollout has no spec.strategy.canary.trafficRouting.istio")
    return routing.istio


def virtual_service_refs(rollout: Rollout) -> list[IstioVirtualService]:
    istio = istio_config(rollout)
    if istio.virtual_services:
        return list(istio.virtual_services)
    return [istio.virtual_service] if istio.virtual_service else []


def split_name(ref: str, default_namespace: str) -> tuple[str, str]:
    """``name`` or ``name.namespace`` (upstream accepts both in virtualService.name)."""
    name, _, namespace = ref.partition(".")
    return name, namespace or default_namespace


class _Roles:
    """Which destinations are canary/stable for this Rollout."""

    def __init__(self, rollout: Rollout) -> None:
        canary = rollout.canary
        assert canary is not None
        dr = istio_config(rollout).destination_rule
        self.canary_svc = canary.canary_service or ""
        self.stable_svc = canary.stable_service or ""
        self.canary_subset = dr.canary_subset_name if dr else None
        self.stable_subset = dr.stable_subset_name if dr else None

    def role(self, destination: dict[str, Any]) -> str | None:
        dest = destination.get("destination") or {}
        if self.canary_subset is not None:
            subset = dest.get("subset")
            return (
                "canary"
                if subset == self.canary_subset
                else "stable"
                if subset == self.stable_subset
                else None
            )
        host = str(dest.get("host", "")).split(".", 1)[0]
        return "canary" if host == self.canary_svc else "stable" if host == self.stable_svc else None


def set_weights(
    rollout: Rollout,
    ref: IstioVirtualService,
    virtual_service: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> dict[str, Any]:
    """A copy of ``virtual_service`` with the selected routes' weights set."""
    result = copy.deepcopy(virtual_service)
    spec = result.setdefault("spec", {})
    roles = _Roles(rollout)
    managed = set(_managed_names(rollout))
    stable = stable_weight(desired_weight, additional_destinations)
    for route in _selected_http(ref, spec.get("http") or [], managed):
        _weigh(route, roles, desired_weight, stable, additional_destinations)
    for tls in ref.tls_routes or []:
        for route in _selected_by_port(spec.get("tls") or [], tls.port, tls.sni_hosts, "tls"):
            _weigh(route, roles, desired_weight, stable, additional_destinations)
    for tcp in ref.tcp_routes or []:
        for route in _selected_by_port(spec.get("tcp") or [], tcp.port, None, "tcp"):
            _weigh(route, roles, desired_weight, stable, additional_destinations)
    return result


def weights_match(
    rollout: Rollout,
    ref: IstioVirtualService,
    virtual_service: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> bool:
    """Whether the live object already carries the weights :func:`set_weights` would write."""
    want = set_weights(rollout, ref, virtual_service, desired_weight, additional_destinations)
    return bool(want.get("spec") == virtual_service.get("spec"))


def set_header_route(
    rollout: Rollout, ref: IstioVirtualService, virtual_service: dict[str, Any], route: SetHeaderRoute
) -> dict[str, Any]:
    """Add (or with no ``match``, remove) the header route ``route.name``: matches go all to canary."""
    if not route.match:
        return _without_routes(virtual_service, {route.name or ""})
    canary_dest = _canary_destination(rollout, ref, virtual_service)
    matches = []
    for m in route.match:
        matches.append({"headers": {m.header_name or "": string_match(m.header_value)}})
    new_route = {"name": route.name, "match": matches, "route": [{**canary_dest, "weight": 100}]}
    return _with_managed_route(rollout, virtual_service, new_route)


def set_mirror_route(
    rollout: Rollout, ref: IstioVirtualService, virtual_service: dict[str, Any], route: SetMirrorRoute
) -> dict[str, Any]:
    """Add (or remove) the mirror route ``route.name``: matching requests keep their primary
    destinations and a ``percentage`` copy goes to canary."""
    if not route.match:
        return _without_routes(virtual_service, {route.name or ""})
    primary = _primary_route(rollout, ref, virtual_service)
    canary_dest = _canary_destination(rollout, ref, virtual_service)
    matches = []
    for m in route.match:
        entry: dict[str, Any] = {}
        if m.method is not None:
            entry["method"] = string_match(m.method)
        if m.path is not None:
            entry["uri"] = string_match(m.path)
        if m.headers:
            entry["headers"] = {k: string_match(v) for k, v in m.headers.items()}
        matches.append(entry)
    percentage = 100 if route.percentage is None else route.percentage
    new_route = {
        "name": route.name,
        "match": matches,
        "route": copy.deepcopy(primary.get("route") or []),
        "mirror": copy.deepcopy(canary_dest["destination"]),
        "mirrorPercentage": {"value": float(percentage)},
    }
    return _with_managed_route(rollout, virtual_service, new_route)


def remove_managed_routes(rollout: Rollout, virtual_service: dict[str, Any]) -> dict[str, Any]:
    return _without_routes(virtual_service, set(_managed_names(rollout)))


def destination_rule_with_hashes(
    rollout: Rollout,
    destination_rule: dict[str, Any],
    canary_hash: str,
    stable_hash: str,
    additional_destinations: Sequence[WeightDestination] = (),
) -> dict[str, Any]:
    """The DestinationRule with the canary/stable (and additional) subsets' hash labels set."""
    dr_ref = istio_config(rollout).destination_rule
    if dr_ref is None:
        raise TrafficRoutingError("rollout has no istio.destinationRule")
    hashes = {dr_ref.canary_subset_name: canary_hash, dr_ref.stable_subset_name: stable_hash}
    for name, dest in zip(dr_ref.additional_subset_names or [], additional_destinations, strict=False):
        hashes[name] = dest.pod_template_hash or ""
    result = copy.deepcopy(destination_rule)
    found = set()
    for subset in (result.get("spec") or {}).get("subsets") or []:
        if subset.get("name") in hashes:
            found.add(subset["name"])
            subset.setdefault("labels", {})[POD_TEMPLATE_HASH_LABEL] = hashes[subset["name"]]
    for needed in (dr_ref.canary_subset_name, dr_ref.stable_subset_name):
        if needed not in found:
            raise TrafficRoutingError(f"DestinationRule {dr_ref.name!r} has no subset {needed!r}")
    meta = result.setdefault("metadata", {})
    meta.setdefault("annotations", {})[MANAGED_BY_ANNOTATION] = rollout.name
    return result


# -- helpers -----------------------------------------------------------------------------------


def _managed_names(rollout: Rollout) -> list[str]:
    canary = rollout.canary
    routing = canary.traffic_routing if canary else None
    return routing.managed_route_names() if routing else []


def _selected_http(
    ref: IstioVirtualService, http: list[dict[str, Any]], managed: set[str]
) -> list[dict[str, Any]]:
    primary = [r for r in http if r.get("name") not in managed]
    if not ref.routes:
        if ref.tls_routes or ref.tcp_routes:
            return []
        if len(primary) != 1:
            raise TrafficRoutingError(
                "spec.http[] should be set in VirtualService and it must have exactly one route"
                " when spec.strategy.canary.trafficRouting.istio.virtualService.routes is omitted"
            )
        return primary
    by_name = {r.get("name"): r for r in primary}
    missing = [name for name in ref.routes if name not in by_name]
    if missing:
        raise TrafficRoutingError(f"HTTP Route '{missing[0]}' is not found in the defined Virtual Service.")
    return [by_name[name] for name in ref.routes]


def _selected_by_port(
    routes: list[dict[str, Any]], port: int | None, sni_hosts: list[str] | None, kind: str
) -> list[dict[str, Any]]:
    if port is None and not sni_hosts:
        if len(routes) != 1:
            raise TrafficRoutingError(f"spec.{kind}[] must have exactly one route when no port is given")
        return routes
    chosen = []
    for route in routes:
        for match in route.get("match") or []:
            if port is not None and match.get("port") != port:
                continue
            if sni_hosts and not set(sni_hosts) <= set(match.get("sniHosts") or []):
                continue
            chosen.append(route)
            break
    if not chosen:
        raise TrafficRoutingError(f"no {kind.upper()} route matches port {port} sniHosts {sni_hosts or []}")
    return chosen


def _weigh(
    route: dict[str, Any],
    roles: _Roles,
    canary_weight: int,
    stable: int,
    additional_destinations: Sequence[WeightDestination],
) -> None:
    destinations = route.setdefault("route", [])
    extra = {d.service_name: d.weight or 0 for d in additional_destinations if d.service_name}
    seen = set()
    for dest in destinations:
        role = roles.role(dest)
        host = str((dest.get("destination") or {}).get("host", "")).split(".", 1)[0]
        if role == "canary":
            dest["weight"] = canary_weight
        elif role == "stable":
            dest["weight"] = stable
        elif host in extra:
            dest["weight"] = extra[host]
            seen.add(host)
    for name, weight in extra.items():
        if name not in seen:
            destinations.append({"destination": {"host": name}, "weight": weight})


def _primary_route(rollout: Rollout, ref: IstioVirtualService, vs: dict[str, Any]) -> dict[str, Any]:
    http = (vs.get("spec") or {}).get("http") or []
    selected = _selected_http(
        IstioVirtualService(name=ref.name, routes=ref.routes), http, set(_managed_names(rollout))
    )
    if not selected:
        raise TrafficRoutingError("no HTTP route to copy the canary destination from")
    return selected[0]


def _canary_destination(rollout: Rollout, ref: IstioVirtualService, vs: dict[str, Any]) -> dict[str, Any]:
    roles = _Roles(rollout)
    for dest in _primary_route(rollout, ref, vs).get("route") or []:
        if roles.role(dest) == "canary":
            return {"destination": copy.deepcopy(dest.get("destination") or {})}
    raise TrafficRoutingError(f"no canary destination (service {roles.canary_svc!r}) in the HTTP route")


def _without_routes(vs: dict[str, Any], names: set[str]) -> dict[str, Any]:
    result = copy.deepcopy(vs)
    spec = result.setdefault("spec", {})
    if "http" in spec:
        spec["http"] = [r for r in spec["http"] if r.get("name") not in names]
    return result


def _with_managed_route(rollout: Rollout, vs: dict[str, Any], new_route: dict[str, Any]) -> dict[str, Any]:
    """``vs`` with ``new_route`` replacing/inserted among the managed routes, in managedRoutes order."""
    order = _managed_names(rollout)
    if new_route["name"] not in order:
        raise TrafficRoutingError(
            f"route {new_route['name']!r} is not listed in spec.strategy.canary.trafficRouting.managedRoutes"
        )
    result = _without_routes(vs, {new_route["name"]})
    http = result["spec"].get("http") or []
    managed = [r for r in http if r.get("name") in order] + [new_route]
    managed.sort(key=lambda r: order.index(r["name"]))
    result["spec"]["http"] = managed + [r for r in http if r.get("name") not in order]
    return result
