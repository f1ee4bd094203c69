"""``scaleDownDelayRevisionLimit``: how many old ReplicaSets may keep their pods while they wait
out a ``scale-down-deadline``.

Upstream's rule, for blue-green and for traffic-routed canaries: walk the old ReplicaSets that
would wait (scaled up, not still selected by a Service), newest revision first, counting them.
One that already carries a deadline is counted and keeps waiting while the count is within the
limit; beyond it, it is scaled down at once. One without a deadline gets a deadline (and is
counted) only while the count is below the limit; otherwise it is scaled down at once. Without a
limit (the default: unlimited) every one of them waits. A limit of 0 keeps no old pods at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from rollouts.api.rollout import Rollout
from rollouts.core.replica_sets import ReplicaSetView


def scale_down_revision_limit(ro: Rollout) -> int | None:
    """The strategy's ``scaleDownDelayRevisionLimit`` (None: unlimited)."""
    if ro.blue_green is not None and ro.blue_green.scale_down_delay_revision_limit is not None:
        return ro.blue_green.scale_down_delay_revision_limit
    if ro.canary is not None:
        return ro.canary.scale_down_delay_revision_limit
    return None


def may_wait_for_deadline(waiting: Iterable[ReplicaSetView], limit: int | None) -> set[str]:
    """Names of the ReplicaSets among ``waiting`` that keep their pods until their deadline; the
    others are to be scaled down now."""
    candidates = sorted(waiting, key=lambda rs: rs.revision, reverse=True)
    if limit is None:
        return {rs.name for rs in candidates}
    kept: set[str] = set()
    counted = 0
    for rs in candidates:
        if rs.scale_down_deadline:
            counted += 1
            if counted <= limit:
                kept.add(rs.name)
        elif counted < limit:
            counted += 1
            kept.add(rs.name)
    return kept
