"""NGINX applier: create or patch each canary Ingress from its stable Ingress (see :mod:`.nginx_objects`)."""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s.errors import is_already_exists
from rollouts.k8s.resources import INGRESSES
from rollouts.trafficrouting import nginx_objects as objects
from rollouts.trafficrouting.applying import get_or_none, patch_towards
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.ownership import controlled_by
from rollouts.trafficrouting.router import RouterClient, TrafficRoutingError

TYPE = "Nginx"
_PATCHED = ("metadata.annotations", "spec")


class NginxRouter(RouterBase):
    def __init__(self, client: RouterClient, rollout: Rollout) -> None:
        super().__init__(client, rollout)
        self._prefix = objects.annotation_prefix(rollout)

    def type(self) -> str:
        return TYPE

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        for stable_name in objects.stable_ingress_names(self._rollout):
            await self._reconcile(stable_name, desired_weight=desired_weight)

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        header = objects.header_annotations(self._prefix, route)
        for stable_name in objects.stable_ingress_names(self._rollout):
            await self._reconcile(stable_name, header=header)

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        """Every canary Ingress exists and carries ``canary-weight: <desired>``."""
        for stable_name in objects.stable_ingress_names(self._rollout):
            name = objects.canary_ingress_name(self._rollout.name, stable_name)
            current = await get_or_none(self._client, INGRESSES, name, self._rollout.namespace)
            if current is None or objects.canary_weight_of(current, self._prefix) != desired_weight:
                return False
        return True

    async def remove_managed_routes(self) -> None:
        for stable_name in objects.stable_ingress_names(self._rollout):
            await self._reconcile(stable_name, header={})

    async def _reconcile(
        self, stable_name: str, *, desired_weight: int | None = None, header: dict[str, str] | None = None
    ) -> None:
        """Bring one canary Ingress to the weight/header given; ``None`` keeps the current value."""
        ns = self._rollout.namespace
        stable = await get_or_none(self._client, INGRESSES, stable_name, ns)
        if stable is None:
            raise TrafficRoutingError(f"error retrieving stableIngress `{stable_name}`: not found")
        name = objects.canary_ingress_name(self._rollout.name, stable_name)
        current = await get_or_none(self._client, INGRESSES, name, ns)
        if current is None and desired_weight is None and not header:
            return  # nothing to remove from an Ingress that does not exist
        weight = desired_weight
        if weight is None:
            weight = (objects.canary_weight_of(current, self._prefix) or 0) if current else 0
        if header is None:
            header = objects.current_header_annotations(current, self._prefix)
        desired = objects.desired_canary_ingress(self._rollout, stable, weight, header)
        if current is None:
            try:
                await self._client.create(INGRESSES, desired, ns)
                message = f"Creating canary ingress `{name}` with weight `{weight}`"
                self._record("CreatingCanaryIngress", message)
                return
            except Exception as err:
                if not is_already_exists(err):
                    raise
            current = await self._client.get(INGRESSES, name, ns)  # created concurrently: patch it
        if not controlled_by(current, self._rollout):
            raise TrafficRoutingError(f"canary ingress `{name}` controlled by different object")
        if await patch_towards(self._client, INGRESSES, current, desired, ns, sections=_PATCHED):
            self._record("PatchingCanaryIngress", f"Updating Ingress `{name}` to desiredWeight '{weight}'")
