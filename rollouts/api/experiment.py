"""Experiment: a set of ReplicaSet templates run side by side, optionally with AnalysisRuns.

Design: same conventions as :mod:`rollouts.api.analysis` (every field optional, upstream JSON
names, defaults read through :mod:`rollouts.api.analysis_defaults`, rules in
:mod:`rollouts.api.validation_analysis`). A template's ``template`` is a pod template kept as
plain JSON: the controller copies it into a ReplicaSet and only reads its labels.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from rollouts.api.analysis import (
    AnalysisRunMetadata,
    Argument,
    DryRun,
    DurationString,
    MeasurementRetention,
)
from rollouts.api.common import ApiModel, JSONObject, KubeObject, LabelSelector

#: Annotations put on an experiment's ReplicaSets.
EXPERIMENT_NAME_ANNOTATION = "experiment.argoproj.io/name"
EXPERIMENT_TEMPLATE_NAME_ANNOTATION = "experiment.argoproj.io/template-name"


class TemplateService(ApiModel):
    """Ask for a Service in front of the template's pods (``name`` defaults to the RS name)."""

    name: str | None = None


class TemplateSpec(ApiModel):
    name: str | None = None
    replicas: int | None = None
    min_ready_seconds: int | None = None
    selector: LabelSelector | None = None
    template: JSONObject | None = None
    service: TemplateService | None = None

    def template_labels(self) -> dict[str, str]:
        """``template.metadata.labels`` (empty when absent or not a string map)."""
        meta = (self.template or {}).get("metadata") or {}
        labels = meta.get("labels") if isinstance(meta, dict) else None
        if not isinstance(labels, dict):
            return {}
        return {str(k): str(v) for k, v in labels.items()}


class ExperimentAnalysisTemplateRef(ApiModel):
    name: str | None = None
    template_name: str | None = None
    cluster_scope: bool | None = None
    args: list[Argument] | None = None
    #: The experiment completes once every run marked so has succeeded.
    required_for_completion: bool | None = None


class ExperimentSpec(ApiModel):
    templates: list[TemplateSpec] | None = None
    #: Run time once all templates are available; unset runs until terminated or failed.
    duration: DurationString | None = None
    progress_deadline_seconds: int | None = None
    terminate: bool | None = None
    analyses: list[ExperimentAnalysisTemplateRef] | None = None
    scale_down_delay_seconds: int | None = None
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None
    analysis_run_metadata: AnalysisRunMetadata | None = None


class TemplateStatusCode(StrEnum):
    PROGRESSING = "Progressing"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"

    @classmethod
    def is_completed(cls, status: str | None) -> bool:
        return status in {cls.SUCCESSFUL, cls.FAILED, cls.ERROR}


class TemplateStatus(ApiModel):
    name: str | None = None
    replicas: int | None = None
    updated_replicas: int | None = None
    ready_replicas: int | None = None
    available_replicas: int | None = None
    collision_count: int | None = None
    status: str | None = None
    message: str | None = None
    #: Resets the progressDeadlineSeconds countdown.
    last_transition_time: str | None = None
    service_name: str | None = None
    pod_template_hash: str | None = None


class ExperimentConditionType(StrEnum):
    INVALID_SPEC = "InvalidSpec"
    COMPLETED = "Completed"
    PROGRESSING = "Progressing"
    RUNNING = "Running"
    REPLICA_FAILURE = "ReplicaFailure"


class ExperimentCondition(ApiModel):
    type: str | None = None
    status: str | None = None
    last_update_time: str | None = None
    last_transition_time: str | None = None
    reason: str | None = None
    message: str | None = None


class ExperimentAnalysisRunStatus(ApiModel):
    name: str | None = None
    analysis_run: str | None = None
    phase: str | None = None
    message: str | None = None


class ExperimentStatus(ApiModel):
    #: An :class:`rollouts.api.analysis.AnalysisPhase` value.
    phase: str | None = None
    message: str | None = None
    template_statuses: list[TemplateStatus] | None = None
    #: When every template first became available; ``duration`` counts from here.
    available_at: str | None = None
    conditions: list[ExperimentCondition] | None = None
    analysis_runs: list[ExperimentAnalysisRunStatus] | None = None


class Experiment(KubeObject):
    KIND: ClassVar[str] = "Experiment"

    spec: ExperimentSpec = Field(default_factory=ExperimentSpec)
    status: ExperimentStatus | None = None
