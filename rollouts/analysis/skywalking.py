"""SkyWalking: a GraphQL query to ``<address>/graphql`` over the last ``interval``.

As upstream: the query is sent as written with one variable, ``duration`` =
``{start, end, step: "MINUTE"}`` (times as ``2006-01-02 1504``, UTC here); the GraphQL
``data`` is the result and its JSON the value; GraphQL errors are Errors (``graphql: …``), and
so is an answer without data. Requests time out after 30 seconds.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aiohttp

from rollouts.analysis.http import decode_json, expect_object, send
from rollouts.analysis.measuring import MeasurementError, QueryProvider, Reading
from rollouts.analysis.web import go_json
from rollouts.api.analysis import AnalysisRun, Metric
from rollouts.api.common import parse_go_duration
from rollouts.clock import Clock

TIMEOUT_SECONDS = 30.0
_MINUTE_FORMAT = "%Y-%m-%d %H%M"


def reading_of(body: Any) -> Reading:
    document = expect_object(body, "skywalking")
    errors = document.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else errors
        message = first.get("message", first) if isinstance(first, dict) else first
        raise MeasurementError(f"graphql: {message}")
    data = document.get("data")
    if data is None:
        raise MeasurementError("no results returned from SkyWalking query")
    return Reading(go_json(data), data)


class SkyWalkingProvider(QueryProvider):
    provider_type = "skywalking"

    def __init__(
        self, session: aiohttp.ClientSession, clock: Clock, request_timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self._session = session
        self._clock = clock
        self._request_timeout = request_timeout

    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        config = metric.provider.skywalking if metric.provider else None
        if config is None or not config.address:
            raise MeasurementError("skywalking: address is required")
        try:
            interval = parse_go_duration(config.interval or "")
        except ValueError as err:
            raise MeasurementError(str(err)) from None
        end = self._clock.now()
        duration = {
            "start": (end - timedelta(seconds=interval)).strftime(_MINUTE_FORMAT),
            "end": end.strftime(_MINUTE_FORMAT),
            "step": "MINUTE",
        }
        payload = {"query": config.query or "", "variables": {"duration": duration}}
        answer = await send(
            self._session,
            "POST",
            config.address.rstrip("/") + "/graphql",
            time_limit=self._request_timeout,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json; charset=utf-8",
            },
            data=json.dumps(payload).encode(),
        )
        if not 200 <= answer.status < 300 and not answer.body.lstrip().startswith(b"{"):
            raise MeasurementError(f"graphql: server returned a non-200 status code: {answer.status}")
        return reading_of(decode_json(answer, "skywalking"))
