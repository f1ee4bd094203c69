"""Istio applier: read each VirtualService, transform it (:mod:`.istio_objects`), merge-patch the
changed ``spec``; DestinationRule subsets follow the ReplicaSet hashes in :meth:`update_hash`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.api.traffic_routing import IstioVirtualService
from rollouts.trafficrouting import istio_objects as objects
from rollouts.trafficrouting.applying import patch_towards, transform_object
from rollouts.trafficrouting.base import RouterBase
from rollouts.trafficrouting.resources import DEFAULT_ISTIO_VERSION, destination_rules, virtual_services
from rollouts.trafficrouting.router import RouterClient

TYPE = "Istio"

Transform = Callable[[IstioVirtualService, dict[str, Any]], dict[str, Any]]


class IstioRouter(RouterBase):
    def __init__(
        self, client: RouterClient, rollout: Rollout, api_version: str = DEFAULT_ISTIO_VERSION
    ) -> None:
        super().__init__(client, rollout)
        self._vs = virtual_services(api_version)
        self._dr = destination_rules(api_version)

    def type(self) -> str:
        return TYPE

    async def update_hash(
        self, canary_hash: str, stable_hash: str, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        dr_ref = objects.istio_config(self._rollout).destination_rule
        if dr_ref is None or not dr_ref.name:
            return None
        name, ns = objects.split_name(dr_ref.name, self._rollout.namespace)
        current = await self._client.get(self._dr, name, ns)
        desired = objects.destination_rule_with_hashes(
            self._rollout, current, canary_hash, stable_hash, additional_destinations
        )
        if await patch_towards(
            self._client, self._dr, current, desired, ns, sections=("metadata.annotations", "spec")
        ):
            self._record(
                "UpdatedDestinationRule",
                f"DestinationRule {name} subset updated ({dr_ref.canary_subset_name}: {canary_hash}, "
                f"{dr_ref.stable_subset_name}: {stable_hash})",
            )

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        await self._each(
            lambda ref, vs: objects.set_weights(
                self._rollout, ref, vs, desired_weight, additional_destinations
            ),
            f"set to desiredWeight '{desired_weight}'",
        )

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        host = await self._destination_rule_host()
        await self._each(
            lambda ref, vs: objects.set_header_route(self._rollout, ref, vs, route, host),
            f"set headerRoute '{route.name}'",
        )

    async def set_mirror_route(self, route: SetMirrorRoute) -> None:
        host = await self._destination_rule_host()
        await self._each(
            lambda ref, vs: objects.set_mirror_route(self._rollout, ref, vs, route, host),
            f"set mirrorRoute '{route.name}'",
        )

    async def _destination_rule_host(self) -> str | None:
        """Managed routes address the DestinationRule's host when one is configured."""
        dr_ref = objects.istio_config(self._rollout).destination_rule
        if dr_ref is None or not dr_ref.name:
            return None
        name, ns = objects.split_name(dr_ref.name, self._rollout.namespace)
        rule = await self._client.get(self._dr, name, ns)
        host = (rule.get("spec") or {}).get("host")
        return str(host) if host else None

    async def remove_managed_routes(self) -> None:
        await self._each(
            lambda ref, vs: objects.remove_managed_routes(self._rollout, vs), "removed all managed routes."
        )

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        """Every VirtualService, read back now, carries the weights (Istio has no observedGeneration)."""
        for ref in objects.virtual_service_refs(self._rollout):
            name, ns = objects.split_name(ref.name or "", self._rollout.namespace)
            live = await self._client.get(self._vs, name, ns)
            if not objects.weights_match(self._rollout, ref, live, desired_weight, additional_destinations):
                return False
        return True

    async def _each(self, transform: Transform, change: str) -> None:
        for ref in objects.virtual_service_refs(self._rollout):
            name, ns = objects.split_name(ref.name or "", self._rollout.namespace)
            if await transform_object(
                self._client, self._vs, name, ns, partial(transform, ref), sections=("spec",)
            ):
                # upstream's reason has the space
                self._record("Updated VirtualService", f"VirtualService `{name}` {change}")
