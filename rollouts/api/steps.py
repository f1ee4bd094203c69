"""Canary steps and the analysis references a Rollout makes.

Design: :class:`CanaryStep` has one optional field per step kind; upstream requires exactly one
to be set, which :mod:`rollouts.api.validation` checks (loading accepts any combination so that
the error can carry upstream's message and path). :meth:`CanaryStep.kind` names the set one.

The analysis building blocks shared with AnalysisRuns (template refs, dry-run, retention, run
metadata) come from :mod:`rollouts.api.analysis`, so that a Rollout's analysis copies into an
AnalysisRun without conversion.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from rollouts.api.analysis import (
    AnalysisRunMetadata,
    AnalysisTemplateRef,
    DryRun,
    DurationString,
    FieldRef,
    MeasurementRetention,
)
from rollouts.api.common import ApiModel, IntOrString, LabelSelector
from rollouts.api.experiment import TemplateService


class PodTemplateHashValue(StrEnum):
    """``valueFrom.podTemplateHashValue``: which ReplicaSet's hash an argument receives."""

    STABLE = "Stable"
    LATEST = "Latest"


class ArgumentValueFrom(ApiModel):
    pod_template_hash_value: str | None = None
    field_ref: FieldRef | None = None


class AnalysisRunArgument(ApiModel):
    """An argument a Rollout passes to its AnalysisRuns: a literal or a value taken at run time."""

    name: str | None = None
    value: str | None = None
    value_from: ArgumentValueFrom | None = None


class RolloutAnalysis(ApiModel):
    templates: list[AnalysisTemplateRef] | None = None
    args: list[AnalysisRunArgument] | None = None
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None
    analysis_run_metadata: AnalysisRunMetadata | None = None


class RolloutAnalysisBackground(RolloutAnalysis):
    """``canary.analysis``: a background run, started once step ``startingStep`` is reached."""

    starting_step: int | None = None


class RolloutPause(ApiModel):
    #: Seconds (int or digit string) or a Go duration; unset pauses until promoted.
    duration: IntOrString | None = None


class PodTemplateMetadata(ApiModel):
    """Ephemeral labels/annotations put on a ReplicaSet's pods (canary/stable, active/preview)."""

    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class ReplicaSetSpecRef(StrEnum):
    CANARY = "canary"
    STABLE = "stable"


class RolloutExperimentTemplate(ApiModel):
    name: str | None = None
    #: ``canary`` or ``stable``: whose pod template the experiment copies.
    spec_ref: str | None = None
    replicas: int | None = None
    metadata: PodTemplateMetadata | None = None
    selector: LabelSelector | None = None
    #: Traffic weight routed to this template's Service (traffic routing only).
    weight: int | None = None
    service: TemplateService | None = None


class RolloutExperimentStepAnalysisTemplateRef(ApiModel):
    name: str | None = None
    template_name: str | None = None
    cluster_scope: bool | None = None
    args: list[AnalysisRunArgument] | None = None
    required_for_completion: bool | None = None


class RolloutExperimentStep(ApiModel):
    templates: list[RolloutExperimentTemplate] | None = None
    duration: DurationString | None = None
    analyses: list[RolloutExperimentStepAnalysisTemplateRef] | None = None
    dry_run: list[DryRun] | None = None
    analysis_run_metadata: AnalysisRunMetadata | None = None
    #: Copied to the Experiment's ``scaleDownDelaySeconds``.
    scale_down_delay_seconds: int | None = None


class SetCanaryScale(ApiModel):
    """Scale the canary independently of traffic: ``weight`` %, ``replicas``, or back to the weight."""

    weight: int | None = None
    replicas: int | None = None
    match_traffic_weight: bool | None = None


class StringMatch(ApiModel):
    """Exactly one of exact / prefix / regex."""

    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None


class HeaderRoutingMatch(ApiModel):
    header_name: str | None = None
    header_value: StringMatch | None = None


class SetHeaderRoute(ApiModel):
    name: str | None = None
    #: Omitted: the route is removed.
    match: list[HeaderRoutingMatch] | None = None


class RouteMatch(ApiModel):
    method: StringMatch | None = None
    path: StringMatch | None = None
    headers: dict[str, StringMatch] | None = None


class SetMirrorRoute(ApiModel):
    name: str | None = None
    #: Omitted: the route is removed.
    match: list[RouteMatch] | None = None
    percentage: int | None = None


class PluginStep(ApiModel):
    name: str | None = None
    #: Handed to the step plugin as is.
    config: Any = None


class StepKind(StrEnum):
    """The JSON name of each canary step kind."""

    SET_WEIGHT = "setWeight"
    PAUSE = "pause"
    EXPERIMENT = "experiment"
    ANALYSIS = "analysis"
    SET_CANARY_SCALE = "setCanaryScale"
    SET_HEADER_ROUTE = "setHeaderRoute"
    SET_MIRROR_ROUTE = "setMirrorRoute"
    PLUGIN = "plugin"


class CanaryStep(ApiModel):
    set_weight: int | None = None
    pause: RolloutPause | None = None
    experiment: RolloutExperimentStep | None = None
    analysis: RolloutAnalysis | None = None
    set_canary_scale: SetCanaryScale | None = None
    set_header_route: SetHeaderRoute | None = None
    set_mirror_route: SetMirrorRoute | None = None
    plugin: PluginStep | None = None

    def kinds(self) -> list[StepKind]:
        """The step kinds that are set, in field order (valid steps have exactly one)."""
        values = (
            self.set_weight, self.pause, self.experiment, self.analysis, self.set_canary_scale,
            self.set_header_route, self.set_mirror_route, self.plugin,
        )
        return [kind for kind, value in zip(StepKind, values, strict=True) if value is not None]

    def kind(self) -> StepKind | None:
        """The one step kind set, or None when zero or several are (an invalid step)."""
        kinds = self.kinds()
        return kinds[0] if len(kinds) == 1 else None
