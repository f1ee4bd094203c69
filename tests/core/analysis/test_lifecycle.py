"""A run driven through its whole life with the pure pieces, as the reconciler will drive it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from rollouts.api.analysis import AnalysisRun, Measurement
from rollouts.core.analysis import assess_run, measurement_verdict, record_measurement
from rollouts.core.conditions import format_time
from tests.core.analysis.builders import at, run

#: The work queue fires a little after the requested time; upstream measures only strictly
#: after ``finishedAt + interval``.
QUEUE_LAG = timedelta(milliseconds=1)


def drive(r: AnalysisRun, values: dict[str, Iterator[Any]], until: float) -> AnalysisRun:
    """Reconcile at every requeue time until the run completes (or ``until`` seconds pass)."""
    now = at(0)
    while now <= at(until):
        plan = assess_run(r, now)
        results = {m.name or "": m for m in plan.status.metric_results or []}
        for task in plan.due:
            name = task.metric.name or ""
            verdict = measurement_verdict(task.metric, next(values[name]))
            taken = Measurement(phase=verdict.phase, message=verdict.message, started_at=format_time(now))
            results[name] = record_measurement(results.get(name), name, taken, now)
        if plan.due:
            measured = plan.status.model_copy(update={"metric_results": list(results.values())})
            plan = assess_run(r.model_copy(update={"status": measured}), now)
        r = r.model_copy(update={"status": plan.status})
        if plan.requeue_at is None:
            break
        now = max(plan.requeue_at, now) + QUEUE_LAG
    return r


def test_failing_canary_metric_fails_the_run_with_upstreams_message() -> None:
    r = run([{"name": "success-rate", "interval": "10s", "count": 4, "failureLimit": 1,
              "successCondition": "result[0] >= 0.9"}])
    final = drive(r, {"success-rate": iter([[0.99], [0.5], [0.4], [0.99]])}, until=120)
    status = final.status
    assert status is not None
    assert status.phase == "Failed"
    assert status.message == 'Metric "success-rate" assessed Failed due to failed (2) > failureLimit (1)'
    result = (status.metric_results or [])[0]
    assert (result.count, result.successful, result.failed) == (3, 1, 2)
    assert status.completed_at is not None


def test_passing_metric_measures_count_times_and_succeeds() -> None:
    r = run([{"name": "latency", "interval": "10s", "count": 3, "successCondition": "all(result, # < 100)"}])
    final = drive(r, {"latency": iter([[10, 20], [30], [99]])}, until=120)
    assert final.status is not None and final.status.phase == "Successful"
    result = (final.status.metric_results or [])[0]
    assert (result.count, result.successful, len(result.measurements or [])) == (3, 3, 3)


def test_malformed_condition_errors_until_the_consecutive_error_limit() -> None:
    r = run([{"name": "m", "successCondition": "result >", "consecutiveErrorLimit": 1}])
    final = drive(r, {"m": iter([1.0] * 10)}, until=120)
    assert final.status is not None and final.status.phase == "Error"
    assert final.status.message == (
        'Metric "m" assessed Error due to consecutiveErrors (2) > consecutiveErrorLimit (1): '
        '"Error Message: unexpected token EOF"'
    )
