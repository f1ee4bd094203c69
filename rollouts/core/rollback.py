"""Rollbacks: recognising a return to an earlier ReplicaSet, and ``spec.rollbackWindow``.

A *rollback* is an update whose template matches the stable ReplicaSet, or a ReplicaSet created
before the stable one. Returning to the stable one skips the steps (``SkipSteps``: ``Rollback to
stable ReplicaSets``). With ``rollbackWindow.revisions: N``, returning to an older ReplicaSet is
also fast-tracked when fewer than N ReplicaSets were created strictly between it and the stable
one (Experiment ReplicaSets do not count): steps, pauses and an abort are skipped and the
ReplicaSet is promoted as ``Rollback within window`` -- for a canary only while it still has pods
(``Rollback to active ReplicaSets within RollbackWindow``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rollouts.core.conditions import parse_time
from rollouts.core.replica_sets import ReplicaSetView

EXPERIMENT_NAME_ANNOTATION = "experiment.argoproj.io/name"


def _created(rs: ReplicaSetView) -> datetime | None:
    try:
        return parse_time(rs.creation_timestamp) if rs.creation_timestamp else None
    except ValueError:
        return None


def created_before(first: ReplicaSetView, second: ReplicaSetView) -> bool:
    """Whether ``first`` was created strictly before ``second`` (unknown times: False)."""
    a, b = _created(first), _created(second)
    return a is not None and b is not None and a < b


def rollback_within_window(
    revisions: int | None,
    new: ReplicaSetView,
    stable: ReplicaSetView | None,
    replica_sets: Sequence[ReplicaSetView],
) -> bool:
    """Upstream's isRollbackWithinWindow for the new ReplicaSet ``new``."""
    if stable is None or not revisions or revisions <= 0 or not created_before(new, stable):
        return False
    between = sum(
        1
        for rs in replica_sets
        if not rs.annotations.get(EXPERIMENT_NAME_ANNOTATION)
        and created_before(rs, stable)
        and created_before(new, rs)
    )
    return between < revisions
