"""Weight arithmetic shared by the routers, and the ``status.canary.weights`` value.

Invariant (upstream's, kept on purpose): the stable share is ``100 - canary - Σ additional``,
never ``maxTrafficWeight - …``; only NGINX scales by ``canary-weight-total``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.api.rollout_status import TrafficWeights, WeightDestination

FULL_WEIGHT = 100


def additional_total(additional_destinations: Sequence[WeightDestination]) -> int:
    return sum(d.weight or 0 for d in additional_destinations)


def stable_weight(desired_weight: int, additional_destinations: Sequence[WeightDestination] = ()) -> int:
    """The stable backend's share; never negative even if the inputs over-commit."""
    return max(0, FULL_WEIGHT - desired_weight - additional_total(additional_destinations))


def traffic_weights(
    *,
    canary_weight: int,
    canary_service: str,
    canary_hash: str,
    stable_service: str,
    stable_hash: str,
    additional_destinations: Sequence[WeightDestination] = (),
    verified: bool | None = None,
) -> TrafficWeights:
    """``status.canary.weights``: canary, stable (the remainder) and the experiment destinations."""
    additional = [d.model_copy() for d in additional_destinations]
    return TrafficWeights(
        canary=WeightDestination(
            weight=canary_weight, service_name=canary_service, pod_template_hash=canary_hash
        ),
        stable=WeightDestination(
            weight=stable_weight(canary_weight, additional_destinations),
            service_name=stable_service,
            pod_template_hash=stable_hash,
        ),
        additional=additional or None,
        verified=verified,
    )
