"""Which provider serves a metric: upstream's provider selection, with the dependencies injected.

A :class:`ProviderRegistry` owns one aiohttp session for every HTTP provider (connection reuse;
every request still carries its own timeout) and is closed with the controller
(``async with`` or :meth:`close`). :meth:`lookup` returns the provider for the metric's one
configured source, or raises :class:`~.measuring.UnsupportedProvider` (a ValueError) with a
message fit for the measurement: no provider, or one this build does not implement
(plugins: no plugin host in this build).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

import aiohttp

from rollouts.analysis.cloudwatch import ClientFactory, CloudWatchProvider
from rollouts.analysis.datadog import DatadogProvider
from rollouts.analysis.graphite import GraphiteProvider
from rollouts.analysis.influxdb import InfluxdbProvider
from rollouts.analysis.job import JobClient, JobProvider
from rollouts.analysis.kayenta import KayentaProvider
from rollouts.analysis.measuring import QueryProvider, UnsupportedProvider
from rollouts.analysis.newrelic import NewRelicProvider
from rollouts.analysis.prometheus import PrometheusProvider
from rollouts.analysis.secrets import SecretSource
from rollouts.analysis.skywalking import SkyWalkingProvider
from rollouts.analysis.wavefront import WavefrontProvider
from rollouts.analysis.web import WebProvider
from rollouts.api.analysis import AnalysisRun, Metric
from rollouts.clock import Clock

Provider = QueryProvider | JobProvider | KayentaProvider

#: configured in a metric, recognised, but not implemented by this build
UNSUPPORTED = {"plugin": "plugin"}


class ProviderRegistry:
    def __init__(
        self,
        *,
        clock: Clock,
        controller_namespace: str,
        kube: JobClient | None = None,
        secrets: SecretSource | None = None,
        session: aiohttp.ClientSession | None = None,
        cloudwatch_clients: ClientFactory | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._owns_session = session is None
        self._session = session or aiohttp.ClientSession()
        self._kube = kube
        self._providers: dict[str, Provider] = {
            "prometheus": PrometheusProvider(self._session, clock),
            "web": WebProvider(self._session),
            "graphite": GraphiteProvider(self._session),
            "datadog": DatadogProvider(self._session, clock, secrets, controller_namespace, environ),
            "new_relic": NewRelicProvider(self._session, secrets, controller_namespace),
            "wavefront": WavefrontProvider(self._session, clock, secrets, controller_namespace),
            "influxdb": InfluxdbProvider(self._session, secrets, controller_namespace),
            "kayenta": KayentaProvider(self._session),
            "cloud_watch": CloudWatchProvider(clock, cloudwatch_clients),
            "skywalking": SkyWalkingProvider(self._session, clock),
        }
        if kube is not None:
            self._providers["job"] = JobProvider(kube)

    def lookup(self, run: AnalysisRun, metric: Metric) -> Provider:
        source = metric.provider
        if source is None:
            raise UnsupportedProvider("no provider configured")
        for field, provider in self._providers.items():
            if getattr(source, field) is not None:
                return provider
        if source.job is not None:
            raise UnsupportedProvider("Job provider needs a Kubernetes client, none configured")
        for field, name in UNSUPPORTED.items():
            if getattr(source, field) is not None:
                raise UnsupportedProvider(f"{name} provider is not supported by this controller")
        raise UnsupportedProvider("no provider configured")

    async def close(self) -> None:
        if self._owns_session:
            await self._session.close()

    async def __aenter__(self) -> ProviderRegistry:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
