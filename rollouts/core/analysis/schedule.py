"""When each metric is measured (upstream's ``generateMetricTasks`` and
``calculateNextReconcileTime``).

Rules per metric, skipping completed metrics:

* an in-flight measurement (no ``finishedAt``) is resumed once its ``resumeAt`` has passed —
  or terminated, when the run is terminating;
* a terminating run starts no new measurements;
* the first measurement waits ``initialDelay`` after the run's ``startedAt`` (and for
  ``startedAt`` itself to be set);
* no further measurement once ``count`` measurements (errors excluded) were taken;
* otherwise the next one is due ``interval`` after the last one finished — except after an
  Error, which is retried 10 s later whatever the interval.

Unparseable durations skip the metric, as upstream does (validation reports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rollouts.api import analysis_defaults as defaults
from rollouts.api.analysis import AnalysisPhase, AnalysisRun, Measurement, Metric, MetricResult
from rollouts.api.common import parse_go_duration
from rollouts.core.analysis.phases import is_completed
from rollouts.core.analysis.run_state import is_terminating, result_by_name
from rollouts.core.conditions import parse_time

ERROR_RETRY = timedelta(seconds=defaults.DEFAULT_ERROR_RETRY_SECONDS)


@dataclass(frozen=True, slots=True)
class MetricTask:
    """A measurement to take now: a new one, or the in-flight ``resume`` (terminate it if asked)."""

    metric: Metric
    resume: Measurement | None = None
    terminate: bool = False


def _duration(text: str | None) -> timedelta | None:
    """The duration, or None when unset; raises ValueError when unparseable."""
    if not text:
        return None
    return timedelta(seconds=parse_go_duration(text))


def _last(result: MetricResult | None) -> Measurement | None:
    if result is None or not result.measurements:
        return None
    return result.measurements[-1]


def _retry_or_interval(metric: Metric, last: Measurement) -> timedelta | None:
    """An Error is retried after 10 s whatever the interval; else the interval (None if unset)."""
    return ERROR_RETRY if last.phase == AnalysisPhase.ERROR else _duration(metric.interval)


def _count_reached(metric: Metric, result: MetricResult | None) -> bool:
    count = defaults.effective_count(metric)
    return count is not None and result is not None and (result.count or 0) >= count


def due_measurements(run: AnalysisRun, now: datetime) -> list[MetricTask]:
    status = run.status
    results = result_by_name(run)
    terminating = is_terminating(run)
    started_at = parse_time(status.started_at) if status and status.started_at else None
    tasks: list[MetricTask] = []
    for metric in run.spec.metrics or []:
        result = results.get(metric.name or "")
        if result is not None and is_completed(result.phase):
            continue
        last = _last(result)
        if last is not None and last.finished_at is None:
            if last.resume_at and parse_time(last.resume_at) > now:
                continue
            tasks.append(MetricTask(metric, resume=last, terminate=terminating))
            continue
        if terminating:
            continue
        try:
            if last is None:
                delay = _duration(metric.initial_delay)
                if delay is not None and (started_at is None or started_at + delay > now):
                    continue
                tasks.append(MetricTask(metric))
                continue
            if _count_reached(metric, result):
                continue
            interval = _retry_or_interval(metric, last) or ERROR_RETRY
        except ValueError:
            continue
        assert last.finished_at is not None
        if now > parse_time(last.finished_at) + interval:
            tasks.append(MetricTask(metric))
    return tasks


def next_reconcile_time(run: AnalysisRun, now: datetime) -> datetime | None:
    """The earliest moment a metric needs attention again; None when nothing is scheduled."""
    status = run.status
    results = result_by_name(run)
    started_at = parse_time(status.started_at) if status and status.started_at else now
    earliest: datetime | None = None

    def consider(moment: datetime) -> None:
        nonlocal earliest
        if earliest is None or moment < earliest:
            earliest = moment

    for metric in run.spec.metrics or []:
        result = results.get(metric.name or "")
        if result is not None and is_completed(result.phase):
            continue
        last = _last(result)
        try:
            if last is None:
                delay = _duration(metric.initial_delay)
                if delay is not None:
                    consider(started_at + delay)
                continue
            if last.finished_at is None:
                if last.resume_at:
                    consider(parse_time(last.resume_at))
                continue
            if _count_reached(metric, result):
                continue
            interval = _retry_or_interval(metric, last)
        except ValueError:
            continue
        if interval is None:
            continue  # measured once and not failing: nothing to repeat
        consider(parse_time(last.finished_at) + interval)
    return earliest
