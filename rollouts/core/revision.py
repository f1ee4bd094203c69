"""Revisions: the new ReplicaSet's ``rollout.argoproj.io/revision`` and the Rollout's own copy.

Upstream's rules (utils/annotations, rollout/sync.go), re-expressed:

* The new ReplicaSet's revision is one more than the highest revision of the *other* ReplicaSets.
  A created ReplicaSet starts there; an existing one (a rollback to an older template) is bumped
  up to it, never down, and its previous revision is appended to
  ``rollout.argoproj.io/revision-history`` (comma-separated, oldest first).
* The Rollout's annotations are copied onto the new ReplicaSet, except the kubectl
  last-applied configuration, the revision/history/desired-replicas annotations and the
  notification engine's bookkeeping. Copying only adds or overwrites keys, never removes them.
  Upstream's quirk is kept: when a copied annotation changes on a ReplicaSet that already has a
  revision, that revision is appended to the history too.
* The Rollout carries its new ReplicaSet's revision in its own ``rollout.argoproj.io/revision``;
  each change of it is announced with a ``RolloutUpdated`` event (``Rollout updated to revision N``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rollouts.core.replica_sets import (
    DESIRED_REPLICAS_ANNOTATION,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    ReplicaSetView,
)

LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
NOTIFICATION_ENGINE_ANNOTATION = "notified.notifications.argoproj.io"

#: Rollout annotations that are never copied onto its ReplicaSets.
NOT_COPIED = frozenset(
    {
        LAST_APPLIED_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        NOTIFICATION_ENGINE_ANNOTATION,
    }
)


def next_revision(others: Iterable[ReplicaSetView]) -> int:
    """One more than the highest revision among ``others`` (unreadable revisions count as 0)."""
    return max((rs.revision for rs in others), default=0) + 1


def copied_rollout_annotations(rollout_annotations: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (rollout_annotations or {}).items() if k not in NOT_COPIED}


def existing_new_replica_set_annotations(
    rs: ReplicaSetView, rollout_annotations: Mapping[str, str] | None, revision: int
) -> dict[str, str]:
    """The annotations to write on an existing new ReplicaSet (empty when it is up to date).

    A revision annotation that is present but not a number is left alone, and then nothing else
    is written either (upstream gives up on such a ReplicaSet).
    """
    current = rs.annotations
    copied = copied_rollout_annotations(rollout_annotations)
    changes = {k: v for k, v in copied.items() if current.get(k) != v}
    stored = current.get(REVISION_ANNOTATION)
    if stored and not stored.isdigit():
        return {}
    if int(stored or 0) < revision:
        changes[REVISION_ANNOTATION] = str(revision)
    if stored is not None and changes:
        history = current.get(REVISION_HISTORY_ANNOTATION, "")
        changes[REVISION_HISTORY_ANNOTATION] = f"{history},{stored}" if history else stored
    return changes


def rollout_revision_change(rollout_annotations: Mapping[str, str] | None, revision: int) -> dict[str, str]:
    """``{revision annotation: N}`` when the Rollout does not carry ``revision`` yet, else empty."""
    wanted = str(revision)
    if (rollout_annotations or {}).get(REVISION_ANNOTATION) == wanted:
        return {}
    return {REVISION_ANNOTATION: wanted}
