"""Semantic validation of AnalysisTemplates, ClusterAnalysisTemplates, AnalysisRuns and Experiments.

Each ``validate_*`` function returns every problem it finds as a :class:`FieldError` (a JSON path
and a message) instead of stopping at the first, so a user sees them all at once. The messages
are upstream's wording (``utils/analysis``'s metric rules, the Datadog/Web providers' checks,
``utils/conditions``' experiment InvalidSpec messages) so that conditions and AnalysisRun
messages read the same as upstream's; the path tells where.

Values still holding a template placeholder (``{{args.x}}``) are not checked: they only take
their final form when the run's arguments are resolved, and the run re-validates then.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rollouts.api import analysis_defaults as defaults
from rollouts.api.analysis import (
    AnalysisRun,
    AnalysisTemplate,
    Argument,
    ClusterAnalysisTemplate,
    DatadogMetric,
    DryRun,
    MeasurementRetention,
    Metric,
    MetricProvider,
    WebMetric,
    WebMetricMethod,
)
from rollouts.api.common import FieldError, parse_go_duration
from rollouts.api.experiment import Experiment

REQUIRED = "Required value"


def is_templated(value: str) -> bool:
    """Whether a string still holds an unresolved ``{{ … }}`` placeholder."""
    return "{{" in value


def _duration_error(value: str | None, describe: str) -> str | None:
    """Upstream's "invalid <x> string: time: invalid duration ..." or None if it parses."""
    if not value or is_templated(value):
        return None
    try:
        parse_go_duration(value)
    except ValueError as exc:
        return f"invalid {describe} string: {exc}"
    return None


# ---------------------------------------------------------------------------------------------
# metrics


