"""Ambassador applier: create, re-weight and remove the canary Mappings (see :mod:`.ambassador_objects`).

Per base Mapping, for a desired weight ``w``:

* no canary Mapping and ``w == 0``: nothing to do;
* no canary Mapping and ``w > 0``: read the base (it must exist and have no weight), create
  ``<base>-canary`` at ``w``;
* a canary Mapping: merge-patch its ``spec.weight`` to ``w``; when ``w == 0``, wait
  :data:`PROPAGATION_DELAY` so that Ambassador has stopped sending traffic to it, then delete it.

Upstream's order and delay, kept on purpose: deleting the canary Mapping at once would drop the
canary's share onto whatever the proxy still had cached. The wait runs on the injected clock, once
per pass (not once per Mapping), after every Mapping is at 0. Every Mapping is attempted even when
one fails; the failures are reported together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.clock import Clock, SystemClock
from rollouts.k8s.errors import is_already_exists, is_not_found
from rollouts.trafficrouting import ambassador_objects as objects
from rollouts.trafficrouting.applying import get_or_none, patch_towards
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.resources import DEFAULT_AMBASSADOR_VERSION, ambassador_mappings
from rollouts.trafficrouting.router import RouterClient, TrafficRoutingError

TYPE = "Ambassador"
#: Seconds between setting a canary Mapping's weight to 0 and deleting it (upstream's value).
PROPAGATION_DELAY = 5.0


class AmbassadorRouter(RouterBase):
    def __init__(
        self,
        client: RouterClient,
        rollout: Rollout,
        api_version: str = DEFAULT_AMBASSADOR_VERSION,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(client, rollout)
        self._res = ambassador_mappings(api_version)
        self._clock: Clock = clock or SystemClock()

    def type(self) -> str:
        return TYPE

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        errors: list[Exception] = []
        to_delete: list[str] = []
        for base_name in objects.base_mapping_names(self._rollout):
            try:
                if await self._weigh(base_name, desired_weight) and desired_weight == 0:
                    to_delete.append(objects.canary_mapping_name(base_name))
            except Exception as err:  # every Mapping is attempted; reported together below
                errors.append(err)
        if to_delete:
            await self._clock.sleep(PROPAGATION_DELAY)
        for name in to_delete:
            try:
                await self._client.delete(self._res, name, self._rollout.namespace)
            except Exception as err:
                if not is_not_found(err):
                    errors.append(TrafficRoutingError(f'Error deleting canary mapping "{name}": {err}'))
        error = objects.format_errors(errors)
        if error is not None:
            raise error

    async def _weigh(self, base_name: str, desired_weight: int) -> bool:
        """Bring ``<base>-canary`` to the weight; whether a canary Mapping exists afterwards."""
        ns = self._rollout.namespace
        name = objects.canary_mapping_name(base_name)
        current = await get_or_none(self._client, self._res, name, ns)
        if current is None:
            if desired_weight == 0:
                return False
            base = await get_or_none(self._client, self._res, base_name, ns)
            if base is None:
                raise TrafficRoutingError(f'Ambassador mapping "{base_name}" not found')
            try:
                await self._client.create(
                    self._res, objects.canary_mapping(self._rollout, base, desired_weight), ns
                )
                return True
            except Exception as err:
                if not is_already_exists(err):
                    raise
            current = await self._client.get(self._res, name, ns)  # created concurrently: re-weigh it
        desired = objects.with_weight(current, desired_weight)
        await patch_towards(self._client, self._res, current, desired, ns, sections=("spec",))
        return True

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        """Every canary Mapping carries the weight (at 0, an absent canary Mapping counts too)."""
        for base_name in objects.base_mapping_names(self._rollout):
            name = objects.canary_mapping_name(base_name)
            live = await get_or_none(self._client, self._res, name, self._rollout.namespace)
            if not _carries(live, desired_weight):
                return False
        return True


def _carries(canary_mapping: dict[str, Any] | None, desired_weight: int) -> bool:
    if canary_mapping is None:
        return desired_weight == 0
    return objects.mapping_weight(canary_mapping) == desired_weight and generation_observed(canary_mapping)
