"""ALB (pure): the AWS Load Balancer Controller annotations on the user's Ingress(es).

* ``<prefix>/actions.<rootService or stableService>``: a forward action with weighted target groups
  — canary, each experiment destination, then stable (``100 - w - Σ``) — all on ``servicePort``;
  with ``pingPong`` the canary and stable target groups are the ping/pong Services in their
  current roles (``status.canary.stablePingPong``),
  plus ``TargetGroupStickinessConfig`` when ``stickinessConfig`` is set. Keys and order follow the
  controller's JSON (Type, ForwardConfig{TargetGroups[{ServiceName, ServicePort, Weight}], …}).
* ``rollouts.argoproj.io/managed-alb-annotations``: JSON ``{rollout: [annotation keys it wrote]}``,
  so that keys can be removed again when the rollout stops using the Ingress.
* A header route ``<name>``: ``actions.<name>`` (all to canary) and ``conditions.<name>``
  (``http-header`` with exact values; ALB cannot match prefixes or regexes), and a path ``/*`` in
  every rule with backend service ``<name>`` and port name ``use-annotation`` — the controller's
  convention for "take the action from the annotation"; managed paths lead each rule in
  ``managedRoutes`` order.

The Ingress rules must already point at the action (service ``<action>``, port
``use-annotation``); validation checks it, this module does not rewrite user paths.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from rollouts.api.defaults import alb_annotation_prefix_or_default
from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute
from rollouts.api.traffic_routing import ALBTrafficRouting
from rollouts.trafficrouting.config import (
    managed_route_names,
    plural_or_single,
    routed_services,
    router_block,
)
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import stable_weight

MANAGED_ANNOTATIONS = "rollouts.argoproj.io/managed-alb-annotations"
USE_ANNOTATION = "use-annotation"
MAX_STICKINESS_SECONDS = 604800  # the AWS API bound: 7 days


def alb_config(rollout: Rollout) -> ALBTrafficRouting:
    block: ALBTrafficRouting = router_block(rollout, "alb", "alb")
    return block


def ingress_names(rollout: Rollout) -> list[str]:
    alb = alb_config(rollout)
    return plural_or_single(alb.ingresses, alb.ingress)


def action_service(rollout: Rollout) -> str:
    canary = rollout.canary
    assert canary is not None
    return alb_config(rollout).root_service or canary.stable_service or ""


def action_key(rollout: Rollout, name: str | None = None) -> str:
    prefix = alb_annotation_prefix_or_default(alb_config(rollout).annotation_prefix)
    return f"{prefix}/actions.{name or action_service(rollout)}"


def condition_key(rollout: Rollout, name: str) -> str:
    prefix = alb_annotation_prefix_or_default(alb_config(rollout).annotation_prefix)
    return f"{prefix}/conditions.{name}"


def _compact(value: Any) -> str:
    """Go's encoding/json output: no spaces, map keys sorted (struct field order is kept by dicts)."""
    return json.dumps(value, separators=(",", ":"))


def _stickiness(rollout: Rollout) -> dict[str, Any] | None:
    sticky = alb_config(rollout).stickiness_config
    if sticky is None or not sticky.enabled:
        return None
    duration = sticky.duration_seconds or 0
    if not 1 <= duration <= MAX_STICKINESS_SECONDS:
        raise TrafficRoutingError(
            "TargetGroupStickinessConfig's duration must be between 1 and 604800 seconds (7 days)!"
        )
    return {"Enabled": True, "DurationSeconds": duration}


def _forward(groups: list[dict[str, Any]], rollout: Rollout) -> str:
    forward: dict[str, Any] = {"TargetGroups": groups}
    sticky = _stickiness(rollout)
    if sticky is not None:
        forward["TargetGroupStickinessConfig"] = sticky
    return _compact({"Type": "forward", "ForwardConfig": forward})


def forward_action(
    rollout: Rollout, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
) -> str:
    stable_svc, canary_svc = routed_services(rollout, ping_pong_preferred=True)
    alb = alb_config(rollout)
    port = str(alb.service_port or 0)
    groups: list[dict[str, Any]] = [
        {"ServiceName": canary_svc, "ServicePort": port, "Weight": desired_weight}
    ]
    for dest in additional_destinations:
        groups.append(
            {"ServiceName": dest.service_name or "", "ServicePort": port, "Weight": dest.weight or 0}
        )
    groups.append(
        {
            "ServiceName": stable_svc,
            "ServicePort": port,
            "Weight": stable_weight(desired_weight, additional_destinations),
        }
    )
    return _forward(groups, rollout)


