"""APISIX applier: merge-patch the main ApisixRoute's backends; create, update and delete the
header-route ApisixRoutes the Rollout owns (see :mod:`.apisix_objects`)."""

from __future__ import annotations

from rollouts.api.rollout import Rollout
from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s.errors import is_not_found
from rollouts.trafficrouting import apisix_objects as objects
from rollouts.trafficrouting.applying import get_or_none, patch_towards
from rollouts.trafficrouting.config import managed_route_names
from rollouts.trafficrouting.one_object import OneObjectRouter
from rollouts.trafficrouting.ownership import controlled_by
from rollouts.trafficrouting.resources import APISIX_ROUTES
from rollouts.trafficrouting.router import RouterClient, TrafficRoutingError

TYPE = "Apisix"


class ApisixRouter(OneObjectRouter):
    def __init__(self, client: RouterClient, rollout: Rollout) -> None:
        super().__init__(
            client, rollout, APISIX_ROUTES, objects.route_name, objects.with_weights, objects.carries_weights
        )

    def type(self) -> str:
        return TYPE

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        ns = self._rollout.namespace
        main = await self._client.get(APISIX_ROUTES, objects.route_name(self._rollout), ns)
        name = route.name or ""
        existing = await get_or_none(self._client, APISIX_ROUTES, name, ns)
        if existing is not None and not controlled_by(existing, self._rollout):
            raise TrafficRoutingError(f"duplicate ApisixRoute [{name}] already exists")
        if not route.match:
            if existing is not None:
                await self._delete(name, existing)
            return
        desired = objects.header_route(self._rollout, main, existing, route)
        if existing is None:
            await self._client.create(APISIX_ROUTES, desired, ns)
        else:
            await patch_towards(self._client, APISIX_ROUTES, existing, desired, ns, sections=("spec",))

    async def remove_managed_routes(self) -> None:
        """Delete every ``managedRoutes`` ApisixRoute this Rollout owns (others are left alone)."""
        for name in managed_route_names(self._rollout):
            existing = await get_or_none(self._client, APISIX_ROUTES, name, self._rollout.namespace)
            if existing is not None and controlled_by(existing, self._rollout):
                await self._delete(name, existing)

    async def _delete(self, name: str, existing: dict[str, object]) -> None:
        meta = existing.get("metadata")
        version = meta.get("resourceVersion") if isinstance(meta, dict) else None
        try:
            await self._client.delete(
                APISIX_ROUTES,
                name,
                self._rollout.namespace,
                resource_version=str(version) if version else None,
            )
        except Exception as err:
            if not is_not_found(err):
                raise
