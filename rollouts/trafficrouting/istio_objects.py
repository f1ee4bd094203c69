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
from rollouts.api.traffic_routing import IstioTrafficRouting, IstioVirtualService, TCPRoute, TLSRoute
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
    if ref.tls_routes is not None:
        for route in _selected_tls(spec.get("tls") or [], ref.tls_routes):
            _weigh(route, roles, desired_weight, stable, additional_destinations)
    if ref.tcp_routes is not None:
        for route in _selected_tcp(spec.get("tcp") or [], ref.tcp_routes):
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
    rollout: Rollout,
    ref: IstioVirtualService,
    virtual_service: dict[str, Any],
    route: SetHeaderRoute,
    canary_host: str | None = None,
) -> dict[str, Any]:
    """Add (or with no ``match``, remove) the header route ``route.name``: matches go all to canary.

    ``canary_host`` is the DestinationRule's ``spec.host`` when one is configured (upstream's
    choice); otherwise the canary Service name is the host.
    """
    if not route.match:
        return _without_routes(virtual_service, {route.name or ""})
    matches = []
    for m in route.match:
        matches.append({"headers": {m.header_name or "": string_match(m.header_value)}})
    destination = _canary_destination(rollout, ref, virtual_service, canary_host, required=False)
    new_route = {"name": route.name, "match": matches, "route": [{"weight": 100, "destination": destination}]}
    return _with_managed_route(rollout, virtual_service, new_route)


def set_mirror_route(
    rollout: Rollout,
    ref: IstioVirtualService,
    virtual_service: dict[str, Any],
    route: SetMirrorRoute,
    canary_host: str | None = None,
) -> dict[str, Any]:
    """Add (or remove) the mirror route ``route.name``: matching requests keep the setWeight
    route's destinations (at their current weights) and ``percentage`` % is copied to canary."""
    if not route.match:
        return _without_routes(virtual_service, {route.name or ""})
    primary = _weighted_route(rollout, ref, virtual_service)
    if primary is None:
        raise TrafficRoutingError("no HTTP route for setWeight in the VirtualService to mirror from")
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
        "mirror": _canary_destination(rollout, ref, virtual_service, canary_host, required=True),
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
    """The HTTP routes setWeight edits: by name, else the first unnamed route (upstream's rule)."""
    if not http:
        return []
    if not ref.routes:
        primary = [r for r in http if r.get("name") not in managed]
        if len(primary) > 1:
            raise TrafficRoutingError(
                "spec.http[] should be set in VirtualService and it must have exactly one route when"
                " omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes"
            )
        return [r for r in http if not r.get("name")][:1]
    by_name = {r.get("name"): r for r in reversed(http)}  # reversed: the first of equal names wins
    missing = [name for name in ref.routes if name not in by_name]
    if missing:
        raise TrafficRoutingError(f"HTTP Route '{missing[0]}' is not found in the defined Virtual Service.")
    return [by_name[name] for name in ref.routes]


def _single_port(route: dict[str, Any]) -> int | None:
    """The one port a TLS/TCP route matches (0 when none); None when it names several (never matches)."""
    ports = {int(m.get("port") or 0) for m in route.get("match") or []}
    if len(ports) > 1:
        return None
    return next(iter(ports), 0)


def _selected_tls(routes: list[dict[str, Any]], wanted: list[TLSRoute]) -> list[dict[str, Any]]:
    """A TLS route matches when its single port and its SNI host set equal the entry's."""
    if not wanted:
        return routes[:1]
    chosen: list[dict[str, Any]] = []
    for entry in wanted:
        hits = [
            r
            for r in routes
            if _single_port(r) == (entry.port or 0)
            and {h for m in r.get("match") or [] for h in m.get("sniHosts") or []}
            == set(entry.sni_hosts or [])
        ]
        if not hits:
            raise TrafficRoutingError("No matching TLS routes found in the defined Virtual Service.")
        chosen += hits
    return chosen


def _selected_tcp(routes: list[dict[str, Any]], wanted: list[TCPRoute]) -> list[dict[str, Any]]:
    if not wanted:
        return routes[:1]
    chosen: list[dict[str, Any]] = []
    for entry in wanted:
        hits = [r for r in routes if _single_port(r) == (entry.port or 0)]
        if not hits:
            raise TrafficRoutingError("No matching TCP routes found in the defined Virtual Service.")
        chosen += hits
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


def _weighted_route(rollout: Rollout, ref: IstioVirtualService, vs: dict[str, Any]) -> dict[str, Any] | None:
    """The first HTTP route setWeight edits (None when there is none)."""
    http = (vs.get("spec") or {}).get("http") or []
    selected = _selected_http(ref, http, set(_managed_names(rollout)))
    return selected[0] if selected else None


def _canary_destination(
    rollout: Rollout, ref: IstioVirtualService, vs: dict[str, Any], canary_host: str | None, *, required: bool
) -> dict[str, Any]:
    """``{host, subset?, port?}`` for managed routes; the port is the one on the first destination
    of the setWeight route, the subset the DestinationRule's canary subset."""
    roles = _Roles(rollout)
    destination: dict[str, Any] = {"host": canary_host or roles.canary_svc}
    if roles.canary_subset:
        destination["subset"] = roles.canary_subset
    primary = _weighted_route(rollout, ref, vs)
    if primary is None and required:
        raise TrafficRoutingError("no HTTP route for setWeight in the VirtualService")
    first = ((primary or {}).get("route") or [{}])[0]
    port = ((first.get("destination") or {}).get("port") or {}).get("number")
    if port:
        destination["port"] = {"number": port}
    return destination


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
