"""The entry point: :func:`plan_experiment` and the :class:`ExperimentPlan` it returns.

Order inside one pass (upstream's): every template, then every analysis, then the phase and
conditions, then the requeue time. The status is built from the stored status (never from
scratch), so a pass over an unchanged world returns the same status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollouts.api.analysis_defaults import experiment_progress_deadline_seconds
from rollouts.api.experiment import Experiment, ExperimentStatus, TemplateStatusCode
from rollouts.api.validation_analysis import validate_experiment
from rollouts.core.experiment.actions import Actions, PlannedEvent, ScaleReplicaSet, SetScaleDownDeadline
from rollouts.core.experiment.analysis_runs import AnalysisWorld, reconcile_analysis
from rollouts.core.experiment.replica_sets import replica_sets_by_template
from rollouts.core.experiment.state import (
    desired_replicas,
    duration_remaining,
    is_terminating,
    parse_optional_time,
)
from rollouts.core.experiment.status import calculate_conditions, calculate_phase, set_invalid_spec
from rollouts.core.experiment.templates import reconcile_template

# Requeue a hair after a deadline, not on it: the deadline checks are strict ("after"), so a
# pass exactly on the deadline would find nothing to do and ask to come back in zero seconds.
_DEADLINE_SLACK_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class ExperimentInputs:
    """What the planner reads. Objects are the JSON dicts the informers cache."""

    experiment: Experiment
    now: datetime
    #: ReplicaSets in the experiment's namespace (those not owned by it are ignored).
    replica_sets: Sequence[Mapping[str, Any]] = ()
    #: AnalysisRuns in the experiment's namespace, by name.
    analysis_runs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: AnalysisTemplates of the namespace and ClusterAnalysisTemplates, by name.
    analysis_templates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    cluster_analysis_templates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The Service currently in front of each template, by template name.
    services: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExperimentPlan:
    """What to do, in order: create/annotate/scale ReplicaSets, Services, AnalysisRuns; then
    write ``status`` (when ``status_changed``); emit ``events``; look again after ``requeue_after``."""

    create_replica_sets: list[dict[str, Any]]
    set_scale_down_deadlines: list[SetScaleDownDeadline]
    scale_replica_sets: list[ScaleReplicaSet]
    create_services: list[dict[str, Any]]
    delete_services: list[str]
    create_analysis_runs: list[dict[str, Any]]
    terminate_analysis_runs: list[str]
    status: dict[str, Any]
    status_changed: bool
    events: list[PlannedEvent]
    requeue_after: float | None


def plan_experiment(inputs: ExperimentInputs) -> ExperimentPlan:
    experiment, now = inputs.experiment, inputs.now
    actions = Actions()
    old_status = experiment.status
    status = old_status.model_copy(deep=True) if old_status is not None else ExperimentStatus()

    errors = validate_experiment(experiment)
    if errors:
        # Upstream's rule: an invalid spec is never acted on; only the InvalidSpec condition is
        # written (the phase is left as it was).
        set_invalid_spec(status, errors[0].message, now)
    else:
        # Two ReplicaSets claiming one template raise AmbiguousReplicaSets: the reconcile fails
        # and is retried, as upstream's does.
        owned = replica_sets_by_template(experiment, inputs.replica_sets)
        for template in experiment.spec.templates or []:
            ts = reconcile_template(
                experiment,
                template,
                owned.get(template.name or ""),
                inputs.services.get(template.name or ""),
                now,
                actions,
            )
            _set_named(status.template_statuses, ts, lambda s: setattr(status, "template_statuses", s))
        world = AnalysisWorld(
            experiment,
            owned,
            inputs.analysis_runs,
            inputs.analysis_templates,
            inputs.cluster_analysis_templates,
            actions,
        )
        for analysis in experiment.spec.analyses or []:
            run_status = reconcile_analysis(world, analysis)
            _set_named(status.analysis_runs, run_status, lambda s: setattr(status, "analysis_runs", s))
        calculate_phase(experiment, status, now)
        _requeue_for_deadlines(experiment, status, now, actions)
        calculate_conditions(experiment, status, now)

    new_status = _without_nulls(status.to_dict())
    old_dict = _without_nulls(old_status.to_dict()) if old_status is not None else {}
    return ExperimentPlan(
        create_replica_sets=actions.create_replica_sets,
        set_scale_down_deadlines=actions.set_scale_down_deadlines,
        scale_replica_sets=actions.scale_replica_sets,
        create_services=actions.create_services,
        delete_services=actions.delete_services,
        create_analysis_runs=actions.create_analysis_runs,
        terminate_analysis_runs=actions.terminate_analysis_runs,
        status=new_status,
        status_changed=new_status != old_dict,
        events=actions.events,
        requeue_after=actions.requeue_after,
    )


def _without_nulls(value: Any) -> Any:
    """The JSON without null members: the API server drops them (fields are omitempty), so a
    status compared or written with them would never match what is read back."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _set_named(items: list[Any] | None, item: Any, assign: Any) -> None:
    """Replace the entry with ``item``'s name, or append it (keeps the stored order)."""
    current = list(items or [])
    for i, existing in enumerate(current):
        if existing.name == item.name:
            current[i] = item
            break
    else:
        current.append(item)
    assign(current)


def _requeue_for_deadlines(
    experiment: Experiment, status: ExperimentStatus, now: datetime, actions: Actions
) -> None:
    """Come back when the duration ends or a template's progress deadline passes (not while terminating)."""
    if is_terminating(experiment, status):
        return
    remaining = duration_remaining(experiment, status, now)
    if remaining is not None and remaining >= 0:
        actions.requeue_within(remaining + _DEADLINE_SLACK_SECONDS)
    deadline = experiment_progress_deadline_seconds(experiment)
    by_name = {ts.name: ts for ts in status.template_statuses or []}
    for template in experiment.spec.templates or []:
        ts = by_name.get(template.name)
        if ts is None or ts.status not in (TemplateStatusCode.PROGRESSING, TemplateStatusCode.RUNNING):
            continue
        since = parse_optional_time(ts.last_transition_time)
        if since is None or (ts.available_replicas or 0) == desired_replicas(status, template):
            continue
        left = (since + timedelta(seconds=deadline) - now).total_seconds()
        actions.requeue_within(left + _DEADLINE_SLACK_SECONDS)
