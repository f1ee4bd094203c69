"""Datadog: the v1 timeseries query API or the v2 scalar (formulas and functions) API.

Credentials (upstream's lookup): ``secretRef.name`` in the controller's namespace, or in the
run's namespace when ``secretRef.namespaced``; without a name, the controller's environment
(``DD_API_KEY``, ``DD_APP_KEY`` and ``DD_ADDRESS``, all three, passed in as ``environ``), else
the Secret ``datadog`` in the controller's namespace.
Keys ``api-key``, ``app-key`` and optionally ``address`` (default https://api.datadoghq.com).

Results as upstream: v1 takes the last point of the first series (an empty result evaluates the
conditions on ``nil``, value ``[]``… written as the JSON of the empty series list); v2 takes the
first number column: one ungrouped value, or a list for grouped queries with
``metadata.groups`` (at most 100, the lowest and highest half each when more). ``interval``
(default 5m) is the query window ending now; ``requestTimeout`` defaults to 10s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from rollouts.analysis.credentials import Credentials, read_credentials
from rollouts.analysis.gofmt import shortest_float
from rollouts.analysis.http import HttpAnswer, decode_json, expect_object, send
from rollouts.analysis.measuring import MeasurementError, Reading
from rollouts.analysis.secret_provider import SecretBackedProvider
from rollouts.analysis.secrets import SecretSource
from rollouts.api.analysis import AnalysisRun, DatadogMetric, Metric
from rollouts.api.analysis_defaults import (
    DEFAULT_DATADOG_AGGREGATOR,
    DEFAULT_DATADOG_API_VERSION,
    DEFAULT_DATADOG_INTERVAL,
    DEFAULT_DATADOG_REQUEST_TIMEOUT,
)
from rollouts.api.common import parse_go_duration
from rollouts.clock import Clock

DEFAULT_SECRET_NAME = "datadog"
DEFAULT_ADDRESS = "https://api.datadoghq.com"
MAX_GROUPS_IN_METADATA = 100
#: Secret key -> environment variable, read only when all three are set (upstream's rule)
ENV_VARIABLES = {"api-key": "DD_API_KEY", "app-key": "DD_APP_KEY", "address": "DD_ADDRESS"}


def validate(dd: DatadogMetric, api_version: str) -> None:
    """Upstream's rules on the query fields, with its messages."""
    if not dd.query and not dd.queries:
        raise MeasurementError("Must have either a query or queries. Please review the Analysis Template.")
    if dd.query and dd.queries:
        raise MeasurementError("Cannot have both a query and queries. Please review the Analysis Template.")
    if api_version == "v1" and not dd.query:
        raise MeasurementError(
            "Query is empty. API Version v1 only supports using the query parameter "
            "in your Analysis Template."
        )
    if dd.formula and not dd.queries:
        raise MeasurementError(
            "Formula are only valid when queries are set. Please review the Analysis Template."
        )
    if not dd.formula and len(dd.queries or {}) > 1:
        raise MeasurementError("When multiple queries are provided you must include a formula.")
    if api_version == "v1" and dd.aggregator:
        raise MeasurementError("Aggregator is not supported in v1. Please review the Analysis Template.")


def _seconds(text: str, what: str) -> float:
    try:
        return parse_go_duration(text)
    except ValueError as err:
        raise MeasurementError(f"Could not parse the {what}: {err}") from None


def _check_status(answer: HttpAnswer) -> None:
    if answer.status in (401, 403):
        raise MeasurementError(
            f"received authentication error response code: {answer.status} {answer.quoted()}"
        )
    if answer.status != 200:
        raise MeasurementError(f"received non 2xx response code: {answer.status} {answer.quoted()}")


def v1_reading(body: Any) -> Reading:
    series = expect_object(body, "datadog").get("series") or []
    if not isinstance(series, list):
        raise MeasurementError("Could not parse JSON body: series is not a list")
    points = series[0].get("pointlist") if series and isinstance(series[0], dict) else None
    if not points:
        return Reading(json.dumps(series, separators=(",", ":")), None)
    last = points[-1]
    if not isinstance(last, list) or len(last) != 2 or not isinstance(last[1], int | float):
        raise MeasurementError("Datapoint does not have 2 values")
    value = float(last[1])
    return Reading(shortest_float(value), value)


def v2_reading(body: Any) -> Reading:
    data = expect_object(expect_object(body, "datadog").get("data") or {}, "datadog data")
    if data.get("errors"):
        raise MeasurementError(f"There were errors in your query: {data['errors']}")
    columns = (data.get("attributes") or {}).get("columns") or []
    numbers = next((c for c in columns if c.get("type") in (None, "", "number")), None)
    groups = [c for c in columns if c.get("type") == "group"]
    if numbers is None:
        return Reading("[]", None)
    values: list[float] = []
    grouped: list[dict[str, Any]] = []
    for index, raw in enumerate(numbers.get("values") or []):
        if raw is None:
            continue
        if not isinstance(raw, int | float) or isinstance(raw, bool):
            raise MeasurementError(f"could not parse numeric value {raw!r} in column {numbers.get('name')!r}")
        values.append(float(raw))
        if groups:
            grouped.append({"name": _group_name(groups, index), "value": float(raw)})
    if not values:
        return Reading("[]", None)
    if not groups:
        return Reading(shortest_float(values[0]), values[0])
    metadata = _groups_metadata(grouped)
    return Reading("[" + ",".join(shortest_float(v) for v in values) + "]", values, metadata)


