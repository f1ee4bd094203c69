"""ALB applier: merge-patch the annotations (and, for header routes, the paths) of each Ingress.

Weight verification: upstream asks the AWS API for the target-group weights behind the load
balancer (behind its ``--alb-verify-weight`` flag). This controller does not call AWS; instead
:meth:`ALBRouter.verify_weight` reads every Ingress back and confirms that its action annotation
holds the forward action for the desired weights (the AWS Load Balancer Controller reconciles
from that annotation, and reports no generation to check). So unlike upstream without its flag,
``status.canary.weights.verified`` is set for ALB, and a scale-down waits while someone else's
write has replaced our weights (:mod:`rollouts.reconcilers.weight_verification`).
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

    async def verify_weight(
        self, desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()
    ) -> bool | None:
        ns = self._rollout.namespace
        for name in objects.ingress_names(self._rollout):
            live = await self._client.get(INGRESSES, name, ns)
            if not objects.weights_match(self._rollout, live, desired_weight, additional_destinations):
                return False
        return True

    async def _each(self, transform: Callable[[dict[str, Any]], dict[str, Any]], change: str) -> None:
        ns = self._rollout.namespace
        for name in objects.ingress_names(self._rollout):
            if await transform_object(
                self._client, INGRESSES, name, ns, transform, sections=("metadata.annotations", "spec")
            ):
                self._record("PatchingALBIngress", f"Updating Ingress `{name}` {change}")
