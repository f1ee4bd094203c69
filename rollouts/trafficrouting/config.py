"""Reading one router's block of ``spec.strategy.canary.trafficRouting`` with a clear error."""

from __future__ import annotations

from typing import Any, TypeVar

from rollouts.api.rollout import Rollout
from rollouts.api.traffic_routing import RolloutTrafficRouting
from rollouts.trafficrouting.router import TrafficRoutingError

T = TypeVar("T")


def traffic_routing(rollout: Rollout) -> RolloutTrafficRouting | None:
    canary = rollout.canary
    return canary.traffic_routing if canary else None


def router_block(rollout: Rollout, field: str, json_name: str) -> Any:
    """``trafficRouting.<json_name>`` (model attribute ``field``); raises when it is absent."""
    routing = traffic_routing(rollout)
    block = getattr(routing, field, None) if routing is not None else None
    if block is None:
        raise TrafficRoutingError(f"rollout has no spec.strategy.canary.trafficRouting.{json_name}")
    return block


def managed_route_names(rollout: Rollout) -> list[str]:
    routing = traffic_routing(rollout)
    return routing.managed_route_names() if routing else []


def plural_or_single(many: list[T] | None, one: T | None) -> list[T]:
    """The ``ingresses`` / ``ingress`` convention: the list when given, else the single value."""
    if many:
        return list(many)
    return [one] if one else []
