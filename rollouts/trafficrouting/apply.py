"""One call for the Rollout reconciler: drive every configured router through a reconcile.

Order per router, as upstream's reconcileTrafficRouting: remove managed routes (when the rollout
is fully promoted or aborted), point hash-based splits at the ReplicaSets, set the weight, apply
the current step's header / mirror route, then read back. The routers run one after another:
a failure stops the pass with the router's TrafficRoutingError (or the API error) so that the
reconciler records it and retries; nothing is left running in the background.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting.router import TrafficRouter


@dataclass(frozen=True)
class TrafficRequest:
    canary_weight: int
    canary_hash: str
    stable_hash: str
    additional_destinations: Sequence[WeightDestination] = ()
    #: The current step's setHeaderRoute / setMirrorRoute, if it is one.
    header_route: SetHeaderRoute | None = None
    mirror_route: SetMirrorRoute | None = None
    #: Fully promoted or aborted: drop every managed route first.
    remove_managed_routes: bool = False
    verify: bool = True


async def apply_traffic(routers: Sequence[TrafficRouter], request: TrafficRequest) -> bool | None:
    """Apply ``request`` to every router; the combined verification result.

    True when every router that can verify confirmed the weights, False when one did not,
    None when no router can verify (or ``verify`` is off).
    """
    verdicts: list[bool] = []
    for router in routers:
        if request.remove_managed_routes:
            await router.remove_managed_routes()
        await router.update_hash(request.canary_hash, request.stable_hash, request.additional_destinations)
        await router.set_weight(request.canary_weight, request.additional_destinations)
        if request.header_route is not None:
            await router.set_header_route(request.header_route)
        if request.mirror_route is not None:
            await router.set_mirror_route(request.mirror_route)
        if request.verify:
            verdict = await router.verify_weight(request.canary_weight, request.additional_destinations)
            if verdict is not None:
                verdicts.append(verdict)
    return all(verdicts) if verdicts else None
