"""The ``*_info`` gauges, collected at scrape time from the informer caches.

The collectors walk the cached objects (plain dicts, read-only by contract) and emit samples; they
keep no state of their own, so a deleted object's series vanish with it. Each object's contribution
is computed by a small pure function, tested alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

Obj = Mapping[str, Any]

ROLLOUT_PHASES = ("Completed", "Progressing", "Paused", "Timeout", "Error", "Abort")
ANALYSIS_PHASES = ("Pending", "Error", "Failed", "Successful", "Running", "Inconclusive")
EXPERIMENT_PHASES = ("Pending", "Error", "Successful", "Running", "Inconclusive")

# Progressing-condition reason -> the phase upstream's rollout_info reports.
_PHASE_BY_PROGRESSING_REASON = {
    "NewReplicaSetAvailable": "Completed",
    "RolloutPaused": "Paused",
    "ReplicaSetCreateError": "Error",
    "ProgressDeadlineExceeded": "Timeout",
    "RolloutAborted": "Abort",
}

# In upstream's precedence order: when several routers are set the last listed wins.
_TRAFFIC_ROUTERS = (
    ("alb", "ALB"),
    ("ambassador", "Ambassador"),
    ("istio", "Istio"),
    ("nginx", "Nginx"),
    ("smi", "SMI"),
    ("appMesh", "AppMesh"),
)

# Provider key -> the type name upstream uses in labels; first match wins.
_PROVIDER_TYPES = (
    ("prometheus", "Prometheus"),
    ("job", "Job"),
    ("kayenta", "Kayenta"),
    ("web", "Web"),
    ("datadog", "Datadog"),
    ("wavefront", "Wavefront"),
    ("newRelic", "NewRelic"),
    ("cloudWatch", "CloudWatch"),
    ("graphite", "Graphite"),
    ("influxdb", "Influxdb"),
    ("skywalking", "skywalking"),
    ("plugin", "RPCPlugin"),
)


class ObjectLister(Protocol):
    """What the collectors need of an informer's store: its cached objects."""

    def list(self) -> Iterable[Obj]: ...


def _get(obj: Obj, *path: str) -> Any:
    node: Any = obj
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _condition(obj: Obj, kind: str) -> Obj | None:
    for cond in _get(obj, "status", "conditions") or ():
        if isinstance(cond, Mapping) and cond.get("type") == kind:
            return cond
    return None


def rollout_phase(rollout: Obj) -> str:
    phase = "Progressing"
    progressing = _condition(rollout, "Progressing")
    if progressing is not None:
        phase = _PHASE_BY_PROGRESSING_REASON.get(str(progressing.get("reason")), phase)
    if _condition(rollout, "InvalidSpec") is not None:
        phase = "InvalidSpec"
    return phase


def strategy_and_traffic_router(rollout: Obj) -> tuple[str, str]:
    strategy = _get(rollout, "spec", "strategy") or {}
    if strategy.get("blueGreen") is not None:
        return "blueGreen", ""
    canary = strategy.get("canary")
    if canary is None:
        return "none", ""
    router = ""
    routing = canary.get("trafficRouting") if isinstance(canary, Mapping) else None
    for key, label in _TRAFFIC_ROUTERS:
        if isinstance(routing, Mapping) and routing.get(key) is not None:
            router = label
    return "canary", router


def metric_provider_type(metric: Obj) -> str:
    provider = metric.get("provider") or {}
    for key, label in _PROVIDER_TYPES:
        if provider.get(key) is not None:
            return label
    return "Unknown Provider"


