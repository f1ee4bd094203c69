"""Defaults shared by the appliers: the Rollout and client they hold, and "nothing to do" for the
operations a router does not support (upstream's routers answer those with a no-op too)."""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting.router import RouterClient


class RouterBase:
    """Subclasses override what their proxy supports; the rest stays a no-op.

    ``verify_weight`` defaults to None: "this router cannot verify", which the reconciler treats
    as not blocking the step (upstream's contract).
    """

    def __init__(self, client: RouterClient, rollout: Rollout) -> None:
        self._client = client
        self._rollout = rollout

    async def update_hash(
        self, canary_hash: str, stable_hash: str, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        return None

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        return None

    async def set_mirror_route(self, route: SetMirrorRoute) -> None:
        return None

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        return None

    async def remove_managed_routes(self) -> None:
        return None
