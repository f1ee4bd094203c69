"""Small read-only views of a run shared by the scheduler and the assessment."""

from __future__ import annotations

from rollouts.api.analysis import AnalysisRun, MetricResult
from rollouts.core.analysis.phases import STOPPING_PHASES


def result_by_name(run: AnalysisRun) -> dict[str, MetricResult]:
    results = run.status.metric_results if run.status else None
    return {r.name or "": r for r in results or []}


def is_terminating(run: AnalysisRun) -> bool:
    """The run stops taking new measurements: ``spec.terminate``, or a non-dry-run metric
    already Failed, Error or Inconclusive."""
    if run.spec.terminate:
        return True
    return any(
        r.phase in STOPPING_PHASES and not r.dry_run for r in result_by_name(run).values()
    )
