"""The run's phase, message and summaries (upstream's ``assessRunStatus`` and the tail of
``reconcileAnalysisRun``), returned as an :class:`AnalysisPlan`.

Invariants:

* the run is Running until every metric is complete — unless it is terminating, when the
  worst completed phase (or Successful, when nothing completed) is final at once;
* its phase is the worst completed *non-dry-run* metric phase (Successful < Inconclusive <
  Error < Failed); dry-run metrics are assessed and summarised (their result message says
  ``Metric assessed <Phase> due to <reason>``) but never decide anything — a completed
  dry-run metric counts as Successful for the run;
* summaries count every metric, and each completed one under the limit it breached
  (Successful when none was);
* ``message`` changes only with the phase: ``Metric "<m>" assessed <Phase> due to <reason>``,
  with ``: "Error Message: <last measurement message>"`` when there is one, or
  ``Run Terminated`` for a terminated run without such a metric;
* ``startedAt`` is set on the first assessment, ``completedAt`` when the phase completes;
* no metric keeps more measurements than its retention limit (default 10);
* a completed run is returned unchanged and is not requeued;
* "terminating" is read from the phases stored *before* this assessment, as upstream does: a
  metric failing now stops the others on the next pass, which is requested for ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rollouts.api.analysis import AnalysisPhase, AnalysisRun, AnalysisRunStatus, MetricResult, RunSummary
from rollouts.core.analysis.metric_status import assess_metric, limit_breach
from rollouts.core.analysis.phases import is_completed, is_worse
from rollouts.core.analysis.run_state import is_terminating, result_by_name
from rollouts.core.analysis.schedule import MetricTask, due_measurements, next_reconcile_time
from rollouts.core.analysis.selection import dry_run_metric_names, measurement_limit, selection_error
from rollouts.core.conditions import format_time

RUN_TERMINATED_MESSAGE = "Run Terminated"
SPEC_INVALID_PREFIX = "Analysis spec invalid: "


@dataclass(frozen=True, slots=True)
class MetricTransition:
    """A metric whose phase changed in this assessment (for events: ``Metric<Phase>``)."""

    name: str
    old_phase: str
    new_phase: str


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    status: AnalysisRunStatus
    #: When to reconcile the run again; None when nothing is scheduled (or it completed).
    requeue_at: datetime | None
    #: The run's phase before this assessment, to detect (and announce) its completion.
    previous_phase: str | None
    metric_transitions: list[MetricTransition] = field(default_factory=list)
    #: Measurements due now against the assessed status (empty once the run completed).
    due: list[MetricTask] = field(default_factory=list)

    @property
    def completed_now(self) -> bool:
        return is_completed(self.status.phase) and not is_completed(self.previous_phase)


class _Summary:
    def __init__(self) -> None:
        self.summary = RunSummary(count=0, successful=0, failed=0, inconclusive=0, error=0)

    def count_metric(self) -> None:
        self.summary.count = (self.summary.count or 0) + 1

    def add(self, phase: str) -> None:
        s = self.summary
        if phase == AnalysisPhase.SUCCESSFUL:
            s.successful = (s.successful or 0) + 1
        elif phase == AnalysisPhase.FAILED:
            s.failed = (s.failed or 0) + 1
        elif phase == AnalysisPhase.INCONCLUSIVE:
            s.inconclusive = (s.inconclusive or 0) + 1
        elif phase == AnalysisPhase.ERROR:
            s.error = (s.error or 0) + 1


def _because(prefix: str, phase: str, reason: str, last_message: str | None) -> str:
    message = f"{prefix} assessed {phase} due to {reason}"
    return f'{message}: "Error Message: {last_message}"' if last_message else message



def assess_run(run: AnalysisRun, now: datetime) -> AnalysisPlan:
    previous = run.status.phase if run.status else None
    if run.status is not None and is_completed(run.status.phase):
        return AnalysisPlan(run.status.model_copy(deep=True), None, previous)
    status = (run.status or AnalysisRunStatus()).model_copy(deep=True)
    invalid = selection_error(run.spec)
    if invalid is not None:
        # As upstream: the run ends in Error at once (no startedAt/completedAt bookkeeping).
        status.phase, status.message = AnalysisPhase.ERROR.value, f"{SPEC_INVALID_PREFIX}{invalid}"
        return AnalysisPlan(status, None, previous)
    if status.started_at is None:
        status.started_at = format_time(now)
    working = run.model_copy(update={"status": status})
    terminating = is_terminating(working)
    dry_names = dry_run_metric_names(run.spec)
    results = result_by_name(working)

    worst, message = "", RUN_TERMINATED_MESSAGE if run.spec.terminate else ""
    everything_completed = True
    summary, dry_summary = _Summary(), _Summary()
    transitions: list[MetricTransition] = []
    for metric in run.spec.metrics or []:
        name = metric.name or ""
        dry = name in dry_names
        tally = dry_summary if dry else summary
        tally.count_metric()
        result = results.get(name)
        if result is None:
            everything_completed = False
            continue
        phase, _ = assess_metric(metric, result, terminating=terminating)
        if result.phase != phase:
            transitions.append(MetricTransition(name, result.phase or "", phase))
            if result.measurements:
                result.message = result.measurements[-1].message
            result.phase = phase
        if not is_completed(phase):
            everything_completed = False
            continue
        breach, reason = limit_breach(metric, result)
        # Upstream tallies the limit that was breached; a metric completed without a breach
        # (count reached, consecutive successes, termination) counts as Successful.
        tally.add(breach or AnalysisPhase.SUCCESSFUL)
        if dry:
            worst = worst or AnalysisPhase.SUCCESSFUL
            if reason:
                result.message = f"Metric assessed {phase} due to {reason}"
            continue
        if not worst or is_worse(worst, phase):
            worst = phase
            if reason:
                message = _because(f'Metric "{name}"', phase, reason, result.message)

    if terminating:
        phase = worst or AnalysisPhase.SUCCESSFUL
    elif not everything_completed or not worst:
        phase = AnalysisPhase.RUNNING
    else:
        phase = worst
    if phase != status.phase:
        status.phase = str(phase)
        status.message = message or None
        if is_completed(phase) and status.completed_at is None:
            status.completed_at = format_time(now)
    status.run_summary = summary.summary
    status.dry_run_summary = dry_summary.summary
    status.metric_results = [_retain(run, r) for r in status.metric_results or []]
    if is_completed(status.phase):
        requeue = None
    elif not terminating and is_terminating(working):
        # A metric has just failed: like upstream (whose status write re-triggers a reconcile),
        # the stop takes effect on the next pass, which must therefore come at once.
        requeue = now
    else:
        requeue = next_reconcile_time(working, now)
    due = [] if is_completed(status.phase) else due_measurements(working, now)
    return AnalysisPlan(status, requeue, previous, transitions, due)


def _retain(run: AnalysisRun, result: MetricResult) -> MetricResult:
    limit = measurement_limit(run.spec, result.name or "")
    if result.measurements and len(result.measurements) > limit:
        result.measurements = result.measurements[-limit:]
    return result