def validate_metrics(metrics: Sequence[Metric] | None, path: str) -> list[FieldError]:
    """The list rules (non-empty, unique names) and each metric's own rules."""
    if not metrics:
        return [FieldError(path, "no metrics specified")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, metric in enumerate(metrics):
        item = f"{path}[{i}]"
        if metric.name is not None and metric.name in seen:
            errors.append(FieldError(f"{item}.name", f"duplicate name '{metric.name}'"))
        if metric.name is not None:
            seen.add(metric.name)
        errors.extend(validate_metric(metric, item))
    return errors


def validate_metric(metric: Metric, path: str) -> list[FieldError]:
    """Upstream's ValidateMetric rules, plus the CRD's required fields and provider checks."""
    errors: list[FieldError] = []
    if not metric.name:
        errors.append(FieldError(f"{path}.name", REQUIRED))
    errors.extend(_int_or_placeholder_errors(metric, path))
    errors.extend(_limit_errors(metric, path))

    count = defaults.int_value(metric.count)
    if count > 1 and not metric.interval:
        errors.append(FieldError(f"{path}.interval", "interval must be specified when count > 1"))
    if msg := _duration_error(metric.interval, "interval"):
        errors.append(FieldError(f"{path}.interval", msg))
    # upstream's message names the field by its former name, startDelay
    if msg := _duration_error(metric.initial_delay, "startDelay"):
        errors.append(FieldError(f"{path}.initialDelay", msg))

    if metric.provider is None:
        errors.append(FieldError(f"{path}.provider", "no provider specified"))
    else:
        errors.extend(validate_provider(metric.provider, f"{path}.provider"))
    return errors


_INT_OR_STRING_FIELDS = (
    ("count", "count"),
    ("failure_limit", "failureLimit"),
    ("inconclusive_limit", "inconclusiveLimit"),
    ("consecutive_error_limit", "consecutiveErrorLimit"),
    ("consecutive_success_limit", "consecutiveSuccessLimit"),
)


def _int_or_placeholder_errors(metric: Metric, path: str) -> list[FieldError]:
    """A string count/limit must be a number or a placeholder. Upstream silently reads anything
    else ("5m", "25%") as 0, which is never what was meant, so it is reported here."""
    errors: list[FieldError] = []
    for attr, name in _INT_OR_STRING_FIELDS:
        value = getattr(metric, attr)
        if isinstance(value, str) and not is_templated(value) and not re.fullmatch(r"[+-]?\d+", value):
            errors.append(
                FieldError(
                    f"{path}.{name}", f'{name} must be an integer or an argument placeholder, not "{value}"'
                )
            )
    return errors


def _limit_errors(metric: Metric, path: str) -> list[FieldError]:
    """failureLimit/inconclusiveLimit/consecutive*Limit ranges and how they bound ``count``."""
    count = defaults.int_value(metric.count)
    failure = defaults.failure_limit(metric)
    success = defaults.consecutive_success_limit(metric)
    inconclusive = defaults.inconclusive_limit(metric)
    errors: list[FieldError] = []
    if success < 0:
        errors.append(FieldError(f"{path}.consecutiveSuccessLimit", "consecutiveSuccessLimit must be >= 0"))
    if failure < -1:
        errors.append(FieldError(f"{path}.failureLimit", "failureLimit must be >= 0, or -1 to be disabled"))
    if success == 0 and failure == -1:
        errors.append(
            FieldError(
                f"{path}.failureLimit", "failureLimit and consecutiveSuccessLimit cannot both be disabled"
            )
        )
    if inconclusive < 0:
        errors.append(FieldError(f"{path}.inconclusiveLimit", "inconclusiveLimit must be >= 0"))
    if metric.consecutive_error_limit is not None and defaults.consecutive_error_limit(metric) < 0:
        errors.append(FieldError(f"{path}.consecutiveErrorLimit", "consecutiveErrorLimit must be >= 0"))
    if count > 0:
        if success >= 0 and failure >= 0 and count < failure + success:
            errors.append(
                FieldError(
                    f"{path}.count",
                    f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit "
                    f"({failure} + {success}) if both >= 0",
                )
            )
        elif success >= 0 and failure < 0 and count < success:
            errors.append(FieldError(f"{path}.count", "count must be >= consecutiveSuccessLimit"))
        if count < inconclusive:
            errors.append(FieldError(f"{path}.count", "count must be >= inconclusiveLimit"))
    return errors


def validate_provider(provider: MetricProvider, path: str) -> list[FieldError]:
    """Exactly one provider, and that provider's own rules."""
    configured = provider.configured()
    if not configured:
        return [FieldError(path, "no provider specified")]
    if len(configured) > 1:
        return [FieldError(path, "multiple providers specified")]
    errors: list[FieldError] = []
    if provider.web is not None:
        errors.extend(_web_errors(provider.web, f"{path}.web"))
    if provider.datadog is not None:
        errors.extend(_datadog_errors(provider.datadog, f"{path}.datadog"))
    if provider.prometheus is not None:
        if not provider.prometheus.query:
            errors.append(FieldError(f"{path}.prometheus.query", REQUIRED))
        step = provider.prometheus.range_query.step if provider.prometheus.range_query else None
        if msg := _duration_error(step, "step"):
            errors.append(FieldError(f"{path}.prometheus.rangeQuery.step", msg))
    if provider.job is not None and provider.job.spec is None:
        errors.append(FieldError(f"{path}.job.spec", REQUIRED))
    if provider.cloud_watch is not None:
        if msg := _duration_error(provider.cloud_watch.interval, "interval"):
            errors.append(FieldError(f"{path}.cloudWatch.interval", msg))
        if not provider.cloud_watch.metric_data_queries:
            errors.append(FieldError(f"{path}.cloudWatch.metricDataQueries", REQUIRED))
    if provider.skywalking is not None and (msg := _duration_error(provider.skywalking.interval, "interval")):
        errors.append(FieldError(f"{path}.skywalking.interval", msg))
    if provider.new_relic is not None and not provider.new_relic.query:
        errors.append(FieldError(f"{path}.newRelic.query", REQUIRED))
    return errors


def _web_errors(web: WebMetric, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not web.url:
        errors.append(FieldError(f"{path}.url", REQUIRED))
    method = web.method or defaults.DEFAULT_WEB_METHOD
    supported = [m.value for m in WebMetricMethod]
    if method not in supported:
        allowed = ", ".join(f'"{m}"' for m in supported)
        errors.append(
            FieldError(f"{path}.method", f'Unsupported value: "{method}": supported values: {allowed}')
        )
    has_body = bool(web.body) or web.json_body is not None
    if web.body and web.json_body is not None:
        errors.append(
            FieldError(path, "use either Body or JSONBody; both cannot exists for WebMetric payload")
        )
    elif has_body and method == WebMetricMethod.GET:
        errors.append(
            FieldError(path, "Body/JSONBody can only be used with POST or PUT WebMetric Method types")
        )
    if web.timeout_seconds is not None and web.timeout_seconds < 0:
        errors.append(FieldError(f"{path}.timeoutSeconds", "timeoutSeconds must be >= 0"))
    return errors


def _datadog_errors(dd: DatadogMetric, path: str) -> list[FieldError]:
    """The Datadog provider's checks on its configuration, with its messages."""
    review = "Please review the Analysis Template."
    api_version = dd.api_version or defaults.DEFAULT_DATADOG_API_VERSION
    errors: list[FieldError] = []
    if api_version not in {"v1", "v2"}:
        errors.append(
            FieldError(
                f"{path}.apiVersion", f'Unsupported value: "{api_version}": supported values: "v1", "v2"'
            )
        )
    if not dd.query and not dd.queries:
        errors.append(FieldError(path, f"Must have either a query or queries. {review}"))
    elif dd.query and dd.queries:
        errors.append(FieldError(path, f"Cannot have both a query and queries. {review}"))
    elif api_version == "v1" and not dd.query:
        errors.append(
            FieldError(
                f"{path}.query",
                "Query is empty. API Version v1 only supports using the query parameter "
                "in your Analysis Template.",
            )
        )
    if dd.formula and not dd.queries:
        errors.append(FieldError(f"{path}.formula", f"Formula are only valid when queries are set. {review}"))
    if not dd.formula and dd.queries and len(dd.queries) > 1:
        errors.append(
            FieldError(f"{path}.formula", "When multiple queries are provided you must include a formula.")
        )
    if api_version == "v1" and dd.aggregator:
        errors.append(FieldError(f"{path}.aggregator", f"Aggregator is not supported in v1. {review}"))
    if msg := _duration_error(dd.interval, "interval"):
        errors.append(FieldError(f"{path}.interval", msg))
    if dd.request_timeout and not is_templated(dd.request_timeout):
        try:
            timeout = parse_go_duration(dd.request_timeout)
        except ValueError as exc:
            errors.append(
                FieldError(f"{path}.requestTimeout", f"Could not parse the request timeout: {exc}. {review}")
            )
        else:
            if timeout <= 0:
                errors.append(
                    FieldError(
                        f"{path}.requestTimeout",
                        f"Request timeout must be a positive duration (e.g. 30s). {review}",
                    )
                )
    return errors


# ---------------------------------------------------------------------------------------------
# args, dry-run, retention


def _name_error(
    name: str | None, seen: set[str], path: str, duplicate: str, missing: str = REQUIRED
) -> FieldError | None:
    """A list item's name must be set and unique within the list; records it in ``seen``."""
    if not name:
        return FieldError(path, missing)
    if name in seen:
        return FieldError(path, duplicate)
    seen.add(name)
    return None


def validate_args(args: Sequence[Argument] | None, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, arg in enumerate(args or []):
        item = f"{path}[{i}]"
        if error := _name_error(arg.name, seen, f"{item}.name", f"duplicate argument name '{arg.name}'"):
            errors.append(error)
        if arg.value is not None and arg.value_from is not None:
            errors.append(FieldError(item, "value and valueFrom are mutually exclusive"))
        source = arg.value_from
        if source is not None:
            if (source.secret_key_ref is None) == (source.field_ref is None):
                errors.append(
                    FieldError(f"{item}.valueFrom", "exactly one of secretKeyRef or fieldRef must be set")
                )
            ref = source.secret_key_ref
            if ref is not None:
                for field, val in (("name", ref.name), ("key", ref.key)):
                    if not val:
                        errors.append(FieldError(f"{item}.valueFrom.secretKeyRef.{field}", REQUIRED))
            if source.field_ref is not None and not source.field_ref.field_path:
                errors.append(FieldError(f"{item}.valueFrom.fieldRef.fieldPath", REQUIRED))
    return errors


def _metric_selectors(entries: Sequence[DryRun | MeasurementRetention] | None, path: str) -> list[FieldError]:
    """dryRun/measurementRetention entries: a metricName that compiles as a regular expression."""
    errors: list[FieldError] = []
    for i, entry in enumerate(entries or []):
        item = f"{path}[{i}]"
        if not entry.metric_name:
            errors.append(FieldError(f"{item}.metricName", REQUIRED))
        else:
            try:
                re.compile(entry.metric_name)
            except re.error as exc:
                errors.append(FieldError(f"{item}.metricName", f"invalid regular expression: {exc}"))
        if isinstance(entry, MeasurementRetention):
            if entry.limit is None:
                errors.append(FieldError(f"{item}.limit", REQUIRED))
            elif entry.limit < 0:
                errors.append(FieldError(f"{item}.limit", "limit must be >= 0"))
    return errors


# ---------------------------------------------------------------------------------------------
# kinds


def validate_analysis_template(template: AnalysisTemplate | ClusterAnalysisTemplate) -> list[FieldError]:
    """An (Cluster)AnalysisTemplate on its own. Nested ``templates`` may supply all the metrics,
    so an empty ``metrics`` is only an error when there are no nested templates either."""
    spec = template.spec
    errors: list[FieldError] = []
    if spec.metrics or not spec.templates:
        errors.extend(validate_metrics(spec.metrics, "spec.metrics"))
    for i, ref in enumerate(spec.templates or []):
        if not ref.template_name:
            errors.append(FieldError(f"spec.templates[{i}].templateName", REQUIRED))
    errors.extend(validate_args(spec.args, "spec.args"))
    errors.extend(_metric_selectors(spec.dry_run, "spec.dryRun"))
    errors.extend(_metric_selectors(spec.measurement_retention, "spec.measurementRetention"))
    return errors


def validate_analysis_run(run: AnalysisRun) -> list[FieldError]:
    spec = run.spec
    errors = validate_metrics(spec.metrics, "spec.metrics")
    errors.extend(validate_args(spec.args, "spec.args"))
    errors.extend(_metric_selectors(spec.dry_run, "spec.dryRun"))
    errors.extend(_metric_selectors(spec.measurement_retention, "spec.measurementRetention"))
    ttl = spec.ttl_strategy
    if ttl is not None:
        for name, value in (
            ("secondsAfterCompletion", ttl.seconds_after_completion),
            ("secondsAfterFailure", ttl.seconds_after_failure),
            ("secondsAfterSuccess", ttl.seconds_after_success),
        ):
            if value is not None and value < 0:
                errors.append(FieldError(f"spec.ttlStrategy.{name}", f"{name} must be >= 0"))
    return errors


def validate_experiment(experiment: Experiment) -> list[FieldError]:
    """Upstream's InvalidSpec checks (messages verbatim, per template in upstream's order), then
    the selector/labels agreement the ReplicaSet API would otherwise reject, then the rest."""
    spec = experiment.spec
    name = experiment.name
    deadline = defaults.experiment_progress_deadline_seconds(experiment)
    errors: list[FieldError] = []
    if not spec.templates:
        errors.append(FieldError("spec.templates", REQUIRED))
    seen: set[str] = set()
    for i, template in enumerate(spec.templates or []):
        item = f"spec.templates[{i}]"
        if template.selector is None:
            errors.append(
                FieldError(f"{item}.selector", f"Rollout has missing field '.Spec.Templates[{i}].Selector'")
            )
        elif template.selector.is_empty():
            errors.append(
                FieldError(
                    f"{item}.selector",
                    f"This experiment is selecting all pods at index {i}. A non-empty selector is required.",
                )
            )
        elif template.template is not None and not template.selector.matches(template.template_labels()):
            errors.append(FieldError(f"{item}.selector", "`selector` does not match template `labels`"))
        if (template.min_ready_seconds or 0) > deadline:
            errors.append(
                FieldError(
                    f"{item}.minReadySeconds",
                    "MinReadySeconds cannot be longer than ProgressDeadlineSeconds. "
                    f"Check template index {i}",
                )
            )
        if error := _name_error(
            template.name,
            seen,
            f"{item}.name",
            duplicate=f"Experiment {name} has repeated template name '{template.name}' in templates",
            missing=f"Experiment {name} has empty template name at index {i}",
        ):
            errors.append(error)
        if template.replicas is not None and template.replicas < 0:
            errors.append(FieldError(f"{item}.replicas", "replicas must be >= 0"))
        if template.template is None:
            errors.append(FieldError(f"{item}.template", REQUIRED))
    errors.extend(_experiment_scalars(experiment))
    errors.extend(_experiment_analyses(experiment))
    errors.extend(_metric_selectors(spec.dry_run, "spec.dryRun"))
    errors.extend(_metric_selectors(spec.measurement_retention, "spec.measurementRetention"))
    return errors


def _experiment_scalars(experiment: Experiment) -> list[FieldError]:
    spec = experiment.spec
    errors: list[FieldError] = []
    if msg := _duration_error(spec.duration, "duration"):
        errors.append(FieldError("spec.duration", msg))
    non_negative: list[tuple[str, int | None]] = [
        ("progressDeadlineSeconds", spec.progress_deadline_seconds),
        ("scaleDownDelaySeconds", spec.scale_down_delay_seconds),
    ]
    for field, value in non_negative:
        if value is not None and value < 0:
            errors.append(FieldError(f"spec.{field}", f"{field} must be >= 0"))
    return errors


def _experiment_analyses(experiment: Experiment) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, ref in enumerate(experiment.spec.analyses or []):
        item = f"spec.analyses[{i}]"
        if error := _name_error(ref.name, seen, f"{item}.name", f"duplicate analysis name '{ref.name}'"):
            errors.append(error)
        if not ref.template_name:
            errors.append(FieldError(f"{item}.templateName", REQUIRED))
        errors.extend(validate_args(ref.args, f"{item}.args"))
    return errors


#: kind -> validator, for callers that hold a loaded object of any of these kinds.
VALIDATORS: dict[str, Callable[..., list[FieldError]]] = {
    AnalysisTemplate.KIND: validate_analysis_template,
    ClusterAnalysisTemplate.KIND: validate_analysis_template,
    AnalysisRun.KIND: validate_analysis_run,
    Experiment.KIND: validate_experiment,
}
