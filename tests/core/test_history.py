"""revisionHistoryLimit selection."""

from __future__ import annotations

from rollouts.core.history import replica_sets_to_delete
from rollouts.core.replica_sets import ReplicaSetView


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


def test_ignores_replica_sets_being_deleted_and_unobserved_generations() -> None:
    old = [
        _rs("a", "2026-01-01T00:00:00Z", deletionTimestamp="2026-01-05T00:00:00Z"),
        _rs("b", "2026-01-02T00:00:00Z", generation=3),
        _rs("c", "2026-01-03T00:00:00Z"),
    ]
    assert [rs.name for rs in replica_sets_to_delete(old, 0)] == ["c"]
