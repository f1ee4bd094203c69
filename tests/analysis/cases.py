"""One description per HTTP provider, so failure modes can be tested over all of them.

A :class:`ProviderCase` knows the provider's endpoints, how to build the provider and a metric
pointing at a base URL (credentials included, via an in-memory Secret source), and what an empty
and a malformed answer look like for that protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from rollouts.analysis.datadog import DatadogProvider
from rollouts.analysis.graphite import GraphiteProvider
from rollouts.analysis.influxdb import InfluxdbProvider
from rollouts.analysis.kayenta import KayentaProvider
from rollouts.analysis.newrelic import NewRelicProvider
from rollouts.analysis.prometheus import PrometheusProvider
from rollouts.analysis.secrets import SecretSource, SecretUnavailable
from rollouts.analysis.skywalking import SkyWalkingProvider
from rollouts.analysis.wavefront import WavefrontProvider
from rollouts.analysis.web import WebProvider
from rollouts.api.analysis import Metric
from rollouts.clock import FakeClock
from tests.analysis.builders import metric

#: the time limit every case gives its provider, so a silent server fails fast
SHORT_TIMEOUT = 1
CONTROLLER_NAMESPACE = "argo-rollouts"


def secret_source(secrets: dict[tuple[str, str], dict[str, str]]) -> SecretSource:
    async def read(namespace: str, name: str) -> dict[str, str]:
        try:
            return dict(secrets[(namespace, name)])
        except KeyError:
            raise SecretUnavailable(f'secrets "{name}" not found in namespace {namespace}') from None

    return read


Builder = Callable[[aiohttp.ClientSession, FakeClock, str], tuple[Any, Metric]]


@dataclass(frozen=True)
class ProviderCase:
    name: str
    endpoints: list[tuple[str, str]]  # (method, path) the provider calls, in order
    build: Builder
    empty: tuple[str, str]  # (content type, body) of an answer with no data
    malformed: tuple[str, str] = ("application/json", "{not json")
    condition: str = "result[0] > 0"


def _prometheus(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    config = {"address": base, "query": "up", "timeout": SHORT_TIMEOUT}
    return PrometheusProvider(session, clock), metric(
        {"prometheus": config}, successCondition="result[0] > 0"
    )


def _web(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    config = {"url": base + "/health", "timeoutSeconds": SHORT_TIMEOUT, "jsonPath": "{$.data.ok}"}
    return WebProvider(session), metric({"web": config}, successCondition="result == true")


def _graphite(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    provider = GraphiteProvider(session, request_timeout=SHORT_TIMEOUT)
    return provider, metric({"graphite": {"address": base, "query": "target=a.b&from=-5min"}})


def _datadog(version: str) -> Builder:
    def build(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
        keys = {"api-key": "API-KEY-SECRET", "app-key": "APP-KEY-SECRET", "address": base}
        source = secret_source({(CONTROLLER_NAMESPACE, "datadog"): keys})
        config = {"query": "avg:errors{*}", "apiVersion": version, "requestTimeout": f"{SHORT_TIMEOUT}s"}
        provider = DatadogProvider(session, clock, source, CONTROLLER_NAMESPACE)
        return provider, metric({"datadog": config}, successCondition="result < 0.05")

    return build


def _newrelic(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    keys = {"personal-api-key": "NR-KEY-SECRET", "account-id": "42", "base-url-nerdgraph": base + "/graphql"}
    source = secret_source({(CONTROLLER_NAMESPACE, "newrelic"): keys})
    provider = NewRelicProvider(session, source, CONTROLLER_NAMESPACE, margin=0)
    config = {"query": "SELECT count(*) FROM Transaction", "timeout": SHORT_TIMEOUT}
    return provider, metric({"newRelic": config}, successCondition="result.count > 0")


def _wavefront(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    source = secret_source({(CONTROLLER_NAMESPACE, "wavefront-api-tokens"): {base: "WF-TOKEN-SECRET"}})
    provider = WavefrontProvider(session, clock, source, CONTROLLER_NAMESPACE, request_timeout=SHORT_TIMEOUT)
    return provider, metric(
        {"wavefront": {"address": base, "query": "ts(cpu)"}}, successCondition="result < 90"
    )


def _influxdb(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    keys = {"authToken": "INFLUX-TOKEN-SECRET", "org": "acme", "address": base}
    source = secret_source({(CONTROLLER_NAMESPACE, "influxdb"): keys})
    provider = InfluxdbProvider(session, source, CONTROLLER_NAMESPACE, request_timeout=SHORT_TIMEOUT)
    return provider, metric({"influxdb": {"query": 'from(bucket: "b")'}}, successCondition="result[0] > 0")


def _kayenta(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    config = {
        "address": base,
        "application": "app",
        "canaryConfigName": "cfg",
        "metricsAccountName": "metrics",
        "configurationAccountName": "conf",
        "storageAccountName": "store",
        "threshold": {"pass": 90, "marginal": 75},
        "scopes": [
            {"name": "default", "controlScope": {"scope": "stable"}, "experimentScope": {"scope": "canary"}}
        ],
    }
    return KayentaProvider(session, request_timeout=SHORT_TIMEOUT), metric({"kayenta": config}, interval="5m")


def _skywalking(session: aiohttp.ClientSession, clock: FakeClock, base: str) -> tuple[Any, Metric]:
    provider = SkyWalkingProvider(session, clock, request_timeout=SHORT_TIMEOUT)
    config = {"address": base, "query": "query q($duration: Duration!) { x }", "interval": "5m"}
    return provider, metric({"skywalking": config}, successCondition="result.x > 0")


CASES = [
    ProviderCase(
        "prometheus",
        [("POST", "/api/v1/query")],
        _prometheus,
        ("application/json", '{"status":"success","data":{"resultType":"vector","result":[]}}'),
    ),
    # a body that is not JSON is a string result for Web (upstream), so "malformed" is a missing path
    ProviderCase(
        "web", [("GET", "/health")], _web, ("application/json", '{"data":{}}'), ("application/json", "[1]")
    ),
    ProviderCase("graphite", [("GET", "/render")], _graphite, ("application/json", "[]")),
    ProviderCase(
        "datadog-v1", [("GET", "/api/v1/query")], _datadog("v1"), ("application/json", '{"series":[]}')
    ),
    ProviderCase(
        "datadog-v2",
        [("POST", "/api/v2/query/scalar")],
        _datadog("v2"),
        ("application/json", '{"data":{"attributes":{"columns":[]}}}'),
    ),
    ProviderCase(
        "newrelic",
        [("POST", "/graphql")],
        _newrelic,
        ("application/json", '{"data":{"actor":{"account":{"nrql":{"results":[]}}}}}'),
    ),
    ProviderCase(
        "wavefront", [("GET", "/api/v2/chart/api")], _wavefront, ("application/json", '{"timeseries":[]}')
    ),
    ProviderCase("influxdb", [("POST", "/api/v2/query")], _influxdb, ("application/csv", "\r\n")),
    ProviderCase("skywalking", [("POST", "/graphql")], _skywalking, ("application/json", '{"data":null}')),
    ProviderCase(
        "kayenta", [("GET", "/canaryConfig"), ("POST", "/canary/{id}")], _kayenta, ("application/json", "[]")
    ),
]
