"""Reading an Experiment: terminating, finished, duration passed, desired template replicas.

These answer upstream's questions about the Experiment *as it was read* (its stored status),
which is what upstream's template and analysis steps consult; the new status is only built
afterwards (see :mod:`.status`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rollouts.api.analysis import AnalysisPhase
from rollouts.api.analysis_defaults import template_replicas
from rollouts.api.common import duration_seconds
from rollouts.api.experiment import Experiment, ExperimentStatus, TemplateSpec, TemplateStatusCode
from rollouts.core.conditions import parse_time

_STOPPING_RUN_PHASES = frozenset({AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE})
_STOPPING_TEMPLATE_STATUSES = frozenset({TemplateStatusCode.FAILED, TemplateStatusCode.ERROR})


def has_finished(status: ExperimentStatus | None) -> bool:
    return AnalysisPhase.is_completed(status.phase if status else None)


def is_terminating(experiment: Experiment, status: ExperimentStatus | None) -> bool:
    """Whether the experiment winds down: asked to, finished, or a template/run went wrong."""
    if experiment.spec.terminate or has_finished(status):
        return True
    if status is None:
        return False
    if any(ts.status in _STOPPING_TEMPLATE_STATUSES for ts in status.template_statuses or []):
        return True
    return any(run.phase in _STOPPING_RUN_PHASES for run in status.analysis_runs or [])


def parse_optional_time(text: str | None) -> datetime | None:
    """A stored time, or None when absent or malformed (a bad value never crashes the planner)."""
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def duration_of(experiment: Experiment) -> float | None:
    """``spec.duration`` in seconds; None when unset or unreadable (runs until terminated)."""
    value = experiment.spec.duration
    if value is None or value == "":
        return None
    try:
        return duration_seconds(value)
    except ValueError:
        return None


def passed_duration(experiment: Experiment, status: ExperimentStatus | None, now: datetime) -> bool:
    """Whether ``availableAt + duration`` lies strictly before ``now``."""
    remaining = duration_remaining(experiment, status, now)
    return remaining is not None and remaining < 0


def duration_remaining(
    experiment: Experiment, status: ExperimentStatus | None, now: datetime
) -> float | None:
    """Seconds until the duration ends (negative once passed); None without duration or availableAt."""
    duration = duration_of(experiment)
    available_at = parse_optional_time(status.available_at if status else None)
    if duration is None or available_at is None:
        return None
    return (available_at + timedelta(seconds=duration) - now).total_seconds()


def desired_replicas(status: ExperimentStatus | None, template: TemplateSpec) -> int:
    """The template's replicas while the experiment has not finished; 0 afterwards."""
    return 0 if has_finished(status) else template_replicas(template)
