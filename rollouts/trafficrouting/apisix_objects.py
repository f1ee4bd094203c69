"""APISIX (pure): backend weights of an ApisixRoute, and the header-route ApisixRoutes.

Weights: the Rollout names one ApisixRoute (``trafficRouting.apisix.route.name``) and the http
rules in it to split (``route.rules``; upstream's default is the single rule named like the
route). In each such rule the backend whose ``serviceName`` is the canary Service gets ``w``, the
stable one ``100 - w``; both must be listed. Experiment destinations are not routed, as upstream.

Header routes (setHeaderRoute): a separate ApisixRoute named like the step's route, owned by the
Rollout. Created as a copy of the main ApisixRoute (its name, labels and annotations; server-set
metadata dropped) in which, for every split rule: the canary backend has weight 100, the stable
backend is removed, ``priority`` is raised by one (so APISIX tries it before the rule it copies)
and ``match.exprs`` holds the step's header conditions (``Equal`` for exact, ``RegexMatch`` for
regex and for prefix). An existing header ApisixRoute is updated in place (its priority is not
raised again). A step without ``match`` deletes it; so does the end of the rollout for every name
in ``managedRoutes`` that the Rollout owns.

One deliberate difference: upstream writes a prefix as ``^<prefix>.*`` without escaping regex
metacharacters; here they are escaped, so ``/v1.2`` matches only that literal prefix.
"""

from __future__ import annotations

import copy
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.steps import HeaderRoutingMatch, SetHeaderRoute
from rollouts.api.traffic_routing import ApisixTrafficRouting
from rollouts.trafficrouting.config import router_block
from rollouts.trafficrouting.matches import as_regex
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.ownership import rollout_owner_reference
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import FULL_WEIGHT

_TYPE_ASSERTION = "Failed type assertion for Apisix http route"


def route_name(rollout: Rollout) -> str:
    block: ApisixTrafficRouting = router_block(rollout, "apisix", "apisix")
    if block.route is None or not block.route.name:
        raise TrafficRoutingError("trafficRouting.apisix.route.name is required")
    return block.route.name


def rule_names(rollout: Rollout) -> list[str]:
    block: ApisixTrafficRouting = router_block(rollout, "apisix", "apisix")
    assert block.route is not None
    return list(block.route.rules) if block.route.rules is not None else [route_name(rollout)]


def with_weights(rollout: Rollout, apisix_route: dict[str, Any], desired_weight: int) -> dict[str, Any]:
    """``apisix_route`` with the canary / stable backends of every split rule at ``w`` / ``100 - w``."""
    canary = rollout.canary
    assert canary is not None
    result = copy.deepcopy(apisix_route)
    for rule in _split_rules(rollout, result):
        backends = _backends(rule)
        _backend(backends, canary.canary_service or "")["weight"] = desired_weight
        _backend(backends, canary.stable_service or "")["weight"] = FULL_WEIGHT - desired_weight
    return result


def carries_weights(rollout: Rollout, apisix_route: dict[str, Any], desired_weight: int) -> bool:
    """The stored spec has the weights and, if the ingress controller reports it, it saw them."""
    want = with_weights(rollout, apisix_route, desired_weight)
    return want.get("spec") == apisix_route.get("spec") and generation_observed(apisix_route)


def header_route(
    rollout: Rollout,
    main_route: dict[str, Any],
    existing: dict[str, Any] | None,
    step: SetHeaderRoute,
) -> dict[str, Any]:
    """The header ApisixRoute for ``step`` (which has a ``match``): new from ``main_route``, or
    ``existing`` brought up to date."""
    canary = rollout.canary
    assert canary is not None
    exprs = [expr for match in step.match or [] for expr in _exprs(match)]
    result = copy.deepcopy(existing) if existing is not None else _copy_of(rollout, main_route, step)
    for rule in _split_rules(rollout, result):
        backends = _backends(rule)
        _backend(backends, canary.canary_service or "")["weight"] = FULL_WEIGHT
        rule["backends"] = [b for b in backends if b.get("serviceName") != canary.stable_service]
        if existing is None:
            priority = rule.get("priority")
            rule["priority"] = (priority if isinstance(priority, int) else 0) + 1
        match = rule.get("match")
        rule["match"] = {**(match if isinstance(match, dict) else {}), "exprs": exprs}
    return result


def _copy_of(rollout: Rollout, main_route: dict[str, Any], step: SetHeaderRoute) -> dict[str, Any]:
    meta = main_route.get("metadata") or {}
    kept = {k: copy.deepcopy(meta[k]) for k in ("labels", "annotations") if meta.get(k)}
    return {
        "apiVersion": main_route.get("apiVersion"),
        "kind": main_route.get("kind"),
        "metadata": {
            "name": step.name or "",
            "namespace": meta.get("namespace") or rollout.namespace,
            **kept,
            "ownerReferences": [rollout_owner_reference(rollout)],
        },
        "spec": copy.deepcopy(main_route.get("spec") or {}),
    }


def _exprs(match: HeaderRoutingMatch) -> list[dict[str, Any]]:
    value = match.header_value
    if value is None:
        raise TrafficRoutingError(f"setHeaderRoute: header {match.header_name!r} needs a headerValue")
    subject = {"scope": "Header", "name": match.header_name or ""}
    if value.exact is not None:
        return [{"subject": subject, "op": "Equal", "value": value.exact}]
    return [{"subject": subject, "op": "RegexMatch", "value": as_regex(value)}]


def _split_rules(rollout: Rollout, apisix_route: dict[str, Any]) -> list[dict[str, Any]]:
    http = (apisix_route.get("spec") or {}).get("http")
    if not isinstance(http, list):
        raise TrafficRoutingError("spec.http was not found in Apisix Route manifest")
    return [_rule(http, name) for name in rule_names(rollout)]


def _rule(http: list[Any], name: str) -> dict[str, Any]:
    for rule in http:
        if not isinstance(rule, dict):
            raise TrafficRoutingError(_TYPE_ASSERTION)
        if "name" not in rule:
            raise TrafficRoutingError("Apisix http route rule name field not found")
        if rule["name"] == name:
            return rule
    raise TrafficRoutingError(f"Apisix http route rule {name} not found")


def _backends(rule: dict[str, Any]) -> list[dict[str, Any]]:
    backends = rule.get("backends")
    if backends is None:
        raise TrafficRoutingError("Apisix http route backends not found")
    if not isinstance(backends, list) or not all(isinstance(b, dict) for b in backends):
        raise TrafficRoutingError(f"{_TYPE_ASSERTION} backends")
    return backends


def _backend(backends: list[dict[str, Any]], service: str) -> dict[str, Any]:
    for backend in backends:
        if "serviceName" not in backend:
            raise TrafficRoutingError("serviceName field was not found in backend")
        if backend["serviceName"] == service:
            return backend
    raise TrafficRoutingError(f"apisix route {service} backend was not found")
