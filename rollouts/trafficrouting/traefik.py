"""Traefik applier: merge-patch the weighted TraefikService's ``spec`` (see :mod:`.traefik_objects`).

Upstream reads the object and writes it back whole (Update); the merge patch here carries the
resourceVersion read, so a concurrent edit fails the same way (409) and is retried.
"""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.trafficrouting import traefik_objects as objects
from rollouts.trafficrouting.applying import transform_object
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.resources import DEFAULT_TRAEFIK_VERSION, traefik_services
from rollouts.trafficrouting.router import RouterClient

TYPE = "Traefik"


class TraefikRouter(RouterBase):
    def __init__(
        self,
        client: RouterClient,
        rollout: Rollout,
        api_version: str = DEFAULT_TRAEFIK_VERSION,
        api_group: str | None = None,
    ) -> None:
        super().__init__(client, rollout)
        self._res = traefik_services(api_version, api_group)

    def type(self) -> str:
        return TYPE

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        await transform_object(
            self._client,
            self._res,
            objects.traefik_service_name(self._rollout),
            self._rollout.namespace,
            lambda ts: objects.with_weights(self._rollout, ts, desired_weight),
            sections=("spec",),
        )

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        """Read back: the TraefikService carries the weights (Traefik reports no status to wait on)."""
        name = objects.traefik_service_name(self._rollout)
        live = await self._client.get(self._res, name, self._rollout.namespace)
        return objects.carries_weights(self._rollout, live, desired_weight)
