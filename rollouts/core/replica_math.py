"""Replica arithmetic of the canary strategy, on plain integers.

Everything here is upstream's behaviour re-expressed over small value types, so it can be tested
exhaustively without a Rollout or ReplicaSet object:

* :func:`resolve_fenceposts` — maxSurge rounds up, maxUnavailable rounds down, both against
  ``spec.replicas``; when both resolve to zero, maxUnavailable becomes 1 (validation forbids both
  being written as zero, but rounding down can still produce it).
* :func:`approximate_weighted_counts` — the canary/stable split closest to a weight, over a total
  of R or (when surge is allowed) R+1 pods.
* :func:`basic_canary_counts` — the next desired scale of the canary and stable ReplicaSets of a
  canary without traffic routing, honouring maxSurge and maxUnavailable.
* :func:`traffic_routed_canary_counts` — the same for a traffic-routed canary, where the router
  (not the pod count) controls traffic, so the stable usually stays at full size.

Floating-point expressions are kept in the same shape as upstream's (IEEE doubles in both
languages) so that ties and roundings come out identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rollouts.api.common import int_or_percent
from rollouts.api.defaults import DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE


@dataclass(frozen=True, slots=True)
class ReplicaCounts:
    """What the replica math needs of one ReplicaSet: ``spec.replicas`` and ``status.availableReplicas``."""

    spec: int
    available: int = 0


def resolve_fenceposts(
    max_surge: int | str | None, max_unavailable: int | str | None, replicas: int
) -> tuple[int, int]:
    """(surge, unavailable) for ``replicas``; ``None`` is 0 (callers apply defaults).

    Invariant: the result is never (0, 0) — a rollout must be able to make progress.
    """
    surge = int_or_percent(max_surge if max_surge is not None else 0, replicas, round_up=True)
    unavailable = int_or_percent(
        max_unavailable if max_unavailable is not None else 0, replicas, round_up=False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def canary_max_surge(max_surge: int | str | None, max_unavailable: int | str | None, replicas: int) -> int:
    """Resolved canary maxSurge; ``None`` arguments take upstream's default of 25%."""
    surge, _ = resolve_fenceposts(
        _surge_or_default(max_surge), _unavailable_or_default(max_unavailable), replicas
    )
    return surge


def canary_max_unavailable(
    max_surge: int | str | None, max_unavailable: int | str | None, replicas: int
) -> int:
    """Resolved canary maxUnavailable, capped at ``replicas`` (0 when there are no replicas)."""
    if replicas == 0:
        return 0
    _, unavailable = resolve_fenceposts(
        _surge_or_default(max_surge), _unavailable_or_default(max_unavailable), replicas
    )
    return min(unavailable, replicas)


def bluegreen_max_unavailable(max_unavailable: int | str | None, replicas: int) -> int:
    """Blue-green maxUnavailable (used only to pace restarts): no fencepost rule, capped at ``replicas``."""
    if replicas == 0:
        return 0
    return min(int_or_percent(_unavailable_or_default(max_unavailable), replicas, round_up=False), replicas)


# ``None`` (unset) takes the API's defaults; planners pass values already resolved through
# ``rollouts.api.defaults``, these keep direct callers on the same single source.
def _surge_or_default(value: int | str | None) -> int | str:
    return DEFAULT_MAX_SURGE if value is None else value


def _unavailable_or_default(value: int | str | None) -> int | str:
    return DEFAULT_MAX_UNAVAILABLE if value is None else value


def traffic_weight_to_replicas(replicas: int, weight: int, max_weight: int) -> int:
    """Pods (rounded up) to serve ``weight`` of ``max_weight`` of the traffic of ``replicas`` pods."""
    return math.ceil(float(weight) * float(replicas) / float(max_weight))


# ---------------------------------------------------------------------------------------------
# basic canary: the pod counts are the traffic split


def _floor_ceiling_tied(weight: int, max_weight: int, total: int) -> bool:
    # Both neighbours of total*weight/max are equally far from it (e.g. 3 pods at 50%).
    frac, _ = math.modf(float(total) * (float(weight) / float(max_weight)))
    return frac == 0.5


