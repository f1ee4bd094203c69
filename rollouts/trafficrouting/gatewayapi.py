"""Gateway API applier: merge-patch each HTTPRoute's rules (and its managed-routes annotation)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting import gatewayapi_objects as objects
from rollouts.trafficrouting.applying import transform_object
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.resources import HTTP_ROUTES

TYPE = "GatewayAPI"
_PATCHED = ("metadata.annotations", "spec")


class GatewayAPIRouter(RouterBase):
    def type(self) -> str:
        return TYPE

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        await self._each(
            lambda r: objects.set_weights(self._rollout, r, desired_weight, additional_destinations)
        )

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        await self._each(lambda r: objects.set_header_route(self._rollout, r, route), headers_only=True)

    async def set_mirror_route(self, route: SetMirrorRoute) -> None:
        await self._each(lambda r: objects.set_mirror_route(self._rollout, r, route), headers_only=True)

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        for ref in objects.http_route_refs(self._rollout):
            live = await self._client.get(HTTP_ROUTES, ref.name, ref.namespace)
            if not objects.weights_match(self._rollout, live, desired_weight, additional_destinations):
                return False
        return True

    async def remove_managed_routes(self) -> None:
        await self._each(objects.remove_managed_routes)

    async def _each(
        self, transform: Callable[[dict[str, Any]], dict[str, Any]], *, headers_only: bool = False
    ) -> None:
        for ref in objects.http_route_refs(self._rollout):
            if headers_only and not ref.use_header_routes:
                continue
            await transform_object(
                self._client, HTTP_ROUTES, ref.name, ref.namespace, transform, sections=_PATCHED
            )
