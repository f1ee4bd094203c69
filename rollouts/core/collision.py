"""What to do when creating the new ReplicaSet fails: a name collision, or any other error.

The planner names the new ReplicaSet ``<rollout>-<hash>``. Creating it can meet an existing
object of that name that the planner did not see (the cache lagged, or the ReplicaSet is not the
Rollout's). Upstream's rule, re-expressed: if the Rollout controls that ReplicaSet and its pod
template equals the Rollout's (ignoring the hash label), it *is* the new ReplicaSet and the pass
carries on; otherwise the pod-template hash collided, ``status.collisionCount`` goes up by one
(so the next pass computes another hash) and the Rollout is re-queued. Any other creation error
is reported as the Progressing condition ``ReplicaSetCreateError`` and a Warning event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.core import conditions as cond
from rollouts.core.replica_sets import templates_semantically_equal


@dataclass(frozen=True, slots=True)
class CreateConflict:
    #: True: the existing ReplicaSet is the new one; use it and carry on.
    adopt: bool
    #: When not adopting: the ``status.collisionCount`` to write before re-queueing.
    collision_count: int | None = None


def _controller_uid(obj: Mapping[str, Any]) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, Mapping) and ref.get("controller"):
            return str(ref.get("uid") or "")
    return None


def resolve_create_conflict(ro: Rollout, existing: Mapping[str, Any]) -> CreateConflict:
    """The outcome of an AlreadyExists answer to the creation; ``existing`` is the live ReplicaSet."""
    template = ro.spec.template or {}
    live = (existing.get("spec") or {}).get("template") or {}
    owned = ro.metadata.uid is not None and _controller_uid(existing) == ro.metadata.uid
    if owned and templates_semantically_equal(live, template):
        return CreateConflict(adopt=True)
    current = ro.status.collision_count if ro.status is not None else None
    return CreateConflict(adopt=False, collision_count=(current or 0) + 1)


@dataclass(frozen=True, slots=True)
class CreateFailure:
    condition: cond.Condition
    event_reason: str
    event_message: str


def create_failure(replica_set_name: str, error: str, now: datetime) -> CreateFailure:
    """The Progressing=False condition and Warning event for a failed ReplicaSet creation."""
    message = cond.rs_create_failed_message(replica_set_name, error)
    return CreateFailure(
        cond.new_condition(cond.PROGRESSING, False, cond.FAILED_RS_CREATE, message, now),
        cond.FAILED_RS_CREATE,
        message,
    )
