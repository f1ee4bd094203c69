"""Upstream's defaults for AnalysisTemplates/Runs and Experiments, read through resolver functions.

The models keep what the user wrote (unset stays unset); the controller reads effective values
only through these functions, so every default lives in exactly one place.

IntOrString limits follow ``intstr.IntValue`` as upstream does: an int is itself, a numeric
string is its number, anything else (e.g. an unresolved ``"{{args.x}}"``) counts as 0.
"""

from __future__ import annotations

import re

from rollouts.api.analysis import Metric
from rollouts.api.experiment import Experiment, TemplateSpec

DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
DEFAULT_FAILURE_LIMIT = 0
DEFAULT_INCONCLUSIVE_LIMIT = 0
#: 0 disables the consecutive-success rule.
DEFAULT_CONSECUTIVE_SUCCESS_LIMIT = 0
#: Measurements kept per metric unless a measurementRetention entry says otherwise.
DEFAULT_MEASUREMENT_HISTORY_LIMIT = 10
#: Seconds before a measurement is retried after an Error.
DEFAULT_ERROR_RETRY_SECONDS = 10

DEFAULT_EXPERIMENT_PROGRESS_DEADLINE_SECONDS = 600
DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS = 30
DEFAULT_TEMPLATE_REPLICAS = 1

# provider defaults
DEFAULT_PROMETHEUS_TIMEOUT_SECONDS = 30
DEFAULT_WEB_TIMEOUT_SECONDS = 10
DEFAULT_WEB_METHOD = "GET"
DEFAULT_WEB_JSON_PATH = "{$}"
DEFAULT_NEW_RELIC_TIMEOUT_SECONDS = 5
DEFAULT_NEW_RELIC_PROFILE = "newrelic"
DEFAULT_INFLUXDB_PROFILE = "influxdb"
DEFAULT_DATADOG_INTERVAL = "5m"
DEFAULT_DATADOG_API_VERSION = "v1"
DEFAULT_DATADOG_AGGREGATOR = "last"
DEFAULT_DATADOG_REQUEST_TIMEOUT = "10s"
DEFAULT_CLOUDWATCH_INTERVAL = "5m"


def int_value(value: int | str | None, default: int = 0) -> int:
    """``intstr.IntValue`` with a default for unset values."""
    if value is None:
        return default
    if isinstance(value, int):
        return value
    return int(value) if re.fullmatch(r"[+-]?\d+", value) else 0


def effective_count(metric: Metric) -> int | None:
    """Measurements to take: 1 if neither count nor interval is set, None (unbounded) if only
    interval is set, else ``count``."""
    count = int_value(metric.count)
    if count == 0:
        return None if metric.interval else 1
    return count


def failure_limit(metric: Metric) -> int:
    """-1 disables the failure rule."""
    return int_value(metric.failure_limit, DEFAULT_FAILURE_LIMIT)


def inconclusive_limit(metric: Metric) -> int:
    return int_value(metric.inconclusive_limit, DEFAULT_INCONCLUSIVE_LIMIT)


def consecutive_error_limit(metric: Metric) -> int:
    return int_value(metric.consecutive_error_limit, DEFAULT_CONSECUTIVE_ERROR_LIMIT)


def consecutive_success_limit(metric: Metric) -> int:
    return int_value(metric.consecutive_success_limit, DEFAULT_CONSECUTIVE_SUCCESS_LIMIT)


def experiment_progress_deadline_seconds(experiment: Experiment) -> int:
    value = experiment.spec.progress_deadline_seconds
    return DEFAULT_EXPERIMENT_PROGRESS_DEADLINE_SECONDS if value is None else value


def experiment_scale_down_delay_seconds(experiment: Experiment) -> int:
    """0 scales completed templates down immediately."""
    value = experiment.spec.scale_down_delay_seconds
    return DEFAULT_EXPERIMENT_SCALE_DOWN_DELAY_SECONDS if value is None else value


def template_replicas(template: TemplateSpec) -> int:
    return DEFAULT_TEMPLATE_REPLICAS if template.replicas is None else template.replicas
