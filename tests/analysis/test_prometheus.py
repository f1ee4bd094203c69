"""Prometheus provider against a local server speaking Prometheus' /api/v1/query protocol.

The fake answers exactly as Prometheus 2.x/3.x does: form-encoded POST (the Go client's
default), ``{"status": "success", "data": {"resultType", "result"}}``, errors as
``{"status": "error", "errorType", "error"}`` with 400/422. ``test_prometheus_real.py`` runs the
same provider against a real ``prometheus`` binary when one is installed.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web

from rollouts.analysis.prometheus import PrometheusProvider, reading_of
from rollouts.clock import FakeClock
from tests.analysis.builders import metric, run
from tests.analysis.conftest import NOW, Serve

SERIES = {
    "vector": {
        "resultType": "vector",
        "result": [
            {"metric": {"job": "a"}, "value": [1700000000.0, "0.99"]},
            {"metric": {"job": "b"}, "value": [1700000000.0, "1"]},
        ],
    },
    "scalar": {"resultType": "scalar", "result": [1700000000.0, "0.5"]},
    "empty": {"resultType": "vector", "result": []},
    "matrix": {
        "resultType": "matrix",
        "result": [
            {"metric": {}, "values": [[1, "1"], [2, "2.5"]]},
            {"metric": {}, "values": [[1, "NaN"]]},
        ],
    },
    "string": {"resultType": "string", "result": [1, "x"]},
}


def prometheus_routes(seen: list[dict[str, Any]]) -> list[web.RouteDef]:
    async def query(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append({"form": dict(form), "headers": dict(request.headers)})
        text = str(form.get("query", ""))
        if text == "syntax(":
            body = {
                "status": "error",
                "errorType": "bad_data",
                "error": "1:8: parse error: unclosed left parenthesis",
            }
            return web.json_response(body, status=400)
        if text == "warn":
            return web.json_response(
                {"status": "success", "data": SERIES["scalar"], "warnings": ["w1", "w2"]}
            )
        return web.json_response({"status": "success", "data": SERIES[text]})

    return [web.post("/api/v1/query", query)]


def prom_metric(address: str, query: str, **fields: Any) -> Any:
    return metric({"prometheus": {"address": address, "query": query}}, **fields)


async def test_vector_is_a_list_of_floats_judged_by_the_condition(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    address = await serve(prometheus_routes(seen))
    m = prom_metric(address, "vector", successCondition="all(result, {# >= 0.95})")
    measurement = await PrometheusProvider(session, clock).run(run(), m, NOW)
    assert (measurement.phase, measurement.value) == ("Successful", "[0.99,1]")
    assert measurement.started_at == measurement.finished_at == "2026-03-01T12:00:00Z"
    # the query is evaluated at the injected clock's time
    assert seen[0]["form"]["time"] == f"{NOW.timestamp():.3f}"


async def test_failure_condition_decides_failed(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    address = await serve(prometheus_routes([]))
    m = prom_metric(address, "scalar", failureCondition="result < 0.9")
    measurement = await PrometheusProvider(session, clock).run(run(), m, NOW)
    assert (measurement.phase, measurement.value) == ("Failed", "0.5")


async def test_empty_vector_is_left_to_the_conditions(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    address = await serve(prometheus_routes([]))
    provider = PrometheusProvider(session, clock)
    by_len = await provider.run(
        run(), prom_metric(address, "empty", successCondition="len(result) == 0"), NOW
    )
    assert (by_len.phase, by_len.value) == ("Successful", "[]")
    by_index = await provider.run(run(), prom_metric(address, "empty", successCondition="result[0] > 1"), NOW)
    assert by_index.phase == "Error"
    assert by_index.message


async def test_query_error_carries_prometheus_explanation(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    address = await serve(prometheus_routes([]))
    measurement = await PrometheusProvider(session, clock).run(run(), prom_metric(address, "syntax("), NOW)
    assert measurement.phase == "Error"
    assert measurement.message == "bad_data: 1:8: parse error: unclosed left parenthesis"


async def test_warnings_become_metadata(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    address = await serve(prometheus_routes([]))
    measurement = await PrometheusProvider(session, clock).run(run(), prom_metric(address, "warn"), NOW)
    assert measurement.metadata == {"warnings": '"w1", "w2"'}


async def test_headers_and_basic_auth_are_sent(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    address = await serve(prometheus_routes(seen))
    config = {
        "address": address,
        "query": "scalar",
        "headers": [{"key": "X-Scope-OrgID", "value": "tenant-1"}],
        "authentication": {"basicAuth": {"username": "u", "password": "p"}},
    }
    await PrometheusProvider(session, clock).run(run(), metric({"prometheus": config}), NOW)
    assert seen[0]["headers"]["X-Scope-OrgID"] == "tenant-1"
    assert seen[0]["headers"]["Authorization"] == "Basic dTpw"


async def test_sigv4_is_reported_as_unsupported(session: aiohttp.ClientSession, clock: FakeClock) -> None:
    config = {
        "address": "http://127.0.0.1:1",
        "query": "x",
        "authentication": {"sigv4": {"region": "eu-west-1"}},
    }
    measurement = await PrometheusProvider(session, clock).run(run(), metric({"prometheus": config}), NOW)
    assert measurement.phase == "Error"
    assert "sigv4" in (measurement.message or "")


@pytest.mark.parametrize(
    ("data", "value", "result"),
    [
        (SERIES["matrix"], "[1,2.5,NaN]", None),
        (SERIES["scalar"], "0.5", 0.5),
        ({"resultType": "scalar", "result": [1, "1e-07"]}, "0.0000001", 1e-07),
        ({"resultType": "scalar", "result": [1, "+Inf"]}, "+Inf", float("inf")),
    ],
)
def test_value_text_is_gos(data: dict[str, Any], value: str, result: Any) -> None:
    reading = reading_of(data)
    assert reading.value == value
    if result is not None:
        assert reading.result == result


def test_string_results_are_not_supported() -> None:
    with pytest.raises(Exception, match="Prometheus metric type not supported"):
        reading_of(SERIES["string"])


async def test_bad_range_query_bounds_are_errors(session: aiohttp.ClientSession, clock: FakeClock) -> None:
    window = {"start": "yesterday", "end": "now()", "step": "1m"}
    config = {"address": "http://127.0.0.1:1", "query": "up", "rangeQuery": window}
    measurement = await PrometheusProvider(session, clock).run(run(), metric({"prometheus": config}), NOW)
    assert measurement.phase == "Error"
    assert (measurement.message or "").startswith("failed to parse rangeQuery.start as time: ")
