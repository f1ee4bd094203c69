"""Prometheus: an instant query (``/api/v1/query``) at the measurement time.

Result shape as upstream: a scalar is one float (value ``"0.99"``); a vector is a list of
floats, one per series (value ``"[0.99,1]"``); a matrix flattens every sample of every series
into one list. An empty vector is ``[]`` — not an error by itself: conditions decide
(``len(result) == 0``, or ``result[0]`` erroring). Strings are "not supported", as upstream.
Warnings go to ``metadata.warnings`` (``"w1", "w2"``).

``timeout`` (seconds, default 30) bounds the whole request; ``headers`` are sent as given;
``insecure`` skips TLS verification. With ``rangeQuery`` the query goes to
``/api/v1/query_range`` (``start``/``end`` are time expressions, see :mod:`.time_expr`;
``step`` a Go duration) and its matrix is flattened as above.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from rollouts.analysis.auth import auth_headers
from rollouts.analysis.gofmt import shortest_float
from rollouts.analysis.http import decode_json, expect_object, send
from rollouts.analysis.measuring import MeasurementError, QueryProvider, Reading, redact
from rollouts.analysis.time_expr import TimeExprError, eval_time
from rollouts.api.analysis import AnalysisRun, Metric, PrometheusMetric
from rollouts.api.common import parse_go_duration
from rollouts.clock import Clock

DEFAULT_TIMEOUT_SECONDS = 30
#: metric result metadata key holding the query after argument substitution
RESOLVED_QUERY_KEY = "ResolvedPrometheusQuery"


def sample_float(sample: Any) -> float:
    """A ``[timestamp, "value"]`` pair's value (Prometheus writes values as strings)."""
    if not isinstance(sample, list) or len(sample) != 2:
        raise MeasurementError(f"prometheus: malformed sample {sample!r}")
    try:
        return float(sample[1])
    except (TypeError, ValueError):
        raise MeasurementError(f"prometheus: sample value {sample[1]!r} is not a number") from None


def floats_reading(values: list[float]) -> Reading:
    return Reading("[" + ",".join(shortest_float(v) for v in values) + "]", values)


def reading_of(data: dict[str, Any]) -> Reading:
    """The measurement of a successful query's ``data``."""
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "scalar":
        value = sample_float(result)
        return Reading(shortest_float(value), value)
    if kind == "vector" and isinstance(result, list):
        return floats_reading(
            [sample_float(series.get("value")) for series in result if isinstance(series, dict)]
        )
    if kind == "matrix" and isinstance(result, list):
        values: list[float] = []
        for series in result:
            if isinstance(series, dict):
                values.extend(sample_float(s) for s in series.get("values") or [])
        return floats_reading(values)
    if kind in ("scalar", "vector", "matrix"):
        raise MeasurementError(f"prometheus: malformed {kind} result")
    raise MeasurementError("Prometheus metric type not supported")


class PrometheusProvider(QueryProvider):
    provider_type = "Prometheus"

    def __init__(self, session: aiohttp.ClientSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def result_metadata(self, metric: Metric, secrets: frozenset[str] = frozenset()) -> dict[str, str] | None:
        config = metric.provider.prometheus if metric.provider else None
        if config is None or not config.query:
            return None
        return {RESOLVED_QUERY_KEY: redact(config.query, secrets)}

    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        config = metric.provider.prometheus if metric.provider else None
        if config is None or not config.address:
            raise MeasurementError("prometheus: address is required")
        time_limit = _timeout(config)
        headers = {h.key or "": h.value or "" for h in config.headers or [] if h.key}
        headers.update(
            await auth_headers(
                self._session, config.authentication, time_limit=time_limit, insecure=bool(config.insecure)
            )
        )
        form = _query_form(config, self._clock.now())
        endpoint = "/api/v1/query_range" if config.range_query is not None else "/api/v1/query"
        url = config.address.rstrip("/") + endpoint
        answer = await send(
            self._session,
            "POST",
            url,
            time_limit=time_limit,
            headers=headers,
            data=form,
            insecure=bool(config.insecure),
        )
        if not 200 <= answer.status < 300 and not answer.body.lstrip().startswith(b"{"):
            raise MeasurementError(f"received non 2xx response code: {answer.status}")
        body = expect_object(decode_json(answer, "prometheus"), "prometheus")
        if body.get("status") != "success":
            # Prometheus explains a failed query in the body (bad_data, timeout, …), whatever the code
            if "errorType" in body or "error" in body:
                raise MeasurementError(f"{body.get('errorType', 'error')}: {body.get('error', '')}")
            raise MeasurementError(f"prometheus: received non 2xx response code: {answer.status}")
        if not 200 <= answer.status < 300:
            raise MeasurementError(f"received non 2xx response code: {answer.status}")
        reading = reading_of(expect_object(body.get("data"), "prometheus data"))
        warnings = body.get("warnings")
        if isinstance(warnings, list) and warnings:
            joined = ", ".join(f'"{w}"' for w in warnings)
            return Reading(reading.value, reading.result, {"warnings": joined})
        return reading


def _timeout(config: PrometheusMetric) -> float:
    if config.timeout is None:
        return DEFAULT_TIMEOUT_SECONDS
    if config.timeout < 0:
        raise MeasurementError("Metric timeout must be a positive integer")
    return float(config.timeout or DEFAULT_TIMEOUT_SECONDS)


def _query_form(config: PrometheusMetric, now: datetime) -> dict[str, str]:
    """An instant query at ``now``, or a range query with upstream's start/end/step."""
    query = config.query or ""
    window = config.range_query
    if window is None:
        return {"query": query, "time": _unix(now)}
    bounds: dict[str, str] = {}
    for name, text in (("start", window.start), ("end", window.end)):
        try:
            bounds[name] = _unix(eval_time(text or "", now))
        except TimeExprError as err:
            raise MeasurementError(f"failed to parse rangeQuery.{name} as time: {err}") from None
    try:
        step = parse_go_duration(window.step or "")
    except ValueError as err:
        raise MeasurementError(f"failed to parse rangeQuery.step as duration: {err}") from None
    if step <= 0:
        raise MeasurementError("failed to parse rangeQuery.step as duration: it must be positive")
    return {"query": query, **bounds, "step": f"{step:g}"}


def _unix(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"
