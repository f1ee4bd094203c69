"""Canary ping-pong: the roles of the two Services, their selectors and the flip at promotion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollouts.api.rollout import CanaryStrategy, PingPongSpec
from rollouts.core.ping_pong import (
    flipped,
    ping_pong_selectors,
    ping_pong_services,
    stable_and_canary_services,
    stable_is_ping,
)
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PP = PingPongSpec(ping_service="ping", pong_service="pong")


@pytest.mark.parametrize(
    ("recorded", "is_ping", "after_flip", "roles"),
    [
        ("ping", True, "pong", ("ping", "pong")),
        ("pong", False, "ping", ("pong", "ping")),
        # upstream: only "ping" makes ping stable; unset means pong is, so the initial deploy
        # flips to "ping"
        (None, False, "ping", ("pong", "ping")),
        ("", False, "ping", ("pong", "ping")),
        ("PING", False, "ping", ("pong", "ping")),
    ],
)
def test_recorded_side_gives_roles_and_flip(
    recorded: str | None, is_ping: bool, after_flip: str, roles: tuple[str, str]
) -> None:
    assert stable_is_ping(recorded) is is_ping
    assert flipped(recorded) == after_flip
    assert ping_pong_services(CanaryStrategy(ping_pong=PP), recorded) == roles


@pytest.mark.parametrize(
    ("canary", "preferred", "expected"),
    [
        (CanaryStrategy(stable_service="s", canary_service="c"), True, ("s", "c")),
        (CanaryStrategy(stable_service="s", canary_service="c"), False, ("s", "c")),
        (CanaryStrategy(ping_pong=PP), True, ("ping", "pong")),
        (CanaryStrategy(ping_pong=PP), False, ("ping", "pong")),
        # both kinds named: ALB prefers the pair, Istio keeps stableService/canaryService
        (CanaryStrategy(stable_service="s", canary_service="c", ping_pong=PP), True, ("ping", "pong")),
        (CanaryStrategy(stable_service="s", canary_service="c", ping_pong=PP), False, ("s", "c")),
        (CanaryStrategy(stable_service="s", ping_pong=PP), False, ("s", "")),
        (CanaryStrategy(), True, ("", "")),
    ],
)
def test_router_service_names(canary: CanaryStrategy, preferred: bool, expected: tuple[str, str]) -> None:
    assert stable_and_canary_services(canary, "ping", ping_pong_preferred=preferred) == expected


def test_ping_pong_services_needs_a_ping_pong_spec() -> None:
    with pytest.raises(ValueError, match="no pingPong"):
        ping_pong_services(CanaryStrategy(), "ping")


@pytest.mark.parametrize(
    ("before", "after", "stable", "current", "expected"),
    [
        # update in flight (also aborted): the canary side selects the new pods at once
        ("ping", "ping", "a", "b", [("pong", "b")]),
        ("pong", "pong", "a", "b", [("ping", "b")]),
        # the promoting pass: the new stable side (former canary side) selects the new stable
        ("ping", "pong", "b", "b", [("pong", "b")]),
        # initial deploy: nothing recorded yet, flipped to ping which gets the first pods
        (None, "ping", "a", "a", [("ping", "a")]),
        # fully promoted and settled: the stable side is left alone
        ("pong", "pong", "b", "b", []),
        ("ping", "ping", "a", "", []),
    ],
)
def test_selectors_per_pass(
    before: str | None, after: str, stable: str, current: str, expected: list[tuple[str, str]]
) -> None:
    got = ping_pong_selectors(
        CanaryStrategy(ping_pong=PP),
        recorded_before=before,
        recorded_after=after,
        stable_hash=stable,
        current_hash=current,
    )
    assert got == expected


def test_no_selectors_without_ping_pong() -> None:
    assert (
        ping_pong_selectors(
            CanaryStrategy(), recorded_before=None, recorded_after=None, stable_hash="a", current_hash="b"
        )
        == []
    )


def _sim(steps: list[dict[str, Any]], **canary: Any) -> SimCluster:
    strategy = {
        "canary": {
            "steps": steps,
            "pingPong": {"pingService": "ping", "pongService": "pong"},
            "trafficRouting": {"alb": {"ingress": "ing", "servicePort": 80, "rootService": "root"}},
            **canary,
        }
    }
    services = {n: {"spec": {"selector": {"app": "demo"}}} for n in ("ping", "pong", "root")}
    return SimCluster(rollout_doc(strategy, replicas=2), T0, services=services)


def _recorded(sim: SimCluster) -> str | None:
    value: str | None = sim.rollout["status"].get("canary", {}).get("stablePingPong")
    return value


def test_two_updates_alternate_the_stable_side() -> None:
    sim = _sim([{"setWeight": 50}, {"pause": {}}])
    first = sim.settle()
    assert first.status["phase"] == "Healthy"
    assert _recorded(sim) == "ping"
    assert sim.selected_hash("ping") == sim.rollout["status"]["stableRS"]
    assert sim.selected_hash("pong") is None  # never touched yet
    assert sim.selected_hash("root") is None  # the ALB root Service is the router's, not ours

    v1 = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    plan = sim.plan()
    sim.apply(plan)
    v2 = sim.rollout["status"]["currentPodHash"]
    assert v2 != v1
    # the canary side (pong) selects the new pods before they exist; ping keeps the stable
    assert sim.selected_hash("pong") == v2 and sim.selected_hash("ping") == v1
    assert _recorded(sim) == "ping"
    sim.settle()
    assert sim.rollout["status"]["stableRS"] == v2
    assert _recorded(sim) == "pong"
    assert sim.selected_hash("pong") == v2 and sim.selected_hash("ping") == v1

    sim.set_image("demo:3")
    sim.apply(sim.plan())
    v3 = sim.rollout["status"]["currentPodHash"]
    assert sim.selected_hash("ping") == v3 and sim.selected_hash("pong") == v2
    final = sim.settle()
    assert final.status["phase"] == "Healthy"
    assert _recorded(sim) == "ping"
    assert sim.selected_hash("ping") == v3 == sim.rollout["status"]["stableRS"]
    assert final.traffic is not None and final.traffic.canary_weight == 0


def test_abort_keeps_roles_and_the_canary_side_on_the_aborted_pods() -> None:
    sim = _sim([{"setWeight": 50}, {"pause": {}}])
    sim.settle()
    v1 = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    sim.apply(sim.plan())
    v2 = sim.rollout["status"]["currentPodHash"]
    sim.rollout["status"]["abort"] = True
    plan = sim.plan()
    sim.apply(plan)
    assert plan.traffic is not None and plan.traffic.canary_weight == 0
    assert _recorded(sim) == "ping"
    assert sim.selected_hash("ping") == v1 and sim.selected_hash("pong") == v2
    # going back to the stable template ends the update without a flip
    sim.set_image("demo:1")
    sim.rollout["status"].pop("abort", None)
    final = sim.settle()
    assert final.status["stableRS"] == v1 and _recorded(sim) == "ping"
    assert sim.selected_hash("ping") == v1


def test_promote_full_flips_once() -> None:
    sim = _sim([{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}])
    sim.settle()
    sim.set_image("demo:2")
    sim.apply(sim.plan())
    sim.rollout["status"]["promoteFull"] = True
    sim.settle()
    assert _recorded(sim) == "pong"
    assert sim.selected_hash("pong") == sim.rollout["status"]["stableRS"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    updates=st.lists(st.tuples(st.integers(2, 9), st.booleans()), min_size=1, max_size=4),
    weights=st.lists(st.integers(0, 100), min_size=1, max_size=2),
)
def test_after_each_settled_update_the_stable_side_selects_the_stable_pods(
    updates: list[tuple[int, bool]], weights: list[int]
) -> None:
    sim = _sim([{"setWeight": w} for w in weights])
    sim.settle()
    for image, abort_first in updates:
        before = _recorded(sim)
        stable_before = sim.rollout["status"]["stableRS"]
        sim.set_image(f"demo:{image}")
        sim.apply(sim.plan())
        if abort_first:
            sim.rollout["status"]["abort"] = True
            sim.apply(sim.plan())
            sim.rollout["status"].pop("abort", None)
            sim.rollout["status"].pop("abortedAt", None)
        final = sim.settle()
        assert final.status["phase"] == "Healthy", final.status
        promoted = sim.rollout["status"]["stableRS"] != stable_before
        assert _recorded(sim) == (flipped(before) if promoted else before)
        stable_svc, _ = ping_pong_services(CanaryStrategy(ping_pong=PP), _recorded(sim))
        assert sim.selected_hash(stable_svc) == sim.rollout["status"]["stableRS"]
        assert not sim.plan().changes_cluster
