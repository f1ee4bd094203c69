"""One template's step: its ReplicaSet (create, scale, scale-down deadline), its Service, its status.

Template status rules (upstream's): a template whose available replicas equal the desired count
is Running — Successful once the duration has passed or the experiment is terminating; otherwise
it is Progressing, and Failed once ``progressDeadlineSeconds`` have passed since its
``lastTransitionTime`` (reset whenever its replica counts change or it is created or scaled).
A completed template (Successful/Failed/Error) never changes status again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from rollouts.api.analysis_defaults import (
    experiment_progress_deadline_seconds,
    experiment_scale_down_delay_seconds,
    template_replicas,
)
from rollouts.api.experiment import Experiment, TemplateSpec, TemplateStatus, TemplateStatusCode
from rollouts.core.conditions import format_time
from rollouts.core.experiment.actions import Actions, PlannedEvent, ScaleReplicaSet, SetScaleDownDeadline
from rollouts.core.experiment.replica_sets import new_replica_set, new_service, service_ports
from rollouts.core.experiment.state import (
    desired_replicas,
    is_terminating,
    parse_optional_time,
    passed_duration,
)
from rollouts.core.replica_sets import ReplicaSetView


def _counts(status: TemplateStatus) -> tuple[int, int, int, int]:
    return (
        status.replicas or 0,
        status.updated_replicas or 0,
        status.ready_replicas or 0,
        status.available_replicas or 0,
    )


def _scale_down_remaining(rs: ReplicaSetView, now: datetime) -> float | None:
    """Seconds until the ReplicaSet's scale-down deadline; None when it has none (or a bad one)."""
    deadline = parse_optional_time(rs.scale_down_deadline)
    if deadline is None:
        return None
    return (deadline - now).total_seconds()


def _with_deadline(rs: ReplicaSetView, deadline: str | None) -> ReplicaSetView:
    """The ReplicaSet as it will be once its deadline annotation is written (or removed)."""
    obj: dict[str, Any] = dict(rs.obj)
    metadata = dict(rs.metadata)
    annotations = dict(rs.annotations)
    if deadline is None:
        annotations.pop("scale-down-deadline", None)
    else:
        annotations["scale-down-deadline"] = deadline
    metadata["annotations"] = annotations
    obj["metadata"] = metadata
    return ReplicaSetView(obj)


def reconcile_template(
    experiment: Experiment,
    template: TemplateSpec,
    rs: ReplicaSetView | None,
    service: Mapping[str, Any] | None,
    now: datetime,
    actions: Actions,
) -> TemplateStatus:
    """Plan the template's objects into ``actions`` and return its new status."""
    old_status = experiment.status
    name = template.name or ""
    previous = next(
        (ts for ts in (old_status.template_statuses if old_status else None) or [] if ts.name == name), None
    )
    status = previous.model_copy(deep=True) if previous is not None else TemplateStatus(name=name)
    prev_code, prev_counts = status.status, _counts(status)
    desired = desired_replicas(old_status, template)
    stamp = format_time(now)

    if rs is None:
        actions.create_replica_sets.append(new_replica_set(experiment, template, status.collision_count, 0))
        status.last_transition_time = stamp
    else:
        _reconcile_service(experiment, template, rs, service, desired, status, actions)
        if desired == 0:
            rs = _plan_scale_down_deadline(experiment, rs, now, actions)
        if rs.spec_replicas != desired:
            _plan_scale(experiment, template, rs, service, desired, now, status, actions)
            status.last_transition_time = stamp

    # A ReplicaSet created by this plan has no pods yet: its counts read as zero.
    status.replicas = rs.replicas if rs else 0
    status.updated_replicas = rs.replicas if rs else 0
    status.ready_replicas = rs.ready_replicas if rs else 0
    status.available_replicas = rs.available_replicas if rs else 0
    if _counts(status) != prev_counts:
        status.last_transition_time = stamp

    if not TemplateStatusCode.is_completed(status.status):
        _assess(experiment, template, status, desired, now)

    if status.status != prev_code:
        text = f"Template '{name}' transitioned from {prev_code or ''} -> {status.status}"
        if status.message:
            text += ": " + status.message
        warning = status.status in (TemplateStatusCode.FAILED, TemplateStatusCode.ERROR)
        actions.events.append(
            PlannedEvent("Warning" if warning else "Normal", f"Template{status.status}", text)
        )
    return status


