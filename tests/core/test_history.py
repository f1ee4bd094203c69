"""revisionHistoryLimit selection."""

from __future__ import annotations

from datetime import UTC, datetime

from rollouts.core.history import replica_sets_to_delete
from rollouts.core.replica_sets import ReplicaSetView
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rs(name: str, created: str, spec: int = 0, replicas: int = 0, **meta: object) -> ReplicaSetView:
    return ReplicaSetView(
        {
            "metadata": {"name": name, "creationTimestamp": created, **meta},
            "spec": {"replicas": spec},
            "status": {"replicas": replicas},
        }
    )


def test_deletes_oldest_excess_only_when_idle() -> None:
    old = [
        _rs("c", "2026-01-03T00:00:00Z"),
        _rs("a", "2026-01-01T00:00:00Z", spec=1, replicas=1),  # oldest but still running: skipped
        _rs("b", "2026-01-02T00:00:00Z"),
        _rs("d", "2026-01-04T00:00:00Z"),
    ]
    assert [rs.name for rs in replica_sets_to_delete(old, 2)] == ["b"]
    assert replica_sets_to_delete(old, 10) == []
    assert [rs.name for rs in replica_sets_to_delete(old, 0)] == ["b", "c", "d"]


def test_replica_sets_created_in_the_same_second_are_aged_by_revision() -> None:
    # A fast rollout makes several ReplicaSets within one second; by name alone the waiting
    # revision 3 ("scaled-1…") would count as the oldest and keep revision 2 in the history.
    second = "2026-01-01T00:00:00Z"
    waiting = _rs(
        "scaled-1aaa", second, spec=1, replicas=1, annotations={"rollout.argoproj.io/revision": "3"}
    )
    idle = _rs("scaled-9zzz", second, annotations={"rollout.argoproj.io/revision": "2"})
    assert [rs.name for rs in replica_sets_to_delete([waiting, idle], 1)] == ["scaled-9zzz"]


def test_ignores_replica_sets_being_deleted_and_unobserved_generations() -> None:
    old = [
        _rs("a", "2026-01-01T00:00:00Z", deletionTimestamp="2026-01-05T00:00:00Z"),
        _rs("b", "2026-01-02T00:00:00Z", generation=3),
        _rs("c", "2026-01-03T00:00:00Z"),
    ]
    assert [rs.name for rs in replica_sets_to_delete(old, 0)] == ["c"]


def test_an_old_replica_set_waiting_out_its_delay_counts_towards_the_limit() -> None:
    # blue-green, three revisions inside a long scaleDownDelaySeconds, revisionHistoryLimit 1:
    # v2 keeps its pods (it waits), so v1 (scaled down: beyond the revision limit) is the excess
    strategy = {
        "blueGreen": {
            "activeService": "active",
            "scaleDownDelaySeconds": 600,
            "scaleDownDelayRevisionLimit": 1,
        }
    }
    services = {"active": {"metadata": {"name": "active"}, "spec": {"selector": {"app": "demo"}}}}
    doc = rollout_doc(strategy, replicas=2, image="demo:1")
    doc["spec"]["revisionHistoryLimit"] = 1
    sim = SimCluster(doc, T0, services=services)
    sim.settle()
    for image in ("demo:2", "demo:3"):
        sim.set_image(image)
        for _ in range(8):  # the clock stands still: no deadline passes
            sim.apply(sim.plan())
            for name in sim.replica_sets:
                sim.make_ready(name, 100)
    images = {
        rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
        for rs in sim.replica_sets.values()
    }
    assert images == {"demo:2": 2, "demo:3": 2}
