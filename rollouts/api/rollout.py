"""The Rollout kind: spec, strategies, and (re-exported) steps, traffic routing and status.

Design: this module holds the top of the tree (``Rollout``, ``RolloutSpec``, the two strategies);
the canary steps live in :mod:`rollouts.api.steps`, the routers in
:mod:`rollouts.api.traffic_routing`, the status in :mod:`rollouts.api.rollout_status`. Everything
is re-exported here so that callers import Rollout types from one place.

Invariants (see :mod:`rollouts.api.common`): every field is optional and unset fields stay unset,
so loading then dumping gives back the manifest; upstream's defaults are read through
:mod:`rollouts.api.defaults`; rules that need the whole object (exactly one strategy, exactly one
step kind, selector matching the template …) are in :mod:`rollouts.api.validation`. The pod
template is plain JSON: the controller hashes and copies it, it never interprets it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from rollouts.api.common import (
    ApiModel,
    IntOrString,
    JSONObject,
    KubeObject,
    LabelSelector,
    pod_template_labels,
)
from rollouts.api.rollout_status import (
    ALBStatus,
    AwsResourceRef,
    BlueGreenStatus,
    CanaryStatus,
    CompletionStatus,
    PauseCondition,
    PauseReason,
    RolloutAnalysisRunStatus,
    RolloutCondition,
    RolloutConditionType,
    RolloutDurationStatus,
    RolloutPhase,
    RolloutStatus,
    StepPluginOperation,
    StepPluginPhase,
    StepPluginStatus,
    TrafficWeights,
    WeightDestination,
)
from rollouts.api.steps import (
    AnalysisRunArgument,
    ArgumentValueFrom,
    CanaryStep,
    HeaderRoutingMatch,
    PluginStep,
    PodTemplateHashValue,
    PodTemplateMetadata,
    ReplicaSetSpecRef,
    RolloutAnalysis,
    RolloutAnalysisBackground,
    RolloutExperimentStep,
    RolloutExperimentStepAnalysisTemplateRef,
    RolloutExperimentTemplate,
    RolloutPause,
    RouteMatch,
    SetCanaryScale,
    SetHeaderRoute,
    SetMirrorRoute,
    StepKind,
    StringMatch,
)
from rollouts.api.traffic_routing import (
    ALBTrafficRouting,
    AmbassadorTrafficRouting,
    ApisixRoute,
    ApisixTrafficRouting,
    AppMeshTrafficRouting,
    AppMeshVirtualNodeGroup,
    AppMeshVirtualNodeReference,
    AppMeshVirtualService,
    IstioDestinationRule,
    IstioTrafficRouting,
    IstioVirtualService,
    ManagedRoute,
    MangedRoutes,
    NginxTrafficRouting,
    RolloutTrafficRouting,
    SMITrafficRouting,
    StickinessConfig,
    TCPRoute,
    TLSRoute,
    TraefikTrafficRouting,
)

__all__ = [
    "ALBStatus", "ALBTrafficRouting", "AmbassadorTrafficRouting", "AnalysisRunArgument",
    "AnalysisRunStrategy", "AntiAffinity", "ApisixRoute", "ApisixTrafficRouting",
    "AppMeshTrafficRouting", "AppMeshVirtualNodeGroup", "AppMeshVirtualNodeReference",
    "AppMeshVirtualService", "ArgumentValueFrom", "AwsResourceRef", "BlueGreenStatus",
    "BlueGreenStrategy", "CanaryStatus", "CanaryStep", "CanaryStrategy", "CompletionStatus",
    "HeaderRoutingMatch", "IstioDestinationRule", "IstioTrafficRouting", "IstioVirtualService",
    "ManagedRoute", "MangedRoutes", "NginxTrafficRouting", "ObjectRef", "PauseCondition",
    "PauseReason", "PingPongSpec", "PluginStep", "PodTemplateHashValue", "PodTemplateMetadata",
    "PreferredDuringSchedulingIgnoredDuringExecution", "ReplicaProgressThreshold",
    "ReplicaProgressThresholdType", "ReplicaSetSpecRef",
    "RequiredDuringSchedulingIgnoredDuringExecution", "RollbackWindowSpec", "Rollout",
    "RolloutAnalysis", "RolloutAnalysisBackground", "RolloutAnalysisRunStatus", "RolloutCondition",
    "RolloutConditionType", "RolloutDurationStatus", "RolloutExperimentStep",
    "RolloutExperimentStepAnalysisTemplateRef", "RolloutExperimentTemplate", "RolloutPause",
    "RolloutPhase", "RolloutSpec", "RolloutStatus", "RolloutStrategy", "RolloutTrafficRouting",
    "RouteMatch", "SMITrafficRouting", "SetCanaryScale", "SetHeaderRoute", "SetMirrorRoute",
    "StepKind", "StepPluginOperation", "StepPluginPhase", "StepPluginStatus", "StickinessConfig",
    "StringMatch", "TCPRoute", "TLSRoute", "TraefikTrafficRouting", "TrafficWeights",
    "WeightDestination", "WorkloadScaleDown",
]


class PreferredDuringSchedulingIgnoredDuringExecution(ApiModel):
    #: 1..100, the weight of the anti-affinity term.
    weight: int | None = None


class RequiredDuringSchedulingIgnoredDuringExecution(ApiModel):
    """Marker: presence alone asks for a hard anti-affinity rule."""


class AntiAffinity(ApiModel):
    """Keep new pods off nodes running the stable ReplicaSet's pods (exactly one of the two)."""

    preferred_during_scheduling_ignored_during_execution: (
        PreferredDuringSchedulingIgnoredDuringExecution | None
    ) = None
    required_during_scheduling_ignored_during_execution: (
        RequiredDuringSchedulingIgnoredDuringExecution | None
    ) = None