def _group_name(columns: list[dict[str, Any]], index: int) -> str:
    parts: list[str] = []
    for column in columns:
        tags = (column.get("values") or [])[index] if index < len(column.get("values") or []) else None
        if not isinstance(tags, list) or not tags:
            raise MeasurementError(f"could not parse group label at index {index}")
        parts.extend(str(t) for t in tags)
    return ",".join(parts)


def _groups_metadata(groups: list[dict[str, Any]]) -> dict[str, str]:
    truncated = len(groups) > MAX_GROUPS_IN_METADATA
    if truncated:
        ordered = sorted(groups, key=lambda g: g["value"])
        low = MAX_GROUPS_IN_METADATA // 2
        groups = ordered[:low] + ordered[len(ordered) - (MAX_GROUPS_IN_METADATA - low) :]
    text = (
        "["
        + ",".join(f'{{"name":{json.dumps(g["name"])},"value":{shortest_float(g["value"])}}}' for g in groups)
        + "]"
    )
    metadata = {"groups": text}
    if truncated:
        metadata["groups_truncated"] = "true"
    return metadata


def v2_payload(dd: DatadogMetric, now: int, interval: int) -> dict[str, Any]:
    queries = {"query": dd.query} if dd.query else dict(dd.queries or {})
    aggregator = dd.aggregator or DEFAULT_DATADOG_AGGREGATOR
    return {
        "data": {
            "type": "scalar_request",
            "attributes": {
                "from": (now - interval) * 1000,
                "to": now * 1000,
                "queries": [
                    {"aggregator": aggregator, "data_source": "metrics", "name": name, "query": query}
                    for name, query in queries.items()
                ],
                "formulas": [{"formula": dd.formula}] if dd.formula else [],
            },
        }
    }


class DatadogProvider(SecretBackedProvider):
    provider_type = "Datadog"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        clock: Clock,
        secrets: SecretSource | None,
        controller_namespace: str,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(session, secrets, controller_namespace)
        self._clock = clock
        self._environ = environ or {}

    async def credentials(self, run: AnalysisRun, metric: Metric) -> Credentials:
        dd = _config(metric)
        ref = dd.secret_ref
        name = (ref.name if ref else None) or ""
        namespace = self._controller_namespace
        if ref is not None and ref.namespaced:
            if not name:
                raise MeasurementError("secret name is required for namespaced credentials")
            namespace = run.metadata.namespace or ""
        from_env = {key: self._environ.get(var, "") for key, var in ENV_VARIABLES.items()}
        if not name and all(from_env.values()):
            return Credentials(from_env)
        found = await read_credentials(self._secrets, namespace, name or DEFAULT_SECRET_NAME, "datadog")
        if not found.get("api-key") or not found.get("app-key"):
            raise MeasurementError("failed to find the credentials for datadog metrics provider")
        return found

    async def read_with(self, run: AnalysisRun, metric: Metric, credentials: Credentials) -> Reading:
        dd = _config(metric)
        api_version = dd.api_version or DEFAULT_DATADOG_API_VERSION
        validate(dd, api_version)
        interval = int(_seconds(dd.interval or DEFAULT_DATADOG_INTERVAL, "interval"))
        time_limit = _seconds(dd.request_timeout or DEFAULT_DATADOG_REQUEST_TIMEOUT, "request timeout")
        if time_limit <= 0:
            raise MeasurementError(
                "Request timeout must be a positive duration (e.g. 30s). Please review the Analysis Template."
            )
        now = int(self._clock.now().timestamp())
        address = (credentials.get("address") or DEFAULT_ADDRESS).rstrip("/")
        headers = {
            "Content-Type": "application/json",
            "DD-API-KEY": credentials.get("api-key"),
            "DD-APPLICATION-KEY": credentials.get("app-key"),
        }
        v1 = api_version == "v1"
        answer = await send(
            self._session,
            "GET" if v1 else "POST",
            address + ("/api/v1/query" if v1 else "/api/v2/query/scalar"),
            time_limit=time_limit,
            headers=headers,
            params={"query": dd.query or "", "from": str(now - interval), "to": str(now)} if v1 else None,
            data=None if v1 else json.dumps(v2_payload(dd, now, interval)).encode(),
        )
        _check_status(answer)
        body = decode_json(answer, "Could not parse JSON body")
        return v1_reading(body) if v1 else v2_reading(body)


def _config(metric: Metric) -> DatadogMetric:
    config = metric.provider.datadog if metric.provider else None
    if config is None:
        raise MeasurementError("datadog: no datadog provider configuration")
    return config
