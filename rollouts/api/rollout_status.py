"""``Rollout.status``: what the controller writes back.

Design: upstream's fields verbatim (``HPAReplicas`` keeps its capitalised JSON name, the scale
subresource points at it; ``observedGeneration`` is a *string*). Times are RFC 3339 strings as
they travel on the wire; the runtime parses them when it needs to compare. The enums name the
values the controller writes, so that the core and the reconciler never spell them twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from rollouts.api.common import ApiModel


class RolloutPhase(StrEnum):
    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


class RolloutConditionType(StrEnum):
    AVAILABLE = "Available"
    PROGRESSING = "Progressing"
    REPLICA_FAILURE = "ReplicaFailure"
    PAUSED = "Paused"
    COMPLETED = "Completed"
    HEALTHY = "Healthy"
    INVALID_SPEC = "InvalidSpec"


class PauseReason(StrEnum):
    CANARY_PAUSE_STEP = "CanaryPauseStep"
    BLUE_GREEN_PAUSE = "BlueGreenPause"
    INCONCLUSIVE_ANALYSIS = "InconclusiveAnalysisRun"
    INCONCLUSIVE_EXPERIMENT = "InconclusiveExperiment"
    PAUSED_BY_USER = "PausedByUser"


class CompletionStatus(StrEnum):
    """``status.duration.completionStatus``."""

    PROMOTED = "Promoted"
    FAST_PROMOTED = "FastPromoted"
    ABORTED = "Aborted"
    SUPERSEDED = "Superseded"
    ROLLED_BACK = "RolledBack"
    FAST_ROLLED_BACK = "FastRolledBack"


class PauseCondition(ApiModel):
    reason: str | None = None
    start_time: str | None = None


class RolloutCondition(ApiModel):
    type: str | None = None
    #: "True", "False" or "Unknown".
    status: str | None = None
    last_update_time: str | None = None
    last_transition_time: str | None = None
    reason: str | None = None
    message: str | None = None


class RolloutAnalysisRunStatus(ApiModel):
    name: str | None = None
    #: An :class:`rollouts.api.analysis.AnalysisPhase` value.
    status: str | None = None
    message: str | None = None


class WeightDestination(ApiModel):
    weight: int | None = None
    service_name: str | None = None
    pod_template_hash: str | None = None


class TrafficWeights(ApiModel):
    canary: WeightDestination | None = None
    stable: WeightDestination | None = None
    additional: list[WeightDestination] | None = None
    #: Whether the router confirmed the weight (ALB only); unset elsewhere.
    verified: bool | None = None


class StepPluginOperation(StrEnum):
    RUN = "Run"
    TERMINATE = "Terminate"
    ABORT = "Abort"


class StepPluginPhase(StrEnum):
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"


class StepPluginStatus(ApiModel):
    index: int | None = None
    name: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    updated_at: str | None = None
    phase: str | None = None
    message: str | None = None
    executions: int | None = None
    #: A Go duration string: how long to wait before the next execution.
    backoff: str | None = None
    disabled: bool | None = None
    operation: str | None = None
    #: The plugin's own state, free JSON.
    status: Any = None


class CanaryStatus(ApiModel):
    current_step_analysis_run_status: RolloutAnalysisRunStatus | None = None
    current_background_analysis_run_status: RolloutAnalysisRunStatus | None = None
    current_experiment: str | None = None
    weights: TrafficWeights | None = None
    #: ``ping`` or ``pong``: which ping-pong service is stable.
    stable_ping_pong: str | None = None
    step_plugin_statuses: list[StepPluginStatus] | None = None


class BlueGreenStatus(ApiModel):
    preview_selector: str | None = None
    active_selector: str | None = None
    scale_up_preview_check_point: bool | None = None
    pre_promotion_analysis_run_status: RolloutAnalysisRunStatus | None = None
    post_promotion_analysis_run_status: RolloutAnalysisRunStatus | None = None


class AwsResourceRef(ApiModel):
    name: str | None = None
    arn: str | None = None
    full_name: str | None = None


class ALBStatus(ApiModel):
    load_balancer: AwsResourceRef | None = None
    canary_target_group: AwsResourceRef | None = None
    stable_target_group: AwsResourceRef | None = None
    ingress: str | None = None


class RolloutDurationStatus(ApiModel):
    """``status.duration``: timing of the current/last update."""

    rollout_started_at: str | None = None
    manual_pause_started_at: str | None = None
    total_manual_pause_duration_seconds: int | None = None
    finished_at: str | None = None
    completion_status: str | None = None


class RolloutStatus(ApiModel):
    abort: bool | None = None
    pause_conditions: list[PauseCondition] | None = None
    controller_pause: bool | None = None
    aborted_at: str | None = None
    current_pod_hash: str | None = None
    current_step_hash: str | None = None
    replicas: int | None = None
    updated_replicas: int | None = None
    ready_replicas: int | None = None
    available_replicas: int | None = None
    #: None when there are no steps; ``len(steps)`` once every step is done.
    current_step_index: int | None = None
    collision_count: int | None = None
    #: ``metadata.generation`` as a string (upstream's type).
    observed_generation: str | None = None
    conditions: list[RolloutCondition] | None = None
    canary: CanaryStatus | None = None
    blue_green: BlueGreenStatus | None = None
    #: Read by the scale subresource (HPA); the capitalised JSON name is upstream's.
    hpa_replicas: int | None = Field(default=None, alias="HPAReplicas")
    #: The label selector as a string, for the scale subresource.
    selector: str | None = None
    stable_rs: str | None = Field(default=None, alias="stableRS")
    restarted_at: str | None = None
    promote_full: bool | None = None
    phase: str | None = None
    message: str | None = None
    workload_observed_generation: str | None = None
    alb: ALBStatus | None = None
    albs: list[ALBStatus] | None = None
    duration: RolloutDurationStatus | None = None

    def condition(self, type_: str) -> RolloutCondition | None:
        """The condition of a type, if present."""
        return next((c for c in self.conditions or [] if c.type == type_), None)
