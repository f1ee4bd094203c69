"""When a completed AnalysisRun is deleted (``spec.ttlStrategy``), upstream's rule.

The TTL is ``secondsAfterSuccess`` for a Successful run and ``secondsAfterFailure`` for a Failed
one when set, else ``secondsAfterCompletion``; an Error or Inconclusive run only ever uses the
latter. It counts from ``status.completedAt`` — a run without one is never deleted. Upstream
compares whole elapsed seconds (``int(elapsed) > ttl``), so the run expires one second after the
TTL itself; :func:`ttl_expiry` returns that moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rollouts.api.analysis import AnalysisPhase, AnalysisRun
from rollouts.core.conditions import parse_time


def ttl_seconds(run: AnalysisRun) -> int | None:
    ttl = run.spec.ttl_strategy
    phase = run.status.phase if run.status else None
    if ttl is None or not AnalysisPhase.is_completed(phase):
        return None
    if phase == AnalysisPhase.SUCCESSFUL and ttl.seconds_after_success is not None:
        return ttl.seconds_after_success
    if phase == AnalysisPhase.FAILED and ttl.seconds_after_failure is not None:
        return ttl.seconds_after_failure
    return ttl.seconds_after_completion


def ttl_expiry(run: AnalysisRun) -> datetime | None:
    """The first moment the run is past its TTL; None when it is never deleted."""
    seconds = ttl_seconds(run)
    completed_at = run.status.completed_at if run.status else None
    if seconds is None or not completed_at:
        return None
    try:
        completed = parse_time(completed_at)
    except ValueError:
        return None  # a malformed completedAt: the TTL cannot be measured, as upstream
    return completed + timedelta(seconds=seconds + 1)