def _weight_delta(weight: int, max_weight: int, canary: int, total: int) -> float:
    return abs(float(canary * max_weight) / float(total) - float(weight))


def approximate_weighted_counts(
    replicas: int, weight: int, max_weight: int, max_surge: int
) -> tuple[int, int]:
    """(canary, stable) whose ratio is closest to ``weight``; the two sum to R, or R+1 when surging helps.

    For 0 < weight < max, neither side is zero unless R == 1 and no surge is allowed. The candidates
    are tried in a fixed order (ceil over R, floor over R, ceil over R+1, floor over R+1) and the
    first one with the smallest distance wins; a floor/ceil tie drops the floor, so ties go up.
    """
    if replicas == 0:
        return 0, 0
    exact = float(replicas * weight) / float(max_weight)
    ceil_count, floor_count = math.ceil(exact), math.floor(exact)
    zero_allowed = weight in (0, max_weight) or (replicas == 1 and max_surge == 0)

    options: list[tuple[int, int]] = []  # (canary, total)
    if ceil_count < replicas or zero_allowed:
        options.append((ceil_count, replicas))
    if not _floor_ceiling_tied(weight, max_weight, replicas) and (floor_count != 0 or zero_allowed):
        options.append((floor_count, replicas))
    if max_surge > 0:
        options.append((ceil_count, replicas + 1))
        if not _floor_ceiling_tied(weight, max_weight, replicas + 1) and (floor_count != 0 or zero_allowed):
            options.append((floor_count, replicas + 1))
    if not options:  # unreachable for valid inputs; keep everything on stable
        return 0, replicas

    best, best_delta = options[0], _weight_delta(weight, max_weight, *options[0])
    for option in options[1:]:
        delta = _weight_delta(weight, max_weight, *option)
        if delta < best_delta:
            best, best_delta = option, delta
    return best[0], best[1] - best[0]


def _replicas_for_scale_down(rs: ReplicaCounts | None, ignore_availability: bool) -> int:
    # Pods of ``rs`` that may count towards availability when deciding how much can be removed.
    # A ReplicaSet already shrinking (spec < available) only counts its spec: the surplus is going.
    if rs is None:
        return 0
    if rs.spec < rs.available or ignore_availability:
        return rs.spec
    return rs.available


def _drain_towards(rs: ReplicaCounts | None, desired: int, scale_down: int, current: int) -> int:
    if rs is not None and rs.spec > desired:
        return max(desired, rs.spec - scale_down)
    return current


def _adjust_within_limits(
    drain_rs: ReplicaCounts | None,
    adjust_rs: ReplicaCounts | None,
    drain_count: int,
    adjust_count: int,
    max_total: int,
    min_available: int,
) -> tuple[int, int]:
    """Trim ``adjust_count`` to respect maxSurge, give back what availability needs, trim ``drain_count``."""
    if adjust_rs is None:
        return drain_count, adjust_count
    over = max(0, adjust_count + drain_count - max_total)
    available = min(drain_rs.available, drain_count) if drain_rs is not None else 0
    adjust_count -= over
    available += min(adjust_rs.available, adjust_count)
    lost_by_trim = max(0, adjust_rs.available - adjust_count)
    still_needed = max(0, min_available - available)
    adjust_count += min(lost_by_trim, still_needed)
    drain_count -= max(0, adjust_count + drain_count - max_total)
    return drain_count, adjust_count