def with_weight(
    rollout: Rollout,
    ingress: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> dict[str, Any]:
    target = action_service(rollout)
    if not _has_service(ingress, target):
        raise TrafficRoutingError(f"ingress does not have service `{target}` in rules")
    result = copy.deepcopy(ingress)
    key = action_key(rollout)
    annotations = result.setdefault("metadata", {}).setdefault("annotations", {})
    annotations[key] = forward_action(rollout, desired_weight, additional_destinations)
    _record_managed(rollout, annotations, add=[key])
    return result


def weights_match(
    rollout: Rollout,
    ingress: dict[str, Any],
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> bool:
    """The Ingress's action annotation holds the forward action for these weights (compared as JSON
    values: key order and spacing written by another tool do not matter)."""
    raw = ((ingress.get("metadata") or {}).get("annotations") or {}).get(action_key(rollout))
    if not isinstance(raw, str):
        return False
    try:
        live = json.loads(raw)
    except ValueError:
        return False
    return bool(live == json.loads(forward_action(rollout, desired_weight, additional_destinations)))


def with_header_route(rollout: Rollout, ingress: dict[str, Any], route: SetHeaderRoute) -> dict[str, Any]:
    """Add, replace, or (no ``match``) remove the header route ``route.name``."""
    name = route.name or ""
    result = _without_header_route(rollout, ingress, name)
    if not route.match:
        return result
    conditions = []
    for m in route.match:
        value = m.header_value
        if value is None or value.exact is None:
            raise TrafficRoutingError(f"header route {name!r}: ALB matches headers by exact value only")
        conditions.append(
            {
                "Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": m.header_name or "", "Values": [value.exact]},
            }
        )
    port = str(alb_config(rollout).service_port or 0)
    _, canary_svc = routed_services(rollout, ping_pong_preferred=True)
    action = _forward([{"ServiceName": canary_svc, "ServicePort": port, "Weight": 100}], rollout)
    annotations = result.setdefault("metadata", {}).setdefault("annotations", {})
    annotations[action_key(rollout, name)] = action
    annotations[condition_key(rollout, name)] = _compact(conditions)
    _record_managed(rollout, annotations, add=[action_key(rollout, name), condition_key(rollout, name)])
    rules = (result.get("spec") or {}).get("rules") or []
    if not _has_service(result, name):
        for rule in rules:
            rule.setdefault("http", {}).setdefault("paths", []).append(
                {
                    "path": "/*",
                    "pathType": "ImplementationSpecific",
                    "backend": {"service": {"name": name, "port": {"name": USE_ANNOTATION}}},
                }
            )
    _managed_paths_first(rollout, rules)
    return result


def without_managed_routes(rollout: Rollout, ingress: dict[str, Any]) -> dict[str, Any]:
    result = ingress
    for name in managed_route_names(rollout):
        result = _without_header_route(rollout, result, name)
    return result


def _without_header_route(rollout: Rollout, ingress: dict[str, Any], name: str) -> dict[str, Any]:
    result = copy.deepcopy(ingress)
    annotations = result.setdefault("metadata", {}).setdefault("annotations", {})
    keys = [action_key(rollout, name), condition_key(rollout, name)]
    for key in keys:
        annotations.pop(key, None)
    _record_managed(rollout, annotations, remove=keys)
    for rule in (result.get("spec") or {}).get("rules") or []:
        http = rule.get("http") or {}
        if "paths" in http:
            http["paths"] = [p for p in http["paths"] if _backend_name(p) != name]
    return result


def _has_service(ingress: dict[str, Any], service: str) -> bool:
    return any(
        _backend_name(path) == service
        for rule in (ingress.get("spec") or {}).get("rules") or []
        for path in (rule.get("http") or {}).get("paths") or []
    )


def _managed_paths_first(rollout: Rollout, rules: list[dict[str, Any]]) -> None:
    """Header-route paths lead each rule, in managedRoutes order (the ALB evaluates in order)."""
    order = managed_route_names(rollout)
    for rule in rules:
        paths = (rule.get("http") or {}).get("paths")
        if not paths:
            continue
        managed = sorted(
            (p for p in paths if _backend_name(p) in order), key=lambda p: order.index(_backend_name(p) or "")
        )
        rule["http"]["paths"] = managed + [p for p in paths if _backend_name(p) not in order]


def _backend_name(path: dict[str, Any]) -> str | None:
    name = ((path.get("backend") or {}).get("service") or {}).get("name")
    return str(name) if name is not None else None


def _record_managed(
    rollout: Rollout, annotations: dict[str, str], add: Sequence[str] = (), remove: Sequence[str] = ()
) -> None:
    try:
        managed = json.loads(annotations.get(MANAGED_ANNOTATIONS) or "{}")
    except ValueError:
        managed = {}
    if not isinstance(managed, dict):
        managed = {}
    keys = [k for k in managed.get(rollout.name) or [] if k not in remove]
    keys += [k for k in add if k not in keys]
    managed[rollout.name] = keys
    annotations[MANAGED_ANNOTATIONS] = json.dumps(managed, separators=(",", ":"), sort_keys=True)
