"""ALB applier: merge-patch the annotations (and, for header routes, the paths) of each Ingress.

Weight verification needs the AWS API (target-group weights behind the load balancer); this
router does not call AWS, so :meth:`ALBRouter.verify_weight` answers None — "cannot verify" —
and ``status.canary.weights.verified`` stays unset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s.resources import INGRESSES
from rollouts.trafficrouting import alb_objects as objects
from rollouts.trafficrouting.applying import transform_object
from rollouts.trafficrouting.base import RouterBase

TYPE = "ALB"


class ALBRouter(RouterBase):
    def type(self) -> str:
        return TYPE

    async def set_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> None:
        await self._each(
            lambda i: objects.with_weight(self._rollout, i, desired_weight, additional_destinations),
            f"to desiredWeight '{desired_weight}'",
        )

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        await self._each(
            lambda i: objects.with_header_route(self._rollout, i, route), f"to headerRoute '{route.name}'"
        )

    async def remove_managed_routes(self) -> None:
        await self._each(
            lambda i: objects.without_managed_routes(self._rollout, i), "removing managed routes"
        )

    async def _each(self, transform: Callable[[dict[str, Any]], dict[str, Any]], change: str) -> None:
        ns = self._rollout.namespace
        for name in objects.ingress_names(self._rollout):
            if await transform_object(
                self._client, INGRESSES, name, ns, transform, sections=("metadata.annotations", "spec")
            ):
                self._record("PatchingALBIngress", f"Updating Ingress `{name}` {change}")
