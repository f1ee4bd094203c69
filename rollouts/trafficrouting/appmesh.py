"""App Mesh applier: VirtualNode pod selectors in :meth:`update_hash`, VirtualRouter weighted
targets in :meth:`set_weight` (see :mod:`.appmesh_objects`).

The VirtualRouter is checked with upstream's reference rules (every route of a supported type
with exactly two weighted targets) before it is written; a failure is a TrafficRoutingError
with upstream's field error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.validation_references import validate_app_mesh_virtual_router
from rollouts.k8s.resources import Resource
from rollouts.trafficrouting import appmesh_objects as objects
from rollouts.trafficrouting.applying import get_or_none, patch_towards
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.resources import (
    DEFAULT_APP_MESH_VERSION,
    app_mesh_virtual_nodes,
    app_mesh_virtual_routers,
    app_mesh_virtual_services,
)
from rollouts.trafficrouting.router import RouterClient, TrafficRoutingError

TYPE = "AppMesh"


class AppMeshRouter(RouterBase):
    def __init__(
        self, client: RouterClient, rollout: Rollout, crd_version: str = DEFAULT_APP_MESH_VERSION
    ) -> None:
        super().__init__(client, rollout)
        self._services = app_mesh_virtual_services(crd_version)
        self._routers = app_mesh_virtual_routers(crd_version)
        self._nodes = app_mesh_virtual_nodes(crd_version)

    def type(self) -> str:
        return TYPE

    async def update_hash(
        self, canary_hash: str, stable_hash: str, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        refs = objects.app_mesh_refs(self._rollout)
        canary, stable = objects.node_hashes(canary_hash, stable_hash)
        for node_name, template_hash in ((refs.stable_node, stable), (refs.canary_node, canary)):
            current = await self._required(
                self._nodes, node_name, self._rollout.namespace, objects.VIRTUAL_NODE_MISSING
            )
            desired = objects.node_with_hash(self._rollout, current, template_hash)
            await patch_towards(
                self._client,
                self._nodes,
                current,
                desired,
                self._rollout.namespace,
                sections=("metadata.annotations", "spec"),
            )

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        current, namespace = await self._virtual_router()
        errors = validate_app_mesh_virtual_router(current)
        if errors:
            raise TrafficRoutingError(str(errors[0]))
        desired = objects.with_weights(self._rollout, current, desired_weight)
        await patch_towards(self._client, self._routers, current, desired, namespace, sections=("spec",))

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        live, _ = await self._virtual_router()
        return objects.carries_weights(self._rollout, live, desired_weight)

    async def _virtual_router(self) -> tuple[dict[str, Any], str]:
        refs = objects.app_mesh_refs(self._rollout)
        service = await self._required(
            self._services, refs.virtual_service, self._rollout.namespace, objects.VIRTUAL_SERVICE_MISSING
        )
        name, namespace = objects.virtual_router_ref(service)
        router = await self._required(self._routers, name, namespace, objects.VIRTUAL_ROUTER_MISSING)
        return router, namespace

    async def _required(self, res: Resource, name: str, namespace: str, missing: str) -> dict[str, Any]:
        found = await get_or_none(self._client, res, name, namespace)
        if found is None:
            raise TrafficRoutingError(f"{missing}: {res.kind} `{name}` not found in namespace `{namespace}`")
        return found
