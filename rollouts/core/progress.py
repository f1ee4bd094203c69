"""The progress deadline (``spec.progressDeadlineSeconds``), upstream's RolloutTimedOut rule.

Progress is measured from the Progressing condition's ``lastUpdateTime``, which every observed
progress bumps. A Rollout has timed out when that moment plus the deadline lies strictly before
``now``. No timeout is judged while the condition says the Rollout is aborted or paused (an old
abort must not degrade a retried Rollout); once ProgressDeadlineExceeded it stays timed out until
the condition changes. Callers additionally skip the check during indefinite steps (pause,
analysis, experiment), blue-green pauses and while other ReplicaSets wait on a scale-down deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from rollouts.core.conditions import (
    PROGRESSING,
    ROLLOUT_ABORTED,
    ROLLOUT_PAUSED,
    TIMED_OUT,
    Condition,
    get_condition,
)


def timed_out(conditions: Sequence[Condition], deadline_seconds: int, now: datetime) -> bool:
    condition = get_condition(conditions, PROGRESSING)
    if condition is None or condition.reason in (ROLLOUT_ABORTED, ROLLOUT_PAUSED):
        return False
    if condition.reason == TIMED_OUT:
        return True
    return condition.last_update_time + timedelta(seconds=deadline_seconds) < now


def progress_deadline(conditions: Sequence[Condition], deadline_seconds: int) -> datetime | None:
    """When the Rollout will time out if nothing progresses (for the requeue), or None if not judged."""
    condition = get_condition(conditions, PROGRESSING)
    if condition is None or condition.reason in (ROLLOUT_ABORTED, ROLLOUT_PAUSED, TIMED_OUT):
        return None
    return condition.last_update_time + timedelta(seconds=deadline_seconds)
