"""Defaults shared by the appliers: the Rollout and client they hold, the Events they owe the
Rollout, and "nothing to do" for the operations a router does not support (upstream's routers
answer those with a no-op too).

Events: an applier that changed an object records upstream's Event for it (:class:`RouterEvent`,
e.g. ``PatchingCanaryIngress``) in :attr:`RouterBase.events`; the Rollout reconciler emits them
after the pass (:mod:`rollouts.reconcilers.rollout_traffic`), so the routers stay free of the
Event API. Nothing is recorded when nothing was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting.router import RouterClient


@dataclass(frozen=True, slots=True)
class RouterEvent:
    type: str  # Normal | Warning
    reason: str
    message: str


class RouterBase:
    """Subclasses override what their proxy supports; the rest stays a no-op.

    ``verify_weight`` defaults to None: "this router cannot verify", which the reconciler treats
    as not blocking the step (upstream's contract).
    """

    def __init__(self, client: RouterClient, rollout: Rollout) -> None:
        self._client = client
        self._rollout = rollout
        #: Events about the Rollout, in the order of the writes (module docstring).
        self.events: list[RouterEvent] = []

    def _record(self, reason: str, message: str, event_type: str = "Normal") -> None:
        self.events.append(RouterEvent(event_type, reason, message))

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
