"""Traefik (pure): the weights of a weighted TraefikService.

The Rollout names one TraefikService (``trafficRouting.traefik.weightedTraefikServiceName``) in
its namespace; its ``spec.weighted.services`` must list the canary and the stable Service by
``name``. The canary entry gets the desired weight, the stable entry ``100 - w``. As upstream,
experiment destinations are not routed by Traefik: the stable share ignores them, and every other
entry of the list is left as the user wrote it.
"""

from __future__ import annotations

import copy
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.traffic_routing import TraefikTrafficRouting
from rollouts.trafficrouting.config import router_block
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import FULL_WEIGHT


def traefik_service_name(rollout: Rollout) -> str:
    block: TraefikTrafficRouting = router_block(rollout, "traefik", "traefik")
    if not block.weighted_traefik_service_name:
        raise TrafficRoutingError("trafficRouting.traefik.weightedTraefikServiceName is required")
    return block.weighted_traefik_service_name


def with_weights(rollout: Rollout, traefik_service: dict[str, Any], desired_weight: int) -> dict[str, Any]:
    """``traefik_service`` with the canary and stable entries at ``w`` / ``100 - w``."""
    canary = rollout.canary
    assert canary is not None
    result = copy.deepcopy(traefik_service)
    services = ((result.get("spec") or {}).get("weighted") or {}).get("services")
    if not isinstance(services, list):
        raise TrafficRoutingError("spec.weighted.services was not found in traefik service manifest")
    _entry(services, canary.canary_service or "", "canary")["weight"] = desired_weight
    _entry(services, canary.stable_service or "", "stable")["weight"] = FULL_WEIGHT - desired_weight
    return result


def _entry(services: list[Any], name: str, role: str) -> dict[str, Any]:
    for service in services:
        if not isinstance(service, dict):
            raise TrafficRoutingError("Failed type assertion setting weight for traefik service")
        if "name" not in service:
            raise TrafficRoutingError("name field was not found in service")
        if service["name"] == name:
            return service
    raise TrafficRoutingError(f"traefik {role} service was not found")


def carries_weights(rollout: Rollout, traefik_service: dict[str, Any], desired_weight: int) -> bool:
    """The stored spec already has the weights (and a controller reporting status has seen it)."""
    want = with_weights(rollout, traefik_service, desired_weight)
    return want.get("spec") == traefik_service.get("spec") and generation_observed(traefik_service)
