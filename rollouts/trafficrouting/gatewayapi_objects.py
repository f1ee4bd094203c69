"""Gateway API (pure): HTTPRoute backendRef weights and managed header-route rules.

Built in, configured as upstream's plugin is: ``trafficRouting.plugins["argoproj-labs/gatewayAPI"]``
with ``httpRoute`` (a name) or ``httpRoutes`` (``[{name, useHeaderRoutes}]``) and ``namespace``
(the Rollout's namespace when omitted).

In every rule of a named route, a backendRef named like the canary Service gets the desired
weight and one named like the stable Service ``100 - w - Σ additional``.

Header routes are extra rules appended after the user's rules: the matches of the first rule that
reaches the canary Service, each with the step's headers added, sending everything to canary.
Mirror routes are extra rules too: the step's matches (method, path, headers), the primary rule's
backendRefs (so the split still applies) and a ``RequestMirror`` filter copying ``percentage`` %
of the requests to the canary Service.
Gateway API rules are unnamed, so the route names are kept in the annotation
``rollouts.argoproj.io/gatewayapi-managed-routes`` (a JSON list): invariant — the last
``len(list)`` rules are the managed ones, in that order. (Upstream's plugin keeps rule indexes in
a ConfigMap instead; the annotation keeps the bookkeeping on the object it describes.)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import RouteMatch, SetHeaderRoute, SetMirrorRoute, StringMatch
from rollouts.trafficrouting.config import traffic_routing
from rollouts.trafficrouting.matches import as_regex
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import stable_weight

PLUGIN_NAME = "argoproj-labs/gatewayAPI"
MANAGED_ROUTES_ANNOTATION = "rollouts.argoproj.io/gatewayapi-managed-routes"


@dataclass(frozen=True)
class RouteRef:
    name: str
    namespace: str
    use_header_routes: bool


def http_route_refs(rollout: Rollout) -> list[RouteRef]:
    routing = traffic_routing(rollout)
    config = (routing.plugins or {}).get(PLUGIN_NAME) if routing else None
    if not isinstance(config, dict):
        raise TrafficRoutingError(f"rollout has no trafficRouting.plugins[{PLUGIN_NAME!r}] object")
    namespace = str(config.get("namespace") or rollout.namespace)
    refs: list[RouteRef] = []
    if isinstance(config.get("httpRoute"), str):
        refs.append(RouteRef(config["httpRoute"], namespace, True))
    for entry in config.get("httpRoutes") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise TrafficRoutingError(f"{PLUGIN_NAME}: every httpRoutes entry needs a name")
        refs.append(RouteRef(entry["name"], namespace, bool(entry.get("useHeaderRoutes", False))))
    if not refs:
        raise TrafficRoutingError(f"{PLUGIN_NAME}: httpRoute or httpRoutes is required")
    return refs


def _services(rollout: Rollout) -> tuple[str, str]:
    canary = rollout.canary
    assert canary is not None
    return canary.canary_service or "", canary.stable_service or ""


def managed_names(route: dict[str, Any]) -> list[str]:
    raw = ((route.get("metadata") or {}).get("annotations") or {}).get(MANAGED_ROUTES_ANNOTATION)
    try:
        names = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def set_weights(
    rollout: Rollout,
    route: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> dict[str, Any]:
    canary_svc, stable_svc = _services(rollout)
    stable = stable_weight(desired_weight, additional_destinations)
    result = copy.deepcopy(route)
    rules = (result.get("spec") or {}).get("rules") or []
    managed = len(managed_names(route))
    user_rules = rules[: len(rules) - managed] if managed else rules
    # Mirror rules carry the split too (their requests still go to canary/stable), header rules don't.
    mirrors = [
        r
        for r in rules[len(user_rules) :]
        if any(f.get("type") == "RequestMirror" for f in r.get("filters") or [])
    ]
    touched = False
    for rule in user_rules + mirrors:
        for ref in rule.get("backendRefs") or []:
            if ref.get("name") == canary_svc:
                ref["weight"] = desired_weight
                touched = True
            elif ref.get("name") == stable_svc:
                ref["weight"] = stable
                touched = True
    if not touched:
        name = (route.get("metadata") or {}).get("name", "")
        raise TrafficRoutingError(f"HTTPRoute {name!r} has no backendRef to {canary_svc!r} or {stable_svc!r}")
    return result


def weights_match(
    rollout: Rollout,
    route: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> bool:
    """The weights are written and, when a Gateway controller reports status, it has seen them."""
    want = set_weights(rollout, route, desired_weight, additional_destinations)
    if want.get("spec") != route.get("spec"):
        return False
    return generation_observed(route)


def set_header_route(rollout: Rollout, route: dict[str, Any], step: SetHeaderRoute) -> dict[str, Any]:
    """Add, replace or (no ``match``) remove the managed rule ``step.name``."""
    name = step.name or ""
    result, names = _without_managed(route, {name})
    if not step.match:
        return _with_names(result, names)
    canary_svc, _ = _services(rollout)
    rules = result.setdefault("spec", {}).setdefault("rules", [])
    primary = _primary_rule(rollout, rules[: len(rules) - len(names)] if names else rules)
    headers = [_header_match(m.header_name or "", m.header_value) for m in step.match]
    matches = []
    for match in primary.get("matches") or [{}]:
        new_match = copy.deepcopy(match)
        new_match["headers"] = [*new_match.get("headers", []), *headers]
        matches.append(new_match)
    canary_ref = next(copy.deepcopy(b) for b in primary["backendRefs"] if b.get("name") == canary_svc)
    canary_ref.pop("weight", None)
    rules.append({"matches": matches, "backendRefs": [canary_ref]})
    return _with_names(result, [*names, name])


def set_mirror_route(rollout: Rollout, route: dict[str, Any], step: SetMirrorRoute) -> dict[str, Any]:
    """Add, replace or (no ``match``) remove the managed mirror rule ``step.name``."""
    name = step.name or ""
    result, names = _without_managed(route, {name})
    if not step.match:
        return _with_names(result, names)
    rules = result.setdefault("spec", {}).setdefault("rules", [])
    primary = _primary_rule(rollout, rules[: len(rules) - len(names)] if names else rules)
    canary_svc, _ = _services(rollout)
    canary_ref = next(b for b in primary["backendRefs"] if b.get("name") == canary_svc)
    mirror_ref = {k: v for k, v in canary_ref.items() if k in ("group", "kind", "name", "namespace", "port")}
    mirror: dict[str, Any] = {"backendRef": mirror_ref}
    if step.percentage is not None:
        mirror["percent"] = step.percentage
    rules.append(
        {
            "matches": [_http_match(m) for m in step.match],
            "filters": [{"type": "RequestMirror", "requestMirror": mirror}],
            "backendRefs": copy.deepcopy(primary["backendRefs"]),
        }
    )
    return _with_names(result, [*names, name])


def _http_match(match: RouteMatch) -> dict[str, Any]:
    """A setMirrorRoute match as an HTTPRouteMatch (prefix headers/methods become regexes)."""
    out: dict[str, Any] = {}
    if match.path is not None:
        if match.path.exact is not None:
            out["path"] = {"type": "Exact", "value": match.path.exact}
        elif match.path.prefix is not None:
            out["path"] = {"type": "PathPrefix", "value": match.path.prefix}
        else:
            out["path"] = {"type": "RegularExpression", "value": as_regex(match.path)}
    if match.method is not None:
        if match.method.exact is None:
            raise TrafficRoutingError("Gateway API matches the HTTP method exactly only")
        out["method"] = match.method.exact
    if match.headers:
        out["headers"] = [_header_match(name, value) for name, value in match.headers.items()]
    return out


def _header_match(name: str, value: StringMatch | None) -> dict[str, str]:
    if value is not None and value.exact is None:
        return {"type": "RegularExpression", "name": name, "value": as_regex(value)}
    return {"type": "Exact", "name": name, "value": (value.exact or "") if value else ""}


def _primary_rule(rollout: Rollout, user_rules: list[dict[str, Any]]) -> dict[str, Any]:
    canary_svc, _ = _services(rollout)
    for rule in user_rules:
        if any(b.get("name") == canary_svc for b in rule.get("backendRefs") or []):
            return rule
    raise TrafficRoutingError(f"no HTTPRoute rule has a backendRef to the canary service {canary_svc!r}")


def remove_managed_routes(route: dict[str, Any]) -> dict[str, Any]:
    result, names = _without_managed(route, set(managed_names(route)))
    return _with_names(result, names)


def _without_managed(route: dict[str, Any], drop: set[str]) -> tuple[dict[str, Any], list[str]]:
    result = copy.deepcopy(route)
    names = managed_names(route)
    rules = (result.get("spec") or {}).get("rules") or []
    if not names or len(names) > len(rules):
        return result, []
    user_rules, managed_rules = rules[: len(rules) - len(names)], rules[len(rules) - len(names) :]
    kept = [(n, r) for n, r in zip(names, managed_rules, strict=True) if n not in drop]
    result["spec"]["rules"] = user_rules + [r for _, r in kept]
    return result, [n for n, _ in kept]


def _with_names(route: dict[str, Any], names: list[str]) -> dict[str, Any]:
    annotations = route.setdefault("metadata", {}).setdefault("annotations", {})
    if names:
        annotations[MANAGED_ROUTES_ANNOTATION] = json.dumps(names)
    else:
        annotations.pop(MANAGED_ROUTES_ANNOTATION, None)
    return route
