"""Reading a Rollout for the routers: one router's block of ``spec.strategy.canary.trafficRouting``
with a clear error, and the stable/canary Service names to route to (ping-pong aware)."""

from __future__ import annotations

from typing import Any, TypeVar

from rollouts.api.rollout import Rollout
from rollouts.api.traffic_routing import RolloutTrafficRouting
from rollouts.core.ping_pong import stable_and_canary_services
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


def routed_services(rollout: Rollout, *, ping_pong_preferred: bool) -> tuple[str, str]:
    """(stable, canary) Service names for a router, following the ping-pong roles recorded in
    ``status.canary.stablePingPong`` (the router layer hands the routers a Rollout carrying the
    pass's planned status, so a promotion's flip is routed in the pass that makes it).

    ``ping_pong_preferred``: the ALB router takes the ping-pong pair whenever it is configured;
    the others only when neither stableService nor canaryService is set (upstream's rule).
    """
    canary = rollout.canary
    if canary is None:
        return "", ""
    recorded = rollout.status.canary if rollout.status else None
    return stable_and_canary_services(
        canary, recorded.stable_ping_pong if recorded else None, ping_pong_preferred=ping_pong_preferred
    )
