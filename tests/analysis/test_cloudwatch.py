"""CloudWatch provider against moto's CloudWatch API served on 127.0.0.1 (ThreadedMotoServer)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from rollouts.analysis.cloudwatch import CloudWatchProvider, default_client_factory, go_value
from rollouts.clock import FakeClock
from tests.analysis.builders import metric, run

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


async def put_points(endpoint: str, namespace: str, values: list[float]) -> None:
    async with default_client_factory(endpoint_url=endpoint, **CREDENTIALS)() as client:
        data = [
            {
                "MetricName": "5xx",
                "Dimensions": [{"Name": "LoadBalancer", "Value": "app/lb"}],
                "Timestamp": NOW - timedelta(seconds=90 - 30 * i),
                "Value": v,
            }
            for i, v in enumerate(values)
        ]
        await client.put_metric_data(Namespace=namespace, MetricData=data)


def cw_metric(namespace: str, name: str = "5xx", **fields: Any) -> Any:
    query = {
        "id": "errors",
        "metricStat": {
            "metric": {
                "namespace": namespace,
                "metricName": name,
                "dimensions": [{"name": "LoadBalancer", "value": "app/lb"}],
            },
            "period": 300,
            "stat": "Sum",
        },
        "returnData": True,
    }
    return metric({"cloudWatch": {"interval": "10m", "metricDataQueries": [query]}}, **fields)


async def test_metric_data_results_reach_the_conditions(endpoint: str) -> None:
    await put_points(endpoint, "App/One", [1.0, 2.0, 0.5])
    provider = CloudWatchProvider(
        FakeClock(start=NOW), default_client_factory(endpoint_url=endpoint, **CREDENTIALS)
    )
    m = cw_metric("App/One", successCondition='result[0].Id == "errors" && all(result[0].Values, {# <= 5})')
    measurement = await provider.run(run(), m, NOW)
    assert (measurement.phase, measurement.value) == ("Successful", "[[3.5]]"), measurement.message


async def test_no_data_is_an_empty_values_list(endpoint: str) -> None:
    # another metric name, not only another namespace: moto matches GetMetricData queries by
    # name and dimensions
    provider = CloudWatchProvider(
        FakeClock(start=NOW), default_client_factory(endpoint_url=endpoint, **CREDENTIALS)
    )
    m = cw_metric("App/Nothing", "4xx", successCondition="len(result[0].Values) == 0")
    measurement = await provider.run(run(), m, NOW)
    assert (measurement.phase, measurement.value) == ("Successful", "[[]]"), measurement.message


async def test_unreachable_endpoint_is_an_error(refused_url: str) -> None:
    provider = CloudWatchProvider(
        FakeClock(start=NOW), default_client_factory(endpoint_url=refused_url, **CREDENTIALS)
    )
    measurement = await provider.run(run(), cw_metric("App/One"), NOW)
    assert measurement.phase == "Error"
    assert "EndpointConnectionError" in (measurement.message or "")


def test_go_value() -> None:
    assert [go_value(v) for v in (1.0, 0.1, 1e-05, 1.5e22, 1e17)] == [
        "1",
        "0.1",
        "1e-05",
        "1.5e+22",
        "100000000000000000",
    ]
