"""scaleDownDelayRevisionLimit: the rule on its own, then blue-green and a traffic-routed canary
walked through three revisions with a long scaleDownDelaySeconds (upstream's numbers: the newest
old ReplicaSets keep their pods, the ones beyond the limit are scaled down at once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.core.replica_sets import ReplicaSetView
from rollouts.core.scale_down_limit import may_wait_for_deadline
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DEADLINE = "scale-down-deadline"  # upstream's key has no prefix


def _view(name: str, revision: int, deadline: bool) -> ReplicaSetView:
    annotations = {"rollout.argoproj.io/revision": str(revision)}
    if deadline:
        annotations[DEADLINE] = "2026-01-01T00:10:00Z"
    return ReplicaSetView({"metadata": {"name": name, "annotations": annotations}, "spec": {"replicas": 1}})


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, {"v1", "v2", "v3"}),
        (0, set()),
        (1, {"v3"}),
        (2, {"v3", "v2"}),
        (5, {"v1", "v2", "v3"}),
    ],
)
def test_the_newest_revisions_wait_up_to_the_limit(limit: int | None, expected: set[str]) -> None:
    views = [_view("v1", 1, True), _view("v3", 3, False), _view("v2", 2, True)]
    assert may_wait_for_deadline(views, limit) == expected


def test_an_unannotated_replica_set_beyond_the_limit_gets_no_deadline() -> None:
    # v3 (no deadline yet) is counted first, so the annotated v2 is over a limit of 1
    views = [_view("v2", 2, True), _view("v3", 3, False)]
    assert may_wait_for_deadline(views, 1) == {"v3"}
    # annotated ones newer than it use up the limit
    views = [_view("v2", 2, False), _view("v3", 3, True)]
    assert may_wait_for_deadline(views, 1) == {"v3"}


@given(
    revisions=st.lists(st.tuples(st.integers(1, 20), st.booleans()), max_size=8, unique_by=lambda t: t[0]),
    limit=st.one_of(st.none(), st.integers(0, 10)),
)
def test_never_more_than_the_limit_and_always_the_newest(
    revisions: list[tuple[int, bool]], limit: int | None
) -> None:
    views = [_view(f"v{rev}", rev, deadline) for rev, deadline in revisions]
    kept = may_wait_for_deadline(views, limit)
    if limit is None:
        assert kept == {v.name for v in views}
        return
    assert len(kept) <= limit
    assert len(kept) == min(limit, len(views))
    newest = sorted(views, key=lambda v: v.revision, reverse=True)[: len(kept)]
    assert kept == {v.name for v in newest}


def _replicas(sim: SimCluster) -> dict[str, int]:
    return {
        rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
        for rs in sim.replica_sets.values()
    }


def _roll(sim: SimCluster, image: str, rounds: int = 8) -> None:
    """Update to ``image`` and let it complete without the clock moving (no deadline passes)."""
    sim.set_image(image)
    for _ in range(rounds):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
        sim.promote()
    assert sim.rollout["status"]["phase"] == "Healthy", sim.rollout["status"]


def _blue_green(limit: int | None) -> SimCluster:
    strategy: dict[str, Any] = {"blueGreen": {"activeService": "active", "scaleDownDelaySeconds": 600}}
    if limit is not None:
        strategy["blueGreen"]["scaleDownDelayRevisionLimit"] = limit
    services = {"active": {"metadata": {"name": "active"}, "spec": {"selector": {"app": "demo"}}}}
    sim = SimCluster(rollout_doc(strategy, replicas=2, image="demo:1"), T0, services=services)
    sim.settle()
    return sim


def _traffic_routed_canary(limit: int | None) -> SimCluster:
    canary: dict[str, Any] = {
        "steps": [{"setWeight": 50}],
        "canaryService": "c",
        "stableService": "s",
        "trafficRouting": {"smi": {}},
        "scaleDownDelaySeconds": 600,
    }
    if limit is not None:
        canary["scaleDownDelayRevisionLimit"] = limit
    services = {n: {"metadata": {"name": n}, "spec": {"selector": {"app": "demo"}}} for n in ("c", "s")}
    sim = SimCluster(rollout_doc({"canary": canary}, replicas=2, image="demo:1"), T0, services=services)
    sim.settle()
    return sim


@pytest.mark.parametrize("make", [_blue_green, _traffic_routed_canary])
@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, {"demo:1": 2, "demo:2": 2, "demo:3": 2}),  # unlimited: both old revisions wait
        (2, {"demo:1": 2, "demo:2": 2, "demo:3": 2}),
        (1, {"demo:1": 0, "demo:2": 2, "demo:3": 2}),  # the older one goes at once
        (0, {"demo:1": 0, "demo:2": 0, "demo:3": 2}),  # no old pods kept at all
    ],
)
def test_three_revisions_within_the_delay(make: Any, limit: int | None, expected: dict[str, int]) -> None:
    sim = make(limit)
    _roll(sim, "demo:2")
    _roll(sim, "demo:3")
    assert _replicas(sim) == expected
    waiting = [
        rs
        for rs in sim.replica_sets.values()
        if rs["spec"]["replicas"] and DEADLINE in rs["metadata"]["annotations"]
    ]
    assert len(waiting) == sum(1 for image, n in expected.items() if n and image != "demo:3")
