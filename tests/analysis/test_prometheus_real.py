"""The Prometheus provider against a real Prometheus (skipped where the binary is not installed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from rollouts.analysis.prometheus import PrometheusProvider
from rollouts.clock import FakeClock
from tests.analysis import real_prometheus
from tests.analysis.builders import metric, run

pytestmark = pytest.mark.skipif(not real_prometheus.available(), reason="prometheus/promtool not installed")

# an hour ago, whole minutes: inside the default lookback of an instant query at T0 + 2m
T0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
QUERY_TIME = T0 + timedelta(minutes=2)


def _openmetrics() -> str:
    t = int(T0.timestamp())
    lines = ["# TYPE http_requests counter"]
    for minute in range(3):
        ts = t + 60 * minute
        lines.append(f'http_requests_total{{code="200"}} {990 * (minute + 1)} {ts}')
        lines.append(f'http_requests_total{{code="500"}} {10 * (minute + 1)} {ts}')
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    with real_prometheus.running_prometheus(workdir, _openmetrics()) as url:
        yield url


async def measure(url: str, query: str, **conditions: str) -> tuple[str | None, str | None, str | None]:
    m = metric({"prometheus": {"address": url, "query": query, "timeout": 10}}, **conditions)
    async with aiohttp.ClientSession() as session:
        provider = PrometheusProvider(session, FakeClock(start=QUERY_TIME))
        measurement = await provider.run(run(), m, QUERY_TIME)
    return measurement.phase, measurement.value, measurement.message


async def test_success_rate_ratio(prometheus_url: str) -> None:
    query = 'sum(increase(http_requests_total{code="200"}[2m])) / sum(increase(http_requests_total[2m]))'
    phase, value, _ = await measure(prometheus_url, query, successCondition="result[0] >= 0.95")
    assert phase == "Successful"
    assert value == "[0.99]"


async def test_vector_of_two_series_and_failure(prometheus_url: str) -> None:
    phase, value, _ = await measure(
        prometheus_url, "sort(http_requests_total)", failureCondition="result[0] < 100"
    )
    assert (phase, value) == ("Failed", "[30,2970]")


async def test_scalar(prometheus_url: str) -> None:
    phase, value, _ = await measure(
        prometheus_url, "scalar(sum(http_requests_total))", successCondition="result == 3000"
    )
    assert (phase, value) == ("Successful", "3000")


async def test_empty_result(prometheus_url: str) -> None:
    phase, value, _ = await measure(prometheus_url, "absent_metric_name", successCondition="len(result) == 0")
    assert (phase, value) == ("Successful", "[]")


async def test_bad_query_is_an_error_with_prometheus_reason(prometheus_url: str) -> None:
    phase, _, message = await measure(prometheus_url, "sum(")
    assert phase == "Error"
    assert message is not None and message.startswith("bad_data: ")


async def test_range_query_flattens_the_matrix(prometheus_url: str) -> None:
    config = {
        "address": prometheus_url,
        "query": 'http_requests_total{code="500"}',
        "timeout": 10,
        "rangeQuery": {"start": 'now() - duration("2m")', "end": "now()", "step": "1m"},
    }
    m = metric({"prometheus": config}, successCondition="len(result) == 3 && result[2] == 30")
    async with aiohttp.ClientSession() as session:
        measurement = await PrometheusProvider(session, FakeClock(start=QUERY_TIME)).run(run(), m, QUERY_TIME)
    assert (measurement.phase, measurement.value) == ("Successful", "[10,20,30]")
