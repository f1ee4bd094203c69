"""One measurement: its verdict from the provider's value, and folding it into the metric result.

Counters (upstream's bookkeeping): Successful, Failed and Inconclusive measurements count
towards ``count``; an Error counts in ``error`` and ``consecutiveError`` instead, and any
non-error resets ``consecutiveError``; a Successful measurement extends
``consecutiveSuccess``, anything else resets it. Only completed measurements are counted, and
an in-flight measurement is replaced in place when it is resumed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollouts.api.analysis import AnalysisPhase, Measurement, Metric, MetricResult
from rollouts.core.analysis.phases import is_completed
from rollouts.core.conditions import format_time
from rollouts.expr import Verdict, evaluate_result

#: Message of an in-flight measurement stopped because the run is terminating.
METRIC_TERMINATED_MESSAGE = "Metric Terminated"


def measurement_verdict(metric: Metric, value: Any) -> Verdict:
    """The phase of a measurement whose provider returned ``value`` (Error with a message when a
    condition is malformed or cannot be evaluated on this value)."""
    return evaluate_result(value, metric.success_condition, metric.failure_condition)


def record_measurement(
    result: MetricResult | None,
    metric_name: str,
    measurement: Measurement,
    now: datetime,
    *,
    resumed: bool = False,
    terminated: bool = False,
    dry_run: bool = False,
) -> MetricResult:
    """A new metric result with ``measurement`` appended (or replacing the resumed in-flight one)."""
    if result is None:
        result = MetricResult(name=metric_name, phase=AnalysisPhase.RUNNING, dry_run=dry_run or None)
    updated = result.model_copy(deep=True)
    measurement = measurement.model_copy(deep=True)
    if terminated and measurement.phase == AnalysisPhase.SUCCESSFUL:
        measurement.message = METRIC_TERMINATED_MESSAGE
    if is_completed(measurement.phase):
        if measurement.finished_at is None:
            measurement.finished_at = format_time(now)
        _count(updated, str(measurement.phase))
    measurements = list(updated.measurements or [])
    if resumed and measurements:
        measurements[-1] = measurement
    else:
        measurements.append(measurement)
    updated.measurements = measurements
    return updated


def _count(result: MetricResult, phase: str) -> None:
    if phase == AnalysisPhase.ERROR:
        result.error = (result.error or 0) + 1
        result.consecutive_error = (result.consecutive_error or 0) + 1
        result.consecutive_success = 0
        return
    result.count = (result.count or 0) + 1
    result.consecutive_error = 0
    if phase == AnalysisPhase.SUCCESSFUL:
        result.successful = (result.successful or 0) + 1
        result.consecutive_success = (result.consecutive_success or 0) + 1
        return
    result.consecutive_success = 0
    if phase == AnalysisPhase.FAILED:
        result.failed = (result.failed or 0) + 1
    else:
        result.inconclusive = (result.inconclusive or 0) + 1
