"""One dedicated registry for everything the controller exposes on ``/metrics``."""

from __future__ import annotations

import platform

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from rollouts.metrics.clientset import K8sRequestCounter
from rollouts.metrics.families import FamiliesCollector
from rollouts.metrics.objects import AnalysisRunCollector, ExperimentCollector, ObjectLister, RolloutCollector
from rollouts.metrics.reconcile import ReconcileMetrics
from rollouts.metrics.workqueue import WorkqueueMetricsProvider

CONTENT_TYPE = CONTENT_TYPE_LATEST


class _BuildInfoCollector:
    def __init__(self, version: str, commit: str) -> None:
        self._version = version
        self._commit = commit

    def collect(self) -> list[GaugeMetricFamily]:
        controller = GaugeMetricFamily(
            "argo_rollouts_controller_info", "Running Argo-rollouts version", labels=["version"]
        )
        controller.add_metric([self._version], 1)
        # upstream's label names are kept for dashboards; the runtime is Python's, reported honestly
        build = GaugeMetricFamily(
            "build_info",
            "A metric with a constant '1' value labeled by version from which Argo-Rollouts was built.",
            labels=["version", "goversion", "goarch", "commit"],
        )
        build.add_metric(
            [self._version, f"python{platform.python_version()}", platform.machine(), self._commit], 1
        )
        return [controller, build]


class ControllerMetrics:
    """The controller's metrics: recorders for the runtime, cache collectors bound when leading."""

    def __init__(self, version: str, commit: str = "") -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.reconcile = ReconcileMetrics()
        self.k8s_requests = K8sRequestCounter()
        self.workqueue = WorkqueueMetricsProvider()
        self.registry.register(_BuildInfoCollector(version, commit))
        self.registry.register(
            FamiliesCollector(
                [*self.reconcile.families(), self.k8s_requests.family, *self.workqueue.families()]
            )
        )
        self._caches_bound = False

    def bind_caches(
        self,
        *,
        rollouts: ObjectLister | None = None,
        analysis_runs: ObjectLister | None = None,
        experiments: ObjectLister | None = None,
    ) -> None:
        """Register the scrape-time ``*_info`` collectors over the informer caches (once)."""
        if self._caches_bound:
            raise RuntimeError("cache collectors are already bound")
        self._caches_bound = True
        if rollouts is not None:
            self.registry.register(RolloutCollector(rollouts))
        if analysis_runs is not None:
            self.registry.register(AnalysisRunCollector(analysis_runs))
        if experiments is not None:
            self.registry.register(ExperimentCollector(experiments))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
