"""SMI applier: create the TrafficSplit (owned by the Rollout) or patch its spec."""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.trafficrouting import smi_objects as objects
from rollouts.trafficrouting.applying import get_or_none, patch_towards
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.ownership import controlled_by
from rollouts.trafficrouting.resources import DEFAULT_SMI_VERSION, traffic_splits
from rollouts.trafficrouting.router import RouterClient, TrafficRoutingError

TYPE = "SMI"


class SMIRouter(RouterBase):
    def __init__(
        self, client: RouterClient, rollout: Rollout, api_version: str = DEFAULT_SMI_VERSION
    ) -> None:
        super().__init__(client, rollout)
        self._version = api_version
        self._res = traffic_splits(api_version)

    def type(self) -> str:
        return TYPE

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        ns = self._rollout.namespace
        desired = objects.desired_traffic_split(
            self._rollout, desired_weight, additional_destinations, self._version
        )
        name = desired["metadata"]["name"]
        current = await get_or_none(self._client, self._res, name, ns)
        if current is None:
            try:
                await self._client.create(self._res, desired, ns)
            except Exception as err:
                message = f"TrafficSplit `{name}` failed creation: {err}"
                self._record("TrafficSplitNotCreated", message, "Warning")
                raise
            self._record("TrafficSplitCreated", f"TrafficSplit `{name}` created")
            return
        if not controlled_by(current, self._rollout):
            raise TrafficRoutingError(f"Rollout does not own TrafficSplit `{name}`")
        await patch_towards(self._client, self._res, current, desired, ns, sections=("spec",))

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        live = await get_or_none(
            self._client, self._res, objects.traffic_split_name(self._rollout), self._rollout.namespace
        )
        return live is not None and objects.carries_weights(
            live, self._rollout, desired_weight, additional_destinations
        )
