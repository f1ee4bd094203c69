"""Restarts (``spec.restartAt``): which pods to evict now, and when the restart is done.

Upstream's pod restarter, re-expressed over plain pod dicts (as the informers cache them):

* A restart is *needed* when ``spec.restartAt`` is set, differs from ``status.restartedAt`` and
  lies in the past; a future one only schedules a wake-up at that moment.
* Every pod of the Rollout's ReplicaSets (matched by owner UID) created strictly before
  ``restartAt`` must go. Evictions are paced: at most ``max(maxUnavailable, 1)`` pods may be
  unavailable at once, against ``max(spec.replicas, sum of ReplicaSet replicas)`` -- so
  ``available - (that - concurrency)`` pods may be evicted in this pass. Pods already being
  deleted still count as pending but are not evicted again.
* Order (ours, where upstream takes the list order): the stable ReplicaSet's pods, then the new
  one's, then older ReplicaSets' (oldest ReplicaSet first); within one, the oldest pod first.
* While pods remain, the Rollout is re-queued every 30 s; once none remain,
  ``status.restartedAt = spec.restartAt``. The phase reads ``rollout is restarting`` meanwhile.

Evicting is asking: the reconciler treats a 429 (a PodDisruptionBudget refusal) as "not now".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollouts.core.conditions import parse_time
from rollouts.core.replica_sets import ReplicaSetView, by_creation

#: How often a restart in progress is looked at again.
RESTART_CHECK_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class RestartPlan:
    #: Pod names to evict in this pass, in order.
    evict: list[str] = field(default_factory=list)
    #: True when no pod older than restartAt is left: write ``status.restartedAt``.
    done: bool = False
    #: When to look again (a future restartAt, or the next check), or None.
    requeue_at: datetime | None = None


def _time(text: Any) -> datetime | None:
    try:
        return parse_time(str(text))
    except ValueError:
        return None


def restart_needed(restart_at: str | None, restarted_at: str | None, now: datetime) -> bool:
    moment = _time(restart_at) if restart_at else None
    if moment is None:
        return False
    if restarted_at and _time(restarted_at) == moment:
        return False
    return now > moment


def pod_available(pod: Mapping[str, Any], min_ready_seconds: int, now: datetime) -> bool:
    """Kubernetes' IsPodAvailable, for a pod not being deleted."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") != "Ready":
            continue
        if condition.get("status") != "True":
            return False
        if min_ready_seconds == 0:
            return True
        since = _time(condition.get("lastTransitionTime"))
        return since is not None and since + timedelta(seconds=min_ready_seconds) < now
    return False


def plan_restart(
    *,
    restart_at: str | None,
    restarted_at: str | None,
    replicas: int,
    max_unavailable: int,
    min_ready_seconds: int,
    new: ReplicaSetView,
    stable: ReplicaSetView | None,
    others: Sequence[ReplicaSetView],
    pods: Sequence[Mapping[str, Any]],
    now: datetime,
) -> RestartPlan:
    """The evictions of this pass (see the module docstring); ``max_unavailable`` is resolved."""
    moment = _time(restart_at) if restart_at else None
    if moment is None:
        return RestartPlan()
    if not restart_needed(restart_at, restarted_at, now):
        return RestartPlan(requeue_at=moment if now <= moment else None)
    order = [*([stable] if stable is not None and stable is not new else []), new, *by_creation(others)]
    rank = {rs.uid: i for i, rs in enumerate(order) if rs.uid}
    owned = []
    for pod in pods:
        uids = [ref.get("uid") for ref in (pod.get("metadata") or {}).get("ownerReferences") or []]
        ranks = [rank[uid] for uid in uids if uid in rank]
        if ranks:
            owned.append((min(ranks), pod))
    total = sum(rs.spec_replicas for rs in order)
    concurrency = max(max_unavailable, 1)
    available = sum(1 for _, pod in owned if pod_available(pod, min_ready_seconds, now))
    budget = available - (max(replicas, total) - concurrency)

    def created(pod: Mapping[str, Any]) -> datetime:
        return _time((pod.get("metadata") or {}).get("creationTimestamp")) or now

    stale = sorted(
        (item for item in owned if created(item[1]) < moment),
        key=lambda item: (item[0], created(item[1]), str((item[1].get("metadata") or {}).get("name"))),
    )
    evict = []
    for _, pod in stale:
        meta = pod.get("metadata") or {}
        if budget <= 0:
            break
        if meta.get("deletionTimestamp"):
            continue
        evict.append(str(meta.get("name") or ""))
        budget -= 1
    if not stale:
        return RestartPlan(done=True)
    return RestartPlan(evict=evict, requeue_at=now + RESTART_CHECK_INTERVAL)
