"""Web: an HTTP call whose JSON answer, narrowed by ``jsonPath``, is the measurement.

As upstream: ``method`` defaults to GET; ``body`` and ``jsonBody`` are exclusive and need POST
or PUT (``jsonBody`` also sets ``Content-Type: application/json``); a non-2xx answer is an
Error; a body that is not JSON is evaluated as a string; otherwise the first match of
``jsonPath`` (default ``{$}``) is the result and its compact JSON the value.
``timeoutSeconds`` defaults to 10; ``insecure`` skips TLS verification; ``authentication``
as in :mod:`.auth`.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from rollouts.analysis.auth import auth_headers
from rollouts.analysis.http import require_2xx, send
from rollouts.analysis.json_path import DEFAULT_JSON_PATH, first_match
from rollouts.analysis.measuring import MeasurementError, QueryProvider, Reading
from rollouts.api.analysis import AnalysisRun, Metric, WebMetric

DEFAULT_TIMEOUT_SECONDS = 10
_BODY_METHODS = ("POST", "PUT")


def go_json(value: Any) -> str:
    """Compact JSON with sorted keys, as Go's ``json.Marshal`` writes a decoded document."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def reading_of_body(body: bytes, json_path: str | None) -> Reading:
    try:
        document = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        return Reading(text, text)
    value = first_match(json_path or DEFAULT_JSON_PATH, document)
    return Reading(go_json(value), value)


def request_body(config: WebMetric, method: str) -> tuple[bytes | None, dict[str, str]]:
    if config.body and config.json_body is not None:
        raise MeasurementError("use either Body or JSONBody; both cannot exists for WebMetric payload")
    if (config.body or config.json_body is not None) and method not in _BODY_METHODS:
        raise MeasurementError("Body/JSONBody can only be used with POST or PUT WebMetric Method types")
    if config.json_body is not None:
        return json.dumps(config.json_body).encode(), {"Content-Type": "application/json"}
    return (config.body.encode() if config.body else None), {}


class WebProvider(QueryProvider):
    provider_type = "Web"

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        config = metric.provider.web if metric.provider else None
        if config is None or not config.url:
            raise MeasurementError("web: url is required")
        method = (config.method or "GET").upper()
        body, body_headers = request_body(config, method)
        time_limit = float(config.timeout_seconds or DEFAULT_TIMEOUT_SECONDS)
        insecure = bool(config.insecure)
        headers = {h.key: h.value or "" for h in config.headers or [] if h.key}
        headers.update(body_headers)
        headers.update(
            await auth_headers(self._session, config.authentication, time_limit=time_limit, insecure=insecure)
        )
        answer = await send(
            self._session,
            method,
            config.url,
            time_limit=time_limit,
            headers=headers,
            data=body,
            insecure=insecure,
        )
        return reading_of_body(require_2xx(answer).body, config.json_path)
