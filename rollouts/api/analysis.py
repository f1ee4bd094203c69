"""AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun: metrics, providers, arguments, status.

Design:

* Every field upstream has, with upstream's JSON name; everything optional so that a manifest
  round-trips exactly (see :mod:`rollouts.api.common`). Upstream's defaults are read through
  :mod:`rollouts.api.analysis_defaults`; semantic rules live in
  :mod:`rollouts.api.validation_analysis`.
* Duration strings (``interval``, ``initialDelay``, ``rangeQuery.step``, …) are kept as written:
  a template may hold ``"{{args.interval}}"``, which only becomes a duration once the arguments
  are resolved, so loading never rejects them; validation does (with Go's wording).
* Limits and ``count`` are IntOrString for the same reason (``"{{args.count}}"``).
* A Job provider's ``spec`` and a plugin provider's config are plain JSON: the controller passes
  them through to the API server / the plugin and never interprets them field by field.
* Status timestamps are RFC 3339 strings as the API server returns them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from rollouts.api.common import ApiModel, IntOrString, JSONObject, KubeObject, ObjectMeta

#: A Go duration string ("30s", "5m", "1h30m"), possibly still templated ("{{args.interval}}").
DurationString = str


class AnalysisPhase(StrEnum):
    """Phase of an AnalysisRun, a MetricResult, a Measurement (and an Experiment)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @classmethod
    def is_completed(cls, phase: str | None) -> bool:
        """True for the four terminal phases (upstream's ``AnalysisPhase.Completed``)."""
        return phase in _COMPLETED_PHASES


_COMPLETED_PHASES = frozenset(
    {AnalysisPhase.SUCCESSFUL, AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE}
)


# ---------------------------------------------------------------------------------------------
# arguments


class SecretKeyRef(ApiModel):
    name: str | None = None
    key: str | None = None


class FieldRef(ApiModel):
    """A path into the owning Rollout (``metadata.labels['app']``, ``spec.template...``)."""

    field_path: str | None = None


class ValueFrom(ApiModel):
    secret_key_ref: SecretKeyRef | None = None
    field_ref: FieldRef | None = None


class Argument(ApiModel):
    """A template/run argument; one without ``value``/``valueFrom`` must be supplied by the caller."""

    name: str | None = None
    value: str | None = None
    value_from: ValueFrom | None = None


class DryRun(ApiModel):
    """Metrics whose name matches ``metricName`` (an unanchored regex) never affect the run phase."""

    metric_name: str | None = None


class MeasurementRetention(ApiModel):
    """Keep ``limit`` measurements for metrics whose name matches ``metricName`` (a regex)."""

    metric_name: str | None = None
    limit: int | None = None


class TTLStrategy(ApiModel):
    seconds_after_completion: int | None = None
    seconds_after_failure: int | None = None
    seconds_after_success: int | None = None


class AnalysisTemplateRef(ApiModel):
    """A reference to an (optionally cluster-scoped) template; shared with the Rollout model."""

    template_name: str | None = None
    cluster_scope: bool | None = None


class AnalysisRunMetadata(ApiModel):
    """Labels/annotations stamped onto created AnalysisRuns; shared with the Rollout model."""

    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


# ---------------------------------------------------------------------------------------------
# shared provider pieces


class WebMetricHeader(ApiModel):
    key: str | None = None
    value: str | None = None


class Sigv4Config(ApiModel):
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None


class OAuth2Config(ApiModel):
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scopes: list[str] | None = None


class BasicAuthConfig(ApiModel):
    username: str | None = None
    password: str | None = None


class Authentication(ApiModel):
    sigv4: Sigv4Config | None = None
    oauth2: OAuth2Config | None = None
    basic_auth: BasicAuthConfig | None = None


# ---------------------------------------------------------------------------------------------
# providers


class PrometheusRangeQueryArgs(ApiModel):
    """``start``/``end`` are expressions (``now() - duration("1h")``); ``step`` a duration."""

    start: str | None = None
    end: str | None = None
    step: DurationString | None = None


