"""The providers the controller process measures with, opened per batch of measurements.

One aiohttp session per batch (a reconcile's due measurements), closed when the batch ends, so
nothing outlives a reconcile and no session is shared across event loops. The providers come
from :mod:`rollouts.analysis`; a metric whose provider this build does not wire gets an Error
measurement with upstream's message (``no valid provider in metric '<name>'``).

Providers wired: Web, Prometheus, Job, Datadog (credentials from the controller namespace's
``datadog`` Secret).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import aiohttp

from rollouts.analysis.datadog import DatadogProvider
from rollouts.analysis.job import JobProvider
from rollouts.analysis.prometheus import PrometheusProvider
from rollouts.analysis.secrets import kube_secret_source
from rollouts.analysis.web import WebProvider
from rollouts.api.analysis import AnalysisRun, Metric
from rollouts.clock import Clock
from rollouts.reconcilers.analysis_providers import (
    MeasurementProvider,
    ProviderLookup,
    ProviderScope,
    UnknownProvider,
)


def process_provider_scope(client: Any, clock: Clock, controller_namespace: str) -> ProviderScope:
    """The :data:`ProviderScope` of the controller process (``client`` is its KubeClient)."""

    def scope() -> AbstractAsyncContextManager[ProviderLookup]:
        return _batch(client, clock, controller_namespace)

    return scope


@asynccontextmanager
async def _batch(client: Any, clock: Clock, controller_namespace: str) -> AsyncIterator[ProviderLookup]:
    async with aiohttp.ClientSession() as session:
        by_key: dict[str, Callable[[], MeasurementProvider]] = {
            "web": lambda: WebProvider(session),
            "prometheus": lambda: PrometheusProvider(session, clock),
            "job": lambda: JobProvider(client),
            "datadog": lambda: DatadogProvider(
                session, clock, kube_secret_source(client), controller_namespace
            ),
        }

        def lookup(run: AnalysisRun, metric: Metric) -> MeasurementProvider:
            configured = metric.provider.configured() if metric.provider is not None else []
            make = by_key.get(configured[0]) if len(configured) == 1 else None
            if make is None:
                raise UnknownProvider(f"no valid provider in metric '{metric.name}'")
            return make()

        yield lookup
