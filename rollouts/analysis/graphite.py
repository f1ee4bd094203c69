"""Graphite: the render API (``/render?<query>&format=json``).

As upstream: ``query`` is the render API's query string (``target=…&from=-5min``) with all
whitespace removed, so a long target can be written over several lines; the first returned
series is the result, its non-null datapoints a list of floats (value ``"[1.000000,2.500000]"``,
Go's ``%f``). No series at all is an Error (``no values found``); a 4xx/5xx answer is an
Error quoting the body. Requests time out after 10 seconds.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import aiohttp

from rollouts.analysis.gofmt import fixed_six
from rollouts.analysis.http import decode_json, send
from rollouts.analysis.measuring import MeasurementError, QueryProvider, Reading
from rollouts.api.analysis import AnalysisRun, Metric

TIMEOUT_SECONDS = 10.0
_SPACE = re.compile(r"\s+")


def render_params(query: str) -> list[tuple[str, str]]:
    params = [(k, v) for k, v in parse_qsl(_SPACE.sub("", query), keep_blank_values=True) if k != "format"]
    return [*params, ("format", "json")]


def datapoint_value(point: Any) -> float | None:
    if not isinstance(point, list) or len(point) != 2:
        raise MeasurementError(f"error unmarshaling data point: {point!r}")
    raw = point[0]
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise MeasurementError(f"error unmarshaling value: {raw!r}")
    try:
        return float(raw)
    except ValueError:
        raise MeasurementError(f"error unmarshaling value: {raw!r}") from None


def reading_of(body: Any) -> Reading:
    if not isinstance(body, list):
        raise MeasurementError("graphite: expected a JSON list of series")
    if not body:
        raise MeasurementError("no values found")
    first = body[0] if isinstance(body[0], dict) else {}
    values = [v for v in (datapoint_value(p) for p in first.get("datapoints") or []) if v is not None]
    return Reading("[" + ",".join(fixed_six(v) for v in values) + "]", values)


class GraphiteProvider(QueryProvider):
    provider_type = "Graphite"

    def __init__(self, session: aiohttp.ClientSession, request_timeout: float = TIMEOUT_SECONDS) -> None:
        self._session = session
        self._request_timeout = request_timeout

    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        config = metric.provider.graphite if metric.provider else None
        if config is None or not config.address:
            raise MeasurementError("graphite: address is required")
        url = config.address.rstrip("/") + "/render"
        answer = await send(
            self._session,
            "GET",
            url,
            time_limit=self._request_timeout,
            params=dict(render_params(config.query or "")),
        )
        if answer.status >= 400:
            raise MeasurementError(f"error response: {answer.quoted()}")
        return reading_of(decode_json(answer, "graphite"))