class PrometheusMetric(ApiModel):
    address: str | None = None
    query: str | None = None
    authentication: Authentication | None = None
    timeout: int | None = None
    insecure: bool | None = None
    headers: list[WebMetricHeader] | None = None
    range_query: PrometheusRangeQueryArgs | None = None


class WebMetricMethod(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"


class WebMetric(ApiModel):
    method: str | None = None
    url: str | None = None
    headers: list[WebMetricHeader] | None = None
    body: str | None = None
    timeout_seconds: int | None = None
    json_path: str | None = None
    insecure: bool | None = None
    #: Any JSON value, sent as the request body (POST/PUT only; exclusive with ``body``).
    json_body: Any = None
    authentication: Authentication | None = None


class JobMetric(ApiModel):
    """A batch/v1 Job whose completion is the measurement; ``spec`` is a plain JobSpec."""

    metadata: ObjectMeta | None = None
    spec: JSONObject | None = None


class KayentaThreshold(ApiModel):
    pass_: int | None = Field(default=None, alias="pass")
    marginal: int | None = None


class ScopeDetail(ApiModel):
    scope: str | None = None
    region: str | None = None
    step: int | None = None
    start: str | None = None
    end: str | None = None


class KayentaScope(ApiModel):
    name: str | None = None
    control_scope: ScopeDetail | None = None
    experiment_scope: ScopeDetail | None = None


class KayentaMetric(ApiModel):
    address: str | None = None
    application: str | None = None
    canary_config_name: str | None = None
    metrics_account_name: str | None = None
    configuration_account_name: str | None = None
    storage_account_name: str | None = None
    threshold: KayentaThreshold | None = None
    scopes: list[KayentaScope] | None = None
    lookback: bool | None = None


class SecretRef(ApiModel):
    """A Secret holding provider credentials; ``namespaced`` reads it from the run's namespace."""

    name: str | None = None
    namespaced: bool | None = None


class DatadogMetric(ApiModel):
    interval: DurationString | None = None
    query: str | None = None
    queries: dict[str, str] | None = None
    formula: str | None = None
    api_version: str | None = None
    aggregator: str | None = None
    secret_ref: SecretRef | None = None
    request_timeout: DurationString | None = None


class WavefrontMetric(ApiModel):
    address: str | None = None
    query: str | None = None


class NewRelicMetric(ApiModel):
    profile: str | None = None
    query: str | None = None
    timeout: int | None = None


class CloudWatchMetricStatMetricDimension(ApiModel):
    name: str | None = None
    value: str | None = None


class CloudWatchMetricStatMetric(ApiModel):
    dimensions: list[CloudWatchMetricStatMetricDimension] | None = None
    metric_name: str | None = None
    namespace: str | None = None


class CloudWatchMetricStat(ApiModel):
    metric: CloudWatchMetricStatMetric | None = None
    period: IntOrString | None = None
    stat: str | None = None
    unit: str | None = None


class CloudWatchMetricDataQuery(ApiModel):
    id: str | None = None
    expression: str | None = None
    label: str | None = None
    metric_stat: CloudWatchMetricStat | None = None
    period: IntOrString | None = None
    return_data: bool | None = None


class CloudWatchMetric(ApiModel):
    interval: DurationString | None = None
    metric_data_queries: list[CloudWatchMetricDataQuery] | None = None


class GraphiteMetric(ApiModel):
    address: str | None = None
    query: str | None = None


class InfluxdbMetric(ApiModel):
    profile: str | None = None
    query: str | None = None


class SkyWalkingMetric(ApiModel):
    address: str | None = None
    query: str | None = None
    interval: DurationString | None = None


class MetricProvider(ApiModel):
    """Exactly one of these must be set (checked by validation, not by loading)."""

    prometheus: PrometheusMetric | None = None
    kayenta: KayentaMetric | None = None
    web: WebMetric | None = None
    datadog: DatadogMetric | None = None
    wavefront: WavefrontMetric | None = None
    new_relic: NewRelicMetric | None = None
    job: JobMetric | None = None
    cloud_watch: CloudWatchMetric | None = None
    graphite: GraphiteMetric | None = None
    influxdb: InfluxdbMetric | None = None
    skywalking: SkyWalkingMetric | None = None
    #: ``{"<org>/<plugin-name>": <plugin config>}``; the config is the plugin's own JSON.
    plugin: dict[str, Any] | None = None

    #: Upstream's provider type names (as used in metric labels), by JSON key.
    TYPE_NAMES: ClassVar[dict[str, str]] = {
        "prometheus": "Prometheus",
        "kayenta": "Kayenta",
        "web": "Web",
        "datadog": "Datadog",
        "wavefront": "Wavefront",
        "newRelic": "NewRelic",
        "job": "Job",
        "cloudWatch": "CloudWatch",
        "graphite": "Graphite",
        "influxdb": "Influxdb",
        "skywalking": "SkyWalking",
        "plugin": "RPCPlugin",
    }

    def configured(self) -> list[str]:
        """JSON keys of the providers that are set; each plugin entry counts as one provider."""
        keys: list[str] = []
        for attr, field in type(self).model_fields.items():
            value = getattr(self, attr)
            if value is None:
                continue
            alias = field.alias or attr
            if alias == "plugin":
                keys.extend(f"plugin.{name}" for name in value)
            else:
                keys.append(alias)
        return keys


class Metric(ApiModel):
    name: str | None = None
    interval: DurationString | None = None
    initial_delay: DurationString | None = None
    count: IntOrString | None = None
    success_condition: str | None = None
    failure_condition: str | None = None
    failure_limit: IntOrString | None = None
    inconclusive_limit: IntOrString | None = None
    consecutive_error_limit: IntOrString | None = None
    consecutive_success_limit: IntOrString | None = None
    provider: MetricProvider | None = None


# ---------------------------------------------------------------------------------------------
# templates


class AnalysisTemplateSpec(ApiModel):
    metrics: list[Metric] | None = None
    args: list[Argument] | None = None
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None
    #: Nested templates whose metrics/args are merged in (recursively, de-duplicated by name).
    templates: list[AnalysisTemplateRef] | None = None


class AnalysisTemplate(KubeObject):
    KIND: ClassVar[str] = "AnalysisTemplate"

    spec: AnalysisTemplateSpec = Field(default_factory=AnalysisTemplateSpec)


class ClusterAnalysisTemplate(KubeObject):
    KIND: ClassVar[str] = "ClusterAnalysisTemplate"

    spec: AnalysisTemplateSpec = Field(default_factory=AnalysisTemplateSpec)


# ---------------------------------------------------------------------------------------------
# runs


class AnalysisRunSpec(ApiModel):
    metrics: list[Metric] | None = None
    args: list[Argument] | None = None
    terminate: bool | None = None
    dry_run: list[DryRun] | None = None
    measurement_retention: list[MeasurementRetention] | None = None
    ttl_strategy: TTLStrategy | None = None


class Measurement(ApiModel):
    phase: str | None = None
    message: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    value: str | None = None
    metadata: dict[str, str] | None = None
    #: When an asynchronous measurement (job, kayenta, …) should next be polled.
    resume_at: str | None = None


class MetricResult(ApiModel):
    name: str | None = None
    phase: str | None = None
    measurements: list[Measurement] | None = None
    message: str | None = None
    #: Successful + Failed + Inconclusive (errors are not counted).
    count: int | None = None
    successful: int | None = None
    failed: int | None = None
    inconclusive: int | None = None
    error: int | None = None
    consecutive_error: int | None = None
    dry_run: bool | None = None
    metadata: dict[str, str] | None = None
    consecutive_success: int | None = None


class RunSummary(ApiModel):
    """Number of metrics (not measurements) in each phase."""

    count: int | None = None
    successful: int | None = None
    failed: int | None = None
    inconclusive: int | None = None
    error: int | None = None


class AnalysisRunStatus(ApiModel):
    phase: str | None = None
    message: str | None = None
    metric_results: list[MetricResult] | None = None
    started_at: str | None = None
    run_summary: RunSummary | None = None
    dry_run_summary: RunSummary | None = None
    completed_at: str | None = None


class AnalysisRun(KubeObject):
    KIND: ClassVar[str] = "AnalysisRun"

    spec: AnalysisRunSpec = Field(default_factory=AnalysisRunSpec)
    status: AnalysisRunStatus | None = None
