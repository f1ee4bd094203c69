"""The Experiment's phase, message, ``availableAt`` and conditions (upstream's rules).

Phase: empty becomes Pending on the first pass. While Pending/Running, the templates' worst
status (Successful < Running < Progressing < Error < Failed) and the analyses' worst phase are
weighed: templates done successfully defer to the analyses (when they completed or some are
required); templates failed/errored decide alone; while templates run, a failed, errored or
inconclusive analysis ends the experiment, as does every required analysis succeeding
(``Required AnalysisRuns completed``). ``availableAt`` is stamped when the templates first all run.
"""

from __future__ import annotations

from datetime import datetime

from rollouts.api.analysis import AnalysisPhase
from rollouts.api.experiment import (
    Experiment,
    ExperimentCondition,
    ExperimentConditionType,
    ExperimentStatus,
    TemplateStatusCode,
)
from rollouts.core.conditions import (
    Condition,
    condition_from_dict,
    condition_to_dict,
    format_time,
    get_condition,
    new_condition,
    remove_condition,
    set_condition,
)
from rollouts.core.experiment.state import passed_duration

REQUIRED_ANALYSIS_COMPLETED_MESSAGE = "Required AnalysisRuns completed"
REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
EXPERIMENT_COMPLETED_REASON = "ExperimentCompleted"
INVALID_SPEC_REASON = "InvalidSpec"

# Best to worst.
_TEMPLATE_ORDER = (
    TemplateStatusCode.SUCCESSFUL,
    TemplateStatusCode.RUNNING,
    TemplateStatusCode.PROGRESSING,
    TemplateStatusCode.ERROR,
    TemplateStatusCode.FAILED,
)

# Best to worst, as upstream ranks runs for an experiment (this is not the AnalysisRun's own
# metric ranking: here Running is better than Pending). A phase not listed (empty) ranks best.
_RUN_ORDER = (
    AnalysisPhase.SUCCESSFUL,
    AnalysisPhase.RUNNING,
    AnalysisPhase.PENDING,
    AnalysisPhase.INCONCLUSIVE,
    AnalysisPhase.ERROR,
    AnalysisPhase.FAILED,
)


def _run_rank(phase: str | None) -> int:
    for rank, known in enumerate(_RUN_ORDER):
        if phase == known:
            return rank
    return 0


def is_worse(current: str | None, candidate: str | None) -> bool:
    return _run_rank(candidate) > _run_rank(current)


#: The experiment phase each worst template status calls for (Running otherwise).
_PHASE_OF_WORST_TEMPLATE: dict[str, str] = {
    TemplateStatusCode.PROGRESSING: AnalysisPhase.PENDING,
    TemplateStatusCode.FAILED: AnalysisPhase.FAILED,
    TemplateStatusCode.ERROR: AnalysisPhase.ERROR,
    TemplateStatusCode.SUCCESSFUL: AnalysisPhase.SUCCESSFUL,
}


def _template_rank(code: str | None) -> int:
    for rank, known in enumerate(_TEMPLATE_ORDER):
        if code == known:
            return rank
    return 0


def progressing_message(name: str) -> str:
    return f'Experiment "{name}" is progressing.'


def running_message(name: str) -> str:
    return f'Experiment "{name}" is running.'


def completed_message(name: str) -> str:
    return f'Experiment "{name}" has successfully ran and completed.'


def assess_templates(experiment: Experiment, status: ExperimentStatus) -> tuple[str, str]:
    """The experiment phase the templates call for, and the worst template's message."""
    worst: str = TemplateStatusCode.SUCCESSFUL
    message = ""
    by_name = {ts.name: ts for ts in status.template_statuses or []}
    for template in experiment.spec.templates or []:
        ts = by_name.get(template.name)
        if ts is None:
            if _template_rank(TemplateStatusCode.PROGRESSING) > _template_rank(worst):
                worst = TemplateStatusCode.PROGRESSING
        elif _template_rank(ts.status) > _template_rank(worst):
            worst, message = ts.status or "", ts.message or ""
    return _PHASE_OF_WORST_TEMPLATE.get(worst, AnalysisPhase.RUNNING), message


def has_required_analyses(experiment: Experiment) -> bool:
    return any(a.required_for_completion for a in experiment.spec.analyses or [])


def required_analyses_successful(experiment: Experiment, status: ExperimentStatus) -> bool:
    """Every analysis marked requiredForCompletion has succeeded (False when none is marked)."""
    required = [a.name for a in experiment.spec.analyses or [] if a.required_for_completion]
    if not required:
        return False
    phases = {r.name: r.phase for r in status.analysis_runs or []}
    return all(phases.get(name) == AnalysisPhase.SUCCESSFUL for name in required)


