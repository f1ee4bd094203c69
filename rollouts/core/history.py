"""``revisionHistoryLimit``: which old ReplicaSets to delete.

Upstream counts every live (not being deleted) ReplicaSet other than the new and stable ones;
when there are more than the limit (callers resolve the default of 10 through
``rollouts.api.defaults.revision_history_limit_or_default``), it walks the excess from the oldest and deletes
those that are fully scaled down (spec and status replicas 0, status observed the latest
generation). A ReplicaSet still holding pods is skipped, not replaced by a newer one, so the
history can exceed the limit for a while. AnalysisRuns and Experiments of a deleted ReplicaSet's
hash are deleted with it by the reconciler.
"""

from __future__ import annotations

from collections.abc import Sequence

from rollouts.core.replica_sets import ReplicaSetView, by_creation


def replica_sets_to_delete(old: Sequence[ReplicaSetView], limit: int) -> list[ReplicaSetView]:
    """The old ReplicaSets (neither new nor stable) that the history limit removes, oldest first."""
    alive = by_creation(rs for rs in old if not rs.metadata.get("deletionTimestamp"))
    excess = len(alive) - limit
    out = []
    for rs in alive[: max(0, excess)]:
        generation = int(rs.metadata.get("generation") or 0)
        observed = int((rs.obj.get("status") or {}).get("observedGeneration") or 0)
        if rs.spec_replicas == 0 and rs.replicas == 0 and generation <= observed:
            out.append(rs)
    return out