class BlueGreenStrategy(ApiModel):
    active_service: str | None = None
    preview_service: str | None = None
    preview_replica_count: int | None = None
    auto_promotion_enabled: bool | None = None
    auto_promotion_seconds: int | None = None
    max_unavailable: IntOrString | None = None
    scale_down_delay_seconds: int | None = None
    scale_down_delay_revision_limit: int | None = None
    pre_promotion_analysis: RolloutAnalysis | None = None
    anti_affinity: AntiAffinity | None = None
    post_promotion_analysis: RolloutAnalysis | None = None
    preview_metadata: PodTemplateMetadata | None = None
    active_metadata: PodTemplateMetadata | None = None
    abort_scale_down_delay_seconds: int | None = None


class PingPongSpec(ApiModel):
    ping_service: str | None = None
    pong_service: str | None = None


class ReplicaProgressThresholdType(StrEnum):
    PERCENT = "Percent"
    PODS = "Pods"


class ReplicaProgressThreshold(ApiModel):
    type: str | None = None
    value: int | None = None


class CanaryStrategy(ApiModel):
    canary_service: str | None = None
    stable_service: str | None = None
    steps: list[CanaryStep] | None = None
    traffic_routing: RolloutTrafficRouting | None = None
    max_unavailable: IntOrString | None = None
    max_surge: IntOrString | None = None
    analysis: RolloutAnalysisBackground | None = None
    anti_affinity: AntiAffinity | None = None
    canary_metadata: PodTemplateMetadata | None = None
    stable_metadata: PodTemplateMetadata | None = None
    scale_down_delay_seconds: int | None = None
    scale_down_delay_revision_limit: int | None = None
    abort_scale_down_delay_seconds: int | None = None
    dynamic_stable_scale: bool | None = None
    ping_pong: PingPongSpec | None = None
    min_pods_per_replica_set: int | None = None
    replica_progress_threshold: ReplicaProgressThreshold | None = None


class RolloutStrategy(ApiModel):
    blue_green: BlueGreenStrategy | None = None
    canary: CanaryStrategy | None = None


class WorkloadScaleDown(StrEnum):
    NEVER = "never"
    ON_SUCCESS = "onsuccess"
    PROGRESSIVELY = "progressively"


class ObjectRef(ApiModel):
    """``spec.workloadRef``: take the pod template (and selector) from another object."""

    api_version: str | None = None
    kind: str | None = None
    name: str | None = None
    scale_down: str | None = None


class AnalysisRunStrategy(ApiModel):
    """``spec.analysis``: how many finished AnalysisRuns (and Experiments) to keep."""

    successful_run_history_limit: int | None = None
    unsuccessful_run_history_limit: int | None = None


class RollbackWindowSpec(ApiModel):
    revisions: int | None = None


class RolloutSpec(ApiModel):
    replicas: int | None = None
    selector: LabelSelector | None = None
    #: A PodTemplateSpec as plain JSON.
    template: JSONObject | None = None
    workload_ref: ObjectRef | None = None
    min_ready_seconds: int | None = None
    strategy: RolloutStrategy | None = None
    revision_history_limit: int | None = None
    paused: bool | None = None
    progress_deadline_seconds: int | None = None
    progress_deadline_abort: bool | None = None
    #: RFC 3339 time; pods created before it are restarted.
    restart_at: str | None = None
    analysis: AnalysisRunStrategy | None = None
    rollback_window: RollbackWindowSpec | None = None

    def template_labels(self) -> dict[str, str]:
        """``template.metadata.labels`` (empty when absent or not a string map)."""
        return pod_template_labels(self.template)


class Rollout(KubeObject):
    KIND: ClassVar[str] = "Rollout"

    spec: RolloutSpec = Field(default_factory=RolloutSpec)
    status: RolloutStatus | None = None

    @property
    def canary(self) -> CanaryStrategy | None:
        return self.spec.strategy.canary if self.spec.strategy else None

    @property
    def blue_green(self) -> BlueGreenStrategy | None:
        return self.spec.strategy.blue_green if self.spec.strategy else None

    @property
    def steps(self) -> list[CanaryStep]:
        """The canary steps ([] for blue-green or no steps)."""
        return list(self.canary.steps or []) if self.canary else []
