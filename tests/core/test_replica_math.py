"""Replica math against upstream's documented numbers, plus safety properties over random inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.core.replica_math import (
    CurrentWeights,
    ReplicaCounts,
    approximate_weighted_counts,
    basic_canary_counts,
    bluegreen_max_unavailable,
    canary_max_surge,
    canary_max_unavailable,
    resolve_fenceposts,
    traffic_routed_canary_counts,
)


@pytest.mark.parametrize(
    ("surge", "unavailable", "replicas", "expected"),
    [
        ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailable down
        ("0%", "0%", 10, (0, 1)),  # both zero after rounding -> unavailable 1
        ("10%", "10%", 3, (1, 0)),
        (0, "10%", 3, (0, 1)),
        (2, 0, 10, (2, 0)),
        ("25", "25", 4, (1, 1)),  # a bare number string is a percentage, as upstream reads its defaults
        (None, None, 5, (0, 1)),
    ],
)
def test_resolve_fenceposts(
    surge: int | str | None, unavailable: int | str | None, replicas: int, expected: tuple[int, int]
) -> None:
    assert resolve_fenceposts(surge, unavailable, replicas) == expected


def test_defaults_and_caps() -> None:
    assert canary_max_surge(None, None, 10) == 3
    assert canary_max_unavailable(None, None, 10) == 2
    assert canary_max_unavailable(None, 50, 10) == 10  # capped at replicas
    assert canary_max_unavailable(None, None, 0) == 0
    assert bluegreen_max_unavailable("0%", 10) == 0  # no fencepost rule for blue-green
    assert bluegreen_max_unavailable(None, 8) == 2


def test_bad_percentage_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="invalid value"):
        resolve_fenceposts("lots", 0, 3)


@pytest.mark.parametrize(
    ("replicas", "weight", "surge", "expected"),
    [
        (1, 1, 0, (0, 1)),
        (1, 50, 0, (1, 0)),
        (1, 1, 1, (1, 1)),
        (2, 1, 0, (1, 1)),
        (2, 1, 1, (1, 2)),
        (2, 99, 1, (2, 1)),
        (3, 25, 0, (1, 2)),
        (3, 50, 0, (2, 1)),
        (3, 10, 1, (1, 3)),
        (3, 49, 1, (2, 2)),
        (10, 14, 0, (1, 9)),
        (10, 15, 0, (2, 8)),
        (10, 1, 1, (1, 10)),
        (10, 24, 1, (3, 8)),
        (10, 99, 1, (10, 1)),
        (0, 50, 1, (0, 0)),
        (10, 0, 1, (0, 10)),
        (10, 100, 1, (10, 0)),
    ],
)
def test_approximate_weighted_counts(
    replicas: int, weight: int, surge: int, expected: tuple[int, int]
) -> None:
    assert approximate_weighted_counts(replicas, weight, 100, surge) == expected


# (R, weight, surge, unavailable, stable spec/avail, canary spec/avail, older) -> (canary, stable)
BASIC_CASES = [
    (10, 10, 1, 1, (10, 10), (0, 0), None, (1, 9)),
    (10, 30, 3, 0, (10, 10), (0, 0), None, (3, 10)),
    (10, 30, 0, 5, (10, 10), (0, 0), None, (0, 7)),
    (1, 5, 1, 0, (1, 1), (0, 0), None, (1, 1)),
    (1, 95, 1, 0, (1, 1), (0, 0), None, (1, 1)),
    (10, 100, 3, 0, (7, 8), (6, 3), None, (6, 7)),
    (10, 20, 2, 0, (10, 10), (0, 0), None, (2, 10)),
    (10, 20, 2, 0, (10, 10), (2, 2), None, (2, 8)),
    (10, 30, 2, 0, (10, 10), (0, 0), None, (2, 10)),
    (10, 20, 0, 2, (10, 10), (0, 0), None, (0, 8)),
    (10, 50, 2, 1, (10, 10), (0, 0), None, (2, 9)),
    (10, 0, 1, 1, (10, 10), (1, 1), None, (0, 10)),  # weight 0 removes the canary
    (10, 100, 1, 1, (1, 1), (10, 10), None, (10, 0)),
    (1, 20, 1, 0, (1, 1), (0, 0), None, (1, 1)),
    (1, 49, 0, 1, (1, 1), (0, 0), None, (0, 1)),
    (1, 51, 0, 1, (1, 1), (0, 0), None, (0, 0)),
    (1, 51, 0, 1, (0, 0), (0, 0), None, (1, 0)),
    (10, 30, 1, 0, (1, 1), (0, 0), (3, 3), (1, 7)),  # older pods: only scale up
    (10, 30, 0, 3, (8, 5), (4, 4), None, (3, 7)),
    (10, 100, 1, 0, (10, 2), (10, 8), None, (9, 2)),
    (10, 30, 0, 1, (8, 6), (4, 2), (3, 3), (4, 8)),
    (10, 5, 0, 1, (10, 10), (0, 0), None, (0, 9)),  # never round past maxSurge
    (10, 5, 0, 1, (9, 9), (0, 0), None, (1, 9)),
    (4, 100, 1, 0, (4, 1), (0, 0), None, (1, 4)),  # surge honoured while stable is unavailable
    (3, 99, 0, 2, (3, 3), (0, 0), None, (0, 1)),  # scale down within maxUnavailable, no surge
    (3, 99, 0, 2, (1, 1), (0, 0), None, (2, 1)),
    (4, 100, 1, 0, (4, 1), (1, 1), None, (1, 3)),  # unavailable stable still drained by one
    (4, 0, 1, 0, (0, 0), (4, 4), None, (4, 1)),  # reducing weight: surge stable first
    (4, 0, 1, 0, (1, 0), (4, 4), None, (4, 1)),  # ... and wait for it
    (4, 0, 1, 0, (1, 1), (4, 4), None, (3, 1)),  # ... then drain the canary by one
    (4, 100, 4, 4, (4, 4), (0, 0), None, (4, 0)),  # full promotion with generous fenceposts
    (4, 100, 3, 0, (4, 4), (0, 0), None, (3, 4)),  # full promotion still honours maxSurge
]


@pytest.mark.parametrize(
    ("replicas", "weight", "surge", "unavailable", "stable", "canary", "older", "expected"), BASIC_CASES
)
def test_basic_canary_counts_upstream_cases(
    replicas: int,
    weight: int,
    surge: int,
    unavailable: int,
    stable: tuple[int, int],
    canary: tuple[int, int],
    older: tuple[int, int] | None,
    expected: tuple[int, int],
) -> None:
    got = basic_canary_counts(
        replicas=replicas,
        weight=weight,
        max_weight=100,
        max_surge=surge,
        max_unavailable=unavailable,
        new=ReplicaCounts(*canary),
        stable=ReplicaCounts(*stable),
        others=[ReplicaCounts(*older)] if older else [],
    )
    assert got == expected


def test_basic_canary_without_stable_heads_for_full_size() -> None:
    got = basic_canary_counts(
        replicas=5,
        weight=20,
        max_weight=100,
        max_surge=1,
        max_unavailable=1,
        new=ReplicaCounts(0, 0),
        stable=None,
    )
    assert got == (5, 0)


# ---------------------------------------------------------------------------------------------
# properties


@st.composite
def canary_situations(draw: st.DrawFn) -> dict[str, object]:
    replicas = draw(st.integers(1, 20))
    surge = draw(st.integers(0, replicas))
    unavailable = draw(st.integers(0 if surge else 1, replicas))
    weight = draw(st.integers(0, 100))
    # A reachable situation: the previous plans kept the total within replicas + surge.
    stable_spec = draw(st.integers(0, replicas))
    new_spec = draw(st.integers(0, replicas + surge - stable_spec))
    return {
        "replicas": replicas,
        "weight": weight,
        "max_surge": surge,
        "max_unavailable": unavailable,
        "new": ReplicaCounts(new_spec, draw(st.integers(0, new_spec))),
        "stable": ReplicaCounts(stable_spec, draw(st.integers(0, stable_spec))),
    }


@given(canary_situations())
def test_basic_canary_never_exceeds_surge(case: dict[str, object]) -> None:
    new, stable = basic_canary_counts(max_weight=100, **case)  # type: ignore[arg-type]
    assert new >= 0 and stable >= 0
    assert new + stable <= case["replicas"] + case["max_surge"]  # type: ignore[operator]


@given(canary_situations())
def test_basic_canary_never_removes_needed_available_pods(case: dict[str, object]) -> None:
    new, stable = basic_canary_counts(max_weight=100, **case)  # type: ignore[arg-type]
    before_new: ReplicaCounts = case["new"]  # type: ignore[assignment]
    before_stable: ReplicaCounts = case["stable"]  # type: ignore[assignment]
    min_available = case["replicas"] - case["max_unavailable"]  # type: ignore[operator]
    available_before = before_new.available + before_stable.available
    # Pods left available if scale-downs remove available pods first (the worst case).
    available_after = min(before_new.available, new) + min(before_stable.available, stable)
    # Either we stay above the floor, or we removed nothing that was available.
    assert available_after >= min(min_available, available_before)


@given(st.integers(1, 50), st.integers(0, 100), st.integers(0, 2))
def test_approximation_is_never_worse_than_plain_rounding(replicas: int, weight: int, surge: int) -> None:
    canary, stable = approximate_weighted_counts(replicas, weight, 100, surge)
    total = canary + stable
    assert total in (replicas, replicas + 1)
    assert total == replicas or surge > 0
    # Upstream's one gap: without surge, when the exact canary count is k + 0.5 with k + 1 == R,
    # both candidates over R are ruled out (the ceiling leaves no stable pod, the floor ties) and
    # everything stays on stable. We keep that value (see the table test below).
    half_way = (replicas * weight) % 100 == 50
    upstream_gap = surge == 0 and half_way and math.ceil(replicas * weight / 100) == replicas
    if 0 < weight < 100 and (replicas > 1 or surge > 0) and not upstream_gap:
        assert canary > 0 and stable > 0


def test_upstream_gap_keeps_everything_on_stable() -> None:
    # replicas 2, weight 75, no surge: upstream's approximation finds no option and returns (0, 2).
    assert approximate_weighted_counts(2, 75, 100, 0) == (0, 2)
    assert approximate_weighted_counts(2, 75, 100, 1) == (2, 1)


def test_traffic_routed_counts() -> None:
    assert traffic_routed_canary_counts(replicas=10, weight=15, max_weight=100) == (2, 10)
    assert traffic_routed_canary_counts(replicas=10, weight=15, max_weight=100, min_pods=3) == (3, 10)
    assert traffic_routed_canary_counts(replicas=2, weight=15, max_weight=100, min_pods=5) == (2, 2)
    assert traffic_routed_canary_counts(replicas=10, weight=50, max_weight=100, canary_scale_replicas=7) == (
        7,
        10,
    )
    # dynamicStableScale: stable follows the larger of desired and routed stable weight
    assert traffic_routed_canary_counts(
        replicas=10,
        weight=60,
        max_weight=100,
        dynamic_stable_scale=True,
        current_weights=CurrentWeights(canary=20, stable=80),
    ) == (6, 8)
    assert traffic_routed_canary_counts(
        replicas=10,
        weight=0,
        max_weight=100,
        dynamic_stable_scale=True,
        aborted=True,
        current_weights=CurrentWeights(canary=40, stable=60),
    ) == (4, 10)
    assert traffic_routed_canary_counts(replicas=4, weight=1, max_weight=1000) == (1, 4)