def _assess(
    experiment: Experiment, template: TemplateSpec, status: TemplateStatus, desired: int, now: datetime
) -> None:
    terminating = is_terminating(experiment, experiment.status)
    if desired == (status.available_replicas or 0):
        finished = passed_duration(experiment, experiment.status, now) or terminating
        status.status = TemplateStatusCode.SUCCESSFUL if finished else TemplateStatusCode.RUNNING
        return
    since = parse_optional_time(status.last_transition_time) or now
    deadline_seconds = experiment_progress_deadline_seconds(experiment)
    if now > since + timedelta(seconds=deadline_seconds):
        status.status = TemplateStatusCode.FAILED
        status.message = (
            f"Template '{template.name}' exceeded its progressDeadlineSeconds ({deadline_seconds})"
        )
    elif terminating:
        status.status = TemplateStatusCode.SUCCESSFUL
    else:
        status.status = TemplateStatusCode.PROGRESSING


def _reconcile_service(
    experiment: Experiment,
    template: TemplateSpec,
    rs: ReplicaSetView,
    service: Mapping[str, Any] | None,
    desired: int,
    status: TemplateStatus,
    actions: Actions,
) -> None:
    if template.service is None:
        if service is not None:
            actions.delete_services.append(str((service.get("metadata") or {}).get("name") or ""))
            status.service_name = None
            status.pod_template_hash = None
        return
    if desired == 0:
        return
    ports = service_ports(rs)
    existing = str((service or {}).get("metadata", {}).get("name") or "")
    if ports and (service is None or existing != rs.name):
        svc = new_service(experiment, template, rs, ports)
        if svc["metadata"]["name"] != existing:
            actions.create_services.append(svc)
        status.service_name = svc["metadata"]["name"]
        status.pod_template_hash = rs.pod_template_hash


def _plan_scale_down_deadline(
    experiment: Experiment, rs: ReplicaSetView, now: datetime, actions: Actions
) -> ReplicaSetView:
    """Stamp (or, with a zero delay, clear) the deadline after which a finished template scales to 0."""
    delay = experiment_scale_down_delay_seconds(experiment)
    if delay == 0:
        if rs.scale_down_deadline:
            actions.set_scale_down_deadlines.append(SetScaleDownDeadline(rs.name, None))
            return _with_deadline(rs, None)
        return rs
    if rs.scale_down_deadline:
        return rs
    deadline = format_time(now + timedelta(seconds=delay))
    actions.set_scale_down_deadlines.append(SetScaleDownDeadline(rs.name, deadline))
    return _with_deadline(rs, deadline)


def _plan_scale(
    experiment: Experiment,
    template: TemplateSpec,
    rs: ReplicaSetView,
    service: Mapping[str, Any] | None,
    desired: int,
    now: datetime,
    status: TemplateStatus,
    actions: Actions,
) -> None:
    if desired == 0:
        remaining = _scale_down_remaining(rs, now)
        if remaining is not None and remaining > 0:
            # Not yet: hold the template's own count until the deadline, and look again then.
            actions.requeue_within(remaining)
            desired = template_replicas(template)
    if rs.spec_replicas == desired:
        return
    actions.scale_replica_sets.append(ScaleReplicaSet(rs.name, desired))
    direction = "up" if rs.spec_replicas < desired else "down"
    actions.events.append(
        PlannedEvent(
            "Normal",
            "ScalingReplicaSet",
            f"Scaled {direction} ReplicaSet {rs.name} from {rs.spec_replicas} to {desired}",
        )
    )
    if desired == 0 and template.service is not None and rs.available_replicas == 0 and service is not None:
        actions.delete_services.append(str((service.get("metadata") or {}).get("name") or ""))
        status.service_name = None
        status.pod_template_hash = None