def assess_analyses(experiment: Experiment, status: ExperimentStatus) -> tuple[str, str]:
    """The worst analysis phase (Pending reads as Running) and its message; Successful without analyses."""
    worst: str = AnalysisPhase.SUCCESSFUL
    message = ""
    by_name = {r.name: r for r in status.analysis_runs or []}
    for analysis in experiment.spec.analyses or []:
        run = by_name.get(analysis.name)
        phase = run.phase if run is not None else None
        if is_worse(worst, phase or ""):
            worst, message = phase or "", (run.message if run else None) or ""
    if required_analyses_successful(experiment, status) and is_worse(worst, AnalysisPhase.RUNNING):
        return AnalysisPhase.SUCCESSFUL, REQUIRED_ANALYSIS_COMPLETED_MESSAGE
    if worst == AnalysisPhase.PENDING:
        worst = AnalysisPhase.RUNNING
    return worst, message


def calculate_phase(experiment: Experiment, status: ExperimentStatus, now: datetime) -> None:
    """Write phase, message and availableAt into ``status`` (templates and analyses already assessed)."""
    if not status.phase:
        status.phase = AnalysisPhase.PENDING
        return
    if status.phase not in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING):
        return
    template_phase, template_message = assess_templates(experiment, status)
    analyses_phase, analyses_message = assess_analyses(experiment, status)
    if template_phase == AnalysisPhase.RUNNING and not status.available_at:
        status.available_at = format_time(now)
    if AnalysisPhase.is_completed(template_phase):
        defer = AnalysisPhase.is_completed(analyses_phase) or has_required_analyses(experiment)
        if template_phase == AnalysisPhase.SUCCESSFUL and defer:
            status.phase, status.message = analyses_phase, analyses_message
        else:
            status.phase, status.message = template_phase, template_message
    elif (
        AnalysisPhase.is_completed(analyses_phase) and analyses_phase != AnalysisPhase.SUCCESSFUL
    ) or required_analyses_successful(experiment, status):
        status.phase, status.message = analyses_phase, analyses_message
    else:
        status.phase, status.message = template_phase, template_message
    status.message = status.message or None


def _progressed(experiment: Experiment, status: ExperimentStatus) -> bool:
    """Whether a template was added or any template's replica counts changed."""
    old = {ts.name: ts for ts in (experiment.status.template_statuses if experiment.status else None) or []}
    new = {ts.name: ts for ts in status.template_statuses or []}
    if len(old) < len(new):
        return True
    fields = ("replicas", "updated_replicas", "ready_replicas", "available_replicas")
    return any(
        (getattr(old[name], f) or 0) != (getattr(new[name], f) or 0)
        for name in old
        if name in new
        for f in fields
    )


def _read_conditions(status: ExperimentStatus, now: datetime) -> list[Condition]:
    return [condition_from_dict(c.to_dict(), now) for c in status.conditions or []]


def _write_conditions(status: ExperimentStatus, conditions: list[Condition]) -> None:
    status.conditions = [ExperimentCondition.model_validate(condition_to_dict(c)) for c in conditions] or None


def set_invalid_spec(status: ExperimentStatus, message: str, now: datetime) -> None:
    """Write the InvalidSpec condition; a new message replaces the old condition outright."""
    invalid = ExperimentConditionType.INVALID_SPEC
    conditions = _read_conditions(status, now)
    current = get_condition(conditions, invalid)
    if current is not None and current.message != message:
        conditions = remove_condition(conditions, invalid)
    conditions, _ = set_condition(conditions, new_condition(invalid, True, INVALID_SPEC_REASON, message, now))
    _write_conditions(status, conditions)


def calculate_conditions(experiment: Experiment, status: ExperimentStatus, now: datetime) -> None:
    """The Progressing condition by upstream's precedence (a valid spec clears InvalidSpec)."""
    conditions = remove_condition(_read_conditions(status, now), ExperimentConditionType.INVALID_SPEC)
    progressing = ExperimentConditionType.PROGRESSING
    name = experiment.name
    if status.phase == AnalysisPhase.SUCCESSFUL:
        cond = new_condition(progressing, False, EXPERIMENT_COMPLETED_REASON, completed_message(name), now)
        conditions, _ = set_condition(conditions, cond)
    elif _progressed(experiment, status):
        cond = new_condition(progressing, True, REPLICA_SET_UPDATED_REASON, progressing_message(name), now)
        current = get_condition(conditions, progressing)
        if current is not None:
            if current.status == "True":
                cond = Condition(
                    cond.type, cond.status, cond.reason, cond.message, now, current.last_transition_time
                )
            conditions = remove_condition(conditions, progressing)
        conditions = [*conditions, cond]
    elif (
        experiment.status is not None
        and experiment.status.available_at
        and not passed_duration(experiment, experiment.status, now)
    ):
        cond = new_condition(progressing, True, NEW_RS_AVAILABLE_REASON, running_message(name), now)
        conditions, _ = set_condition(conditions, cond)
    _write_conditions(status, conditions)