def basic_canary_counts(
    *,
    replicas: int,
    weight: int,
    max_weight: int,
    max_surge: int,
    max_unavailable: int,
    new: ReplicaCounts | None,
    stable: ReplicaCounts | None,
    others: Sequence[ReplicaCounts] = (),
) -> tuple[int, int]:
    """Next (new, stable) ``spec.replicas`` of a canary without traffic routing.

    ``stable`` is None when there is no stable ReplicaSet or it *is* the new one; then the new
    ReplicaSet simply heads for ``replicas``. ``others`` are the remaining ReplicaSets; while any of
    them has pods, only scale-ups happen here (the others are drained first, elsewhere).

    Scale-up budget: replicas + maxSurge - Σ spec, spent on stable first, then on new.
    Scale-down budget: pods counted available - (replicas - maxUnavailable), where the ReplicaSet
    being drained is counted by spec (its pods may be crash-looping and must still be removable).
    """
    desired_new, desired_stable = approximate_weighted_counts(replicas, weight, max_weight, max_surge)
    new_count = new.spec if new is not None else 0
    stable_count = 0
    if stable is not None:
        stable_count = stable.spec
    else:
        desired_new, desired_stable = replicas, 0

    max_total = replicas + max_surge
    total = sum(rs.spec for rs in others) + new_count + (stable.spec if stable is not None else 0)
    scale_up = max_total - total

    if stable is not None and stable.spec < desired_stable and scale_up > 0:
        if stable.spec + scale_up < desired_stable:
            stable_count, scale_up = stable.spec + scale_up, 0
        else:
            stable_count = desired_stable
            scale_up -= desired_stable - stable.spec
    if new is not None and new.spec < desired_new and scale_up > 0:
        new_count = min(new.spec + scale_up, desired_new)

    if sum(rs.spec for rs in others) > 0:
        return new_count, stable_count

    min_available = replicas - max_unavailable
    # Growing the canary drains stable (whose availability we may ignore); shrinking it (abort)
    # drains the canary.
    increasing = new is None or desired_new >= new.spec
    counted = _replicas_for_scale_down(new, not increasing) + _replicas_for_scale_down(stable, increasing)
    if counted <= min_available:
        return new_count, stable_count
    scale_down = counted - min_available
    if not increasing:
        new_count = _drain_towards(new, desired_new, scale_down, new_count)
        new_count, stable_count = _adjust_within_limits(
            new, stable, new_count, stable_count, max_total, min_available
        )
    elif stable is not None:
        stable_count = _drain_towards(stable, desired_stable, scale_down, stable_count)
        stable_count, new_count = _adjust_within_limits(
            stable, new, stable_count, new_count, max_total, min_available
        )
    return new_count, stable_count


# ---------------------------------------------------------------------------------------------
# traffic-routed canary: the router splits traffic, pods only need to be able to serve it


def min_pods_per_replica_set(count: int, minimum: int | None, replicas: int) -> int:
    """A non-zero count raised to ``minPodsPerReplicaSet`` (itself capped at ``replicas``)."""
    if count == 0 or minimum is None:
        return count
    return max(count, min(minimum, replicas))


@dataclass(frozen=True, slots=True)
class CurrentWeights:
    """The weights last written to the router (``status.canary.weights``)."""

    canary: int
    stable: int


def traffic_routed_canary_counts(
    *,
    replicas: int,
    weight: int,
    max_weight: int,
    canary_scale_replicas: int | None = None,
    dynamic_stable_scale: bool = False,
    min_pods: int | None = None,
    current_weights: CurrentWeights | None = None,
    aborted: bool = False,
) -> tuple[int, int]:
    """(canary, stable) desired counts with traffic routing.

    ``canary_scale_replicas`` is an explicit ``setCanaryScale.replicas`` (used as is). Without
    dynamicStableScale the stable stays at ``replicas``. With it, stable covers the larger of the
    desired and the currently routed stable weight (it must not shrink before traffic leaves it),
    and on abort the canary likewise keeps what the router still sends it.
    ``min_pods`` (minPodsPerReplicaSet) applies only when the caller has traffic routing.
    """
    if canary_scale_replicas is not None:
        canary = canary_scale_replicas
    else:
        canary = min_pods_per_replica_set(
            traffic_weight_to_replicas(replicas, weight, max_weight), min_pods, replicas
        )
    if not dynamic_stable_scale:
        return canary, replicas
    stable = traffic_weight_to_replicas(replicas, max_weight - weight, max_weight)
    if current_weights is not None:
        stable = max(stable, traffic_weight_to_replicas(replicas, current_weights.stable, max_weight))
        if aborted:
            canary = max(canary, traffic_weight_to_replicas(replicas, current_weights.canary, max_weight))
    return (
        min_pods_per_replica_set(canary, min_pods, replicas),
        min_pods_per_replica_set(stable, min_pods, replicas),
    )
