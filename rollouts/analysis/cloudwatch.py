"""CloudWatch: ``GetMetricData`` over the window ``[now - interval, now]`` (interval default 5m).

As upstream: the ``metricDataQueries`` are sent as written (``metricStat`` with its metric,
dimensions, period, stat and unit; ``expression``; ``label``; ``period``; ``returnData``); the
conditions see the list of ``MetricDataResults`` with Go's field names (``result[0].Values``,
``Id``, ``Label``, ``StatusCode``, ``Timestamps``); the value is Go's ``%+v`` of the values
(``[[0.1 0.2] [3]]``); CloudWatch's messages go to ``metadata.messages``.

AWS access goes through aiobotocore (the standard credential chain, SigV4 signing); the client is
made by an injected factory so tests can point it at a local endpoint. Every call is bounded by
connect/read timeouts and makes one attempt (the next measurement is the retry).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiobotocore.session import get_session  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from rollouts.analysis.gofmt import shortest_float
from rollouts.analysis.measuring import MeasurementError, QueryProvider, Reading
from rollouts.api.analysis import AnalysisRun, CloudWatchMetricDataQuery, Metric
from rollouts.api.common import parse_go_duration
from rollouts.clock import Clock

DEFAULT_INTERVAL = "5m"
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 30.0

#: ``factory()`` → an async context manager yielding an aiobotocore CloudWatch client
ClientFactory = Callable[[], Any]


def default_client_factory(**client_args: Any) -> ClientFactory:
    """CloudWatch clients from the default credential chain (``client_args`` e.g. endpoint_url)."""
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"max_attempts": 1},
    )

    def factory() -> Any:
        return get_session().create_client("cloudwatch", config=config, **client_args)

    return factory


def go_value(value: float) -> str:
    """Go's ``%v`` of a float64: the shortest digits, in exponent form below 1e-4 or from 1e21."""
    text = repr(value)
    if "e" not in text or not math.isfinite(value):
        return shortest_float(value)
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if -4 <= power < 21:  # Python switches to exponent form from 1e16, Go only from 1e21
        return shortest_float(value)
    return f"{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"


def _int(value: int | str | None, what: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise MeasurementError(f"cloudWatch: {what} {value!r} is not an integer") from None


def request_queries(queries: list[CloudWatchMetricDataQuery]) -> list[dict[str, Any]]:
    converted: list[dict[str, Any]] = []
    for query in queries:
        item: dict[str, Any] = {"Id": query.id or ""}
        if query.expression is not None:
            item["Expression"] = query.expression
        if query.label is not None:
            item["Label"] = query.label
        if query.return_data is not None:
            item["ReturnData"] = query.return_data
        period = _int(query.period, "period")
        if period is not None:
            item["Period"] = period
        stat = query.metric_stat
        if stat is not None:
            source = stat.metric
            metric: dict[str, Any] = {"MetricName": (source.metric_name if source else None) or ""}
            if source is not None and source.namespace is not None:
                metric["Namespace"] = source.namespace
            if source is not None and source.dimensions:
                metric["Dimensions"] = [
                    {"Name": d.name or "", "Value": d.value or ""} for d in source.dimensions
                ]
            converted_stat: dict[str, Any] = {"Metric": metric, "Period": _int(stat.period, "period") or 0}
            converted_stat["Stat"] = stat.stat or ""
            if stat.unit:
                converted_stat["Unit"] = stat.unit
            item["MetricStat"] = converted_stat
        converted.append(item)
    return converted


def reading_of(response: dict[str, Any]) -> Reading:
    results = []
    for raw in response.get("MetricDataResults") or []:
        results.append(
            {
                "Id": raw.get("Id"),
                "Label": raw.get("Label"),
                "StatusCode": raw.get("StatusCode"),
                "Timestamps": [
                    t.isoformat() if isinstance(t, datetime) else t for t in raw.get("Timestamps") or []
                ],
                "Values": [float(v) for v in raw.get("Values") or []],
                "Messages": raw.get("Messages") or [],
            }
        )
    text = "[" + " ".join("[" + " ".join(go_value(v) for v in r["Values"]) + "]" for r in results) + "]"
    messages = response.get("Messages") or []
    metadata = None
    if messages:
        shown = " ".join(f"{{Code:{m.get('Code')} Value:{m.get('Value')}}}" for m in messages)
        metadata = {"messages": f"[{shown}]"}
    return Reading(text, results, metadata)


class CloudWatchProvider(QueryProvider):
    provider_type = "CloudWatch"

    def __init__(self, clock: Clock, client_factory: ClientFactory | None = None) -> None:
        self._clock = clock
        self._client_factory = client_factory or default_client_factory()

    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        config = metric.provider.cloud_watch if metric.provider else None
        if config is None or not config.metric_data_queries:
            raise MeasurementError("cloudWatch: metricDataQueries is required")
        try:
            interval = parse_go_duration(config.interval or DEFAULT_INTERVAL)
        except ValueError as err:
            raise MeasurementError(str(err)) from None
        end = self._clock.now()
        start = end - timedelta(seconds=interval)
        queries = request_queries(config.metric_data_queries)
        try:
            async with self._client_factory() as client:
                response = await client.get_metric_data(
                    MetricDataQueries=queries, StartTime=start, EndTime=end
                )
        except ClientError as err:
            raise MeasurementError(f"cloudWatch: {err}") from None
        except BotoCoreError as err:
            raise MeasurementError(f"cloudWatch: {type(err).__name__}: {err}") from None
        return reading_of(response)
