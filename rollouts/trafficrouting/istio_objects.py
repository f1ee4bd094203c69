"""Istio (pure): weights, header and mirror routes in VirtualServices; subsets in a DestinationRule.

Routes setWeight edits, as upstream chooses them:

* HTTP: those named in ``virtualService.routes``, else the first unnamed route (then the
  VirtualService may hold only one route besides the managed ones); managed routes that mirror are
  re-weighted too, so a mirror keeps following the split.
* TLS: per ``tlsRoutes`` entry, every route whose matches name exactly one port, equal to the
  entry's, and exactly the entry's SNI host set; with no entries, the first TLS route.
* TCP: the same by port alone.

Every selected route must reach both the canary and the stable Service (or, with a
DestinationRule, both subsets). In a selected route a destination is **canary** when its host's
short name (before the first ``.``) is the canary Service or its subset is the canary subset,
likewise **stable**; canary gets the desired weight, stable ``100 - w - sum(additional)``, an
experiment destination (``additional_destinations``, by host) its weight — added when missing —
and any other destination is dropped (it is a finished experiment's).

Managed routes (setHeaderRoute / setMirrorRoute) are HTTP routes named after the step's route, kept
at the top of ``spec.http`` in ``managedRoutes`` order, ahead of the user's routes.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.api.traffic_routing import IstioTrafficRouting, IstioVirtualService, TCPRoute, TLSRoute
from rollouts.trafficrouting.config import (
    managed_route_names,
    plural_or_single,
    routed_services,
    router_block,
)
from rollouts.trafficrouting.matches import string_match
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import stable_weight

POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"
MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts"


def istio_config(rollout: Rollout) -> IstioTrafficRouting:
    block: IstioTrafficRouting = router_block(rollout, "istio", "istio")
    return block


def virtual_service_refs(rollout: Rollout) -> list[IstioVirtualService]:
    istio = istio_config(rollout)
    return plural_or_single(istio.virtual_services, istio.virtual_service)


def split_name(ref: str, default_namespace: str) -> tuple[str, str]:
    """``name`` or ``name.namespace`` (upstream accepts both in virtualService.name)."""
    name, _, namespace = ref.partition(".")
    return name, namespace or default_namespace


class _Roles:
    """Which destinations are canary/stable for this Rollout (the canary test comes first)."""

    def __init__(self, rollout: Rollout) -> None:
        dr = istio_config(rollout).destination_rule
        self.stable_svc, self.canary_svc = routed_services(rollout, ping_pong_preferred=False)
        self.canary_subset = (dr.canary_subset_name or "") if dr else ""
        self.stable_subset = (dr.stable_subset_name or "") if dr else ""
        self.uses_subsets = dr is not None

    def role(self, destination: dict[str, Any]) -> str | None:
        dest = destination.get("destination") or {}
        host = short_host(destination)
        subset = dest.get("subset") or ""
        if host and (host == self.canary_svc or (subset and subset == self.canary_subset)):
            return "canary"
        if host and (host == self.stable_svc or (subset and subset == self.stable_subset)):
            return "stable"
        return None

    def check(self, route: dict[str, Any]) -> None:
        """Raise unless ``route`` reaches both canary and stable (services, or subsets with a rule)."""
        destinations = route.get("route") or []
        if self.uses_subsets:
            subsets = {(d.get("destination") or {}).get("subset") for d in destinations}
            if self.canary_subset not in subsets:
                raise TrafficRoutingError(
                    f"Canary DestinationRule subset '{self.canary_subset}' not found in route"
                )
            if self.stable_subset not in subsets:
                raise TrafficRoutingError(
                    f"Stable DestinationRule subset '{self.stable_subset}' not found in route"
                )
            return
        hosts = {short_host(d) for d in destinations}
        if self.canary_svc not in hosts:
            raise TrafficRoutingError(f"Canary Service '{self.canary_svc}' not found in route")
        if self.stable_svc not in hosts:
            raise TrafficRoutingError(f"Stable Service '{self.stable_svc}' not found in route")


def short_host(destination: dict[str, Any]) -> str:
    """The destination host up to its first dot (``svc.ns.svc.cluster.local`` -> ``svc``)."""
    return str((destination.get("destination") or {}).get("host") or "").split(".", 1)[0]


def set_weights(
    rollout: Rollout,
    ref: IstioVirtualService,
    virtual_service: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> dict[str, Any]:
    """A copy of ``virtual_service`` with the selected routes' weights set.

    Raises TrafficRoutingError when a named route is missing or a selected route lacks canary/stable.
    """
    result = copy.deepcopy(virtual_service)
    spec = result.setdefault("spec", {})
    roles = _Roles(rollout)
    managed = _managed_names(rollout)
    stable = stable_weight(desired_weight, additional_destinations)
    http = spec.get("http") or []
    checked = _selected_http(ref, http, set(managed))
    checked += _selected_tls(spec.get("tls") or [], ref.tls_routes or [])
    checked += _selected_tcp(spec.get("tcp") or [], ref.tcp_routes or [])
    for route in checked:
        roles.check(route)
    chosen = {id(r) for r in checked}
    mirrors = [r for r in http if r.get("mirror") and r.get("name") in managed and id(r) not in chosen]
    for route in checked + mirrors:
        _weigh(route, roles, desired_weight, stable, additional_destinations)
    return result


def weights_match(
    rollout: Rollout,
    ref: IstioVirtualService,
    virtual_service: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> bool:
    """Whether the live object carries the weights :func:`set_weights` would write and istiod
    (when it reports ``status.observedGeneration``) has seen that generation."""
    want = set_weights(rollout, ref, virtual_service, desired_weight, additional_destinations)
    return want.get("spec") == virtual_service.get("spec") and generation_observed(virtual_service)


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
    """The DestinationRule pointing its subsets at the ReplicaSets, as upstream rewrites it.

    The canary/stable subsets get ``rollouts-pod-template-hash`` (removed when the hash is
    empty); an experiment's subset is named after its Service and is added when missing; every
    other subset is dropped. The rule is annotated as managed by this Rollout.
    """
    dr_ref = istio_config(rollout).destination_rule
    if dr_ref is None:
        raise TrafficRoutingError("rollout has no istio.destinationRule")
    experiments = {d.service_name or "": d.pod_template_hash or "" for d in additional_destinations}
    wanted = {dr_ref.canary_subset_name: canary_hash, dr_ref.stable_subset_name: stable_hash}
    result = copy.deepcopy(destination_rule)
    spec = result.setdefault("spec", {})
    kept = []
    for subset in spec.get("subsets") or []:
        name = subset.get("name")
        if name in wanted:
            value = wanted[name]
        elif name in experiments:
            value = experiments.pop(name)
        else:
            continue
        labels = subset.setdefault("labels", {})
        if value:
            labels[POD_TEMPLATE_HASH_LABEL] = value
        else:
            labels.pop(POD_TEMPLATE_HASH_LABEL, None)
        kept.append(subset)
    for service, template_hash in experiments.items():
        kept.append({"name": service, "labels": {POD_TEMPLATE_HASH_LABEL: template_hash}})
    spec["subsets"] = kept
    meta = result.setdefault("metadata", {})
    meta.setdefault("annotations", {})[MANAGED_BY_ANNOTATION] = rollout.name
    return result


# -- helpers -----------------------------------------------------------------------------------


def _managed_names(rollout: Rollout) -> list[str]:
    return managed_route_names(rollout)


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
        return _only_route(routes, "tls", "tlsRoutes")
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


def _only_route(routes: list[dict[str, Any]], kind: str, field: str) -> list[dict[str, Any]]:
    if len(routes) > 1:
        raise TrafficRoutingError(
            f"spec.{kind}[] should be set in VirtualService and it must have exactly one route when"
            f" omitting spec.strategy.canary.trafficRouting.istio.virtualService.{field}"
        )
    return routes[:1]


def _selected_tcp(routes: list[dict[str, Any]], wanted: list[TCPRoute]) -> list[dict[str, Any]]:
    if not wanted:
        return _only_route(routes, "tcp", "tcpRoutes")
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
    extra = {d.service_name: d.weight or 0 for d in additional_destinations if d.service_name}
    kept = []
    for dest in route.get("route") or []:
        role = roles.role(dest)
        host = short_host(dest)
        if role == "canary":
            dest["weight"] = canary_weight
        elif role == "stable":
            dest["weight"] = stable
        elif host in extra:
            dest["weight"] = extra.pop(host)
        elif host:
            continue  # a finished experiment's destination
        kept.append(dest)
    for name, weight in extra.items():
        kept.append({"weight": weight, "destination": {"host": name}})
    route["route"] = kept


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