def dry_run_metric_names(analysis_run: Obj) -> set[str]:
    """Names of metrics matched by any ``spec.dryRun[].metricName`` pattern (an unanchored regex)."""
    names = [str(m.get("name", "")) for m in _get(analysis_run, "spec", "metrics") or ()]
    matched: set[str] = set()
    for rule in _get(analysis_run, "spec", "dryRun") or ():
        try:
            pattern = re.compile(str(rule.get("metricName", "")))
        except re.error:
            continue  # an invalid pattern matches nothing (upstream ignores the error here)
        matched.update(n for n in names if pattern.search(n))
    return matched


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _name(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


class RolloutCollector(Collector):
    def __init__(self, rollouts: ObjectLister) -> None:
        self._rollouts = rollouts

    def collect(self) -> Iterator[Metric]:
        nn = ["namespace", "name"]
        info = GaugeMetricFamily(
            "rollout_info", "Information about rollout.", labels=[*nn, "strategy", "traffic_router", "phase"]
        )
        available = GaugeMetricFamily(
            "rollout_info_replicas_available", "The number of available replicas per rollout.", labels=nn
        )
        unavailable = GaugeMetricFamily(
            "rollout_info_replicas_unavailable", "The number of unavailable replicas per rollout.", labels=nn
        )
        desired = GaugeMetricFamily(
            "rollout_info_replicas_desired", "The number of desired replicas per rollout.", labels=nn
        )
        updated = GaugeMetricFamily(
            "rollout_info_replicas_updated", "The number of updated replicas per rollout.", labels=nn
        )
        phase_family = GaugeMetricFamily(
            "rollout_phase",
            "Information on the state of the rollout (DEPRECATED - use rollout_info)",
            labels=[*nn, "strategy", "phase"],
        )
        for ro in self._rollouts.list():
            ns, name = _name(ro)
            strategy, router = strategy_and_traffic_router(ro)
            phase = rollout_phase(ro)
            status = ro.get("status") or {}
            spec_replicas = _get(ro, "spec", "replicas")
            info.add_metric([ns, name, strategy, router, phase], 1)
            available.add_metric([ns, name], _int(status.get("availableReplicas")))
            unavailable.add_metric(
                [ns, name], _int(status.get("replicas")) - _int(status.get("availableReplicas"))
            )
            # an unset spec.replicas defaults to 1, as upstream's defaults do
            desired.add_metric([ns, name], 1 if spec_replicas is None else _int(spec_replicas))
            updated.add_metric([ns, name], _int(status.get("updatedReplicas")))
            for candidate in ROLLOUT_PHASES:
                phase_family.add_metric([ns, name, strategy, candidate], float(candidate == phase))
        yield from (info, available, unavailable, desired, updated, phase_family)


class AnalysisRunCollector(Collector):
    def __init__(self, analysis_runs: ObjectLister) -> None:
        self._runs = analysis_runs

    def collect(self) -> Iterator[Metric]:
        nn = ["namespace", "name"]
        info = GaugeMetricFamily(
            "analysis_run_info", "Information about analysis run.", labels=[*nn, "phase"]
        )
        phase_family = GaugeMetricFamily(
            "analysis_run_phase",
            "Information on the state of the Analysis Run (DEPRECATED - use analysis_run_info)",
            labels=[*nn, "phase"],
        )
        metric_type = GaugeMetricFamily(
            "analysis_run_metric_type",
            "Information on the type of a specific metric in the Analysis Runs",
            labels=[*nn, "metric", "type"],
        )
        metric_phase = GaugeMetricFamily(
            "analysis_run_metric_phase",
            "Information on the duration of a specific metric in the Analysis Run",
            labels=[*nn, "metric", "type", "dry_run", "phase"],
        )
        for run in self._runs.list():
            ns, name = _name(run)
            phase = str(_get(run, "status", "phase") or "")
            info.add_metric([ns, name, phase], 1)
            for candidate in ANALYSIS_PHASES:
                phase_family.add_metric([ns, name, candidate], float(_is_phase(phase, candidate)))
            results = {
                str(r.get("name")): str(r.get("phase") or "")
                for r in _get(run, "status", "metricResults") or ()
                if isinstance(r, Mapping)
            }
            dry_run = dry_run_metric_names(run)
            for metric in _get(run, "spec", "metrics") or ():
                metric_name = str(metric.get("name", ""))
                kind = metric_provider_type(metric)
                metric_type.add_metric([ns, name, metric_name, kind], 1)
                result_phase = results.get(metric_name, "")
                flag = "true" if metric_name in dry_run else "false"
                for candidate in ANALYSIS_PHASES:
                    metric_phase.add_metric(
                        [ns, name, metric_name, kind, flag, candidate],
                        float(_is_phase(result_phase, candidate)),
                    )
        yield from (info, phase_family, metric_type, metric_phase)


class ExperimentCollector(Collector):
    def __init__(self, experiments: ObjectLister) -> None:
        self._experiments = experiments

    def collect(self) -> Iterator[Metric]:
        nn = ["namespace", "name"]
        info = GaugeMetricFamily("experiment_info", "Information about Experiment.", labels=[*nn, "phase"])
        phase_family = GaugeMetricFamily(
            "experiment_phase",
            "Information on the state of the experiment (DEPRECATED - use experiment_info)",
            labels=[*nn, "phase"],
        )
        for ex in self._experiments.list():
            ns, name = _name(ex)
            phase = str(_get(ex, "status", "phase") or "")
            info.add_metric([ns, name, phase], 1)
            for candidate in EXPERIMENT_PHASES:
                phase_family.add_metric([ns, name, candidate], float(_is_phase(phase, candidate)))
        yield from (info, phase_family)


def _is_phase(actual: str, candidate: str) -> bool:
    # An unset phase counts as Pending, as upstream reports it.
    return actual == candidate or (candidate == "Pending" and actual == "")
