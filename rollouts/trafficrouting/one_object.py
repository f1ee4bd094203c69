"""Routers whose whole split lives in one named object of the Rollout's namespace (Traefik's
weighted TraefikService, APISIX's ApisixRoute): set the weights by merge-patching its ``spec``,
verify them by reading it back. The router's pure module supplies the three functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.k8s.resources import Resource
from rollouts.trafficrouting.applying import transform_object
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.router import RouterClient

#: (rollout, object, desired weight) -> the object with the weights / whether it carries them.
WithWeights = Callable[[Rollout, dict[str, Any], int], dict[str, Any]]
CarriesWeights = Callable[[Rollout, dict[str, Any], int], bool]


class OneObjectRouter(RouterBase):
    def __init__(
        self,
        client: RouterClient,
        rollout: Rollout,
        res: Resource,
        name_of: Callable[[Rollout], str],
        with_weights: WithWeights,
        carries_weights: CarriesWeights,
    ) -> None:
        super().__init__(client, rollout)
        self._res = res
        self._name_of = name_of
        self._with_weights = with_weights
        self._carries_weights = carries_weights

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        await transform_object(
            self._client,
            self._res,
            self._name_of(self._rollout),
            self._rollout.namespace,
            lambda obj: self._with_weights(self._rollout, obj, desired_weight),
            sections=("spec",),
        )

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        live = await self._client.get(self._res, self._name_of(self._rollout), self._rollout.namespace)
        return self._carries_weights(self._rollout, live, desired_weight)
