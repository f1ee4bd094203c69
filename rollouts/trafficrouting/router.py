"""The interface every traffic router implements, and the client it needs.

The Rollout reconciler holds one :class:`TrafficRouter` per configured router and calls, in each
reconcile: ``update_hash`` (routers that split by pod-template-hash), ``set_weight``, then
``set_header_route`` / ``set_mirror_route`` for the current step, ``verify_weight`` before the
step completes, and ``remove_managed_routes`` when the rollout is fully promoted or aborted.
The method set mirrors upstream's TrafficRoutingReconciler so the two behave step for step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.k8s.client import PatchType
from rollouts.k8s.resources import Resource


class TrafficRoutingError(Exception):
    """A router cannot bring its objects to the desired state (bad reference, foreign owner …).

    The message is written for the Rollout's ``TrafficRoutingError`` event and condition.
    """


class RouterClient(Protocol):
    """The subset of :class:`rollouts.k8s.KubeClient` the appliers use (a fake records calls)."""

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]: ...

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]: ...

    async def replace(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]: ...

    async def patch(
        self,
        res: Resource,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: PatchType = "merge",
    ) -> dict[str, Any]: ...

    async def delete(
        self, res: Resource, name: str, namespace: str | None = None, *, resource_version: str | None = None
    ) -> None:
        """Delete; ``resource_version`` is a precondition (409 when the object changed since read)."""
        ...


class TrafficRouter(Protocol):
    def type(self) -> str:
        """Upstream's router type name (``Nginx``, ``Istio``, ``SMI``, ``ALB``, ``GatewayAPI``)."""
        ...

    async def update_hash(
        self, canary_hash: str, stable_hash: str, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        """Point hash-based splits (Istio DestinationRule subsets) at the current ReplicaSets."""
        ...

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None: ...

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        """Add (``match`` set) or remove (``match`` omitted) a managed header route."""
        ...

    async def set_mirror_route(self, route: SetMirrorRoute) -> None:
        """Add (``match`` set) or remove (``match`` omitted) a managed mirror route."""
        ...

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        """Read the objects back: True when they carry the weights; None when this router cannot tell."""
        ...

    async def remove_managed_routes(self) -> None: ...
