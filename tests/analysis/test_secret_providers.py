"""Result shapes of the credentialed and asynchronous providers against faithful local servers:
Datadog (v1/v2), New Relic, Wavefront, InfluxDB, Graphite and Kayenta."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web

from rollouts.analysis.datadog import DatadogProvider
from rollouts.analysis.influxdb import record_values
from rollouts.clock import FakeClock
from tests.analysis.builders import metric, run
from tests.analysis.cases import CASES, CONTROLLER_NAMESPACE, secret_source
from tests.analysis.conftest import NOW, Serve

CASE = {c.name: c for c in CASES}


def json_routes(method: str, path: str, answer: Any, seen: list[dict[str, Any]]) -> list[web.RouteDef]:
    async def handler(request: web.Request) -> web.Response:
        seen.append(
            {"query": dict(request.query), "headers": dict(request.headers), "body": await request.text()}
        )
        if isinstance(answer, str):
            return web.Response(text=answer, content_type="application/csv")
        return web.json_response(answer)

    return [web.route(method, path, handler)]


async def measure(
    name: str, session: aiohttp.ClientSession, clock: FakeClock, base: str, **fields: Any
) -> Any:
    provider, m = CASE[name].build(session, clock, base)
    if fields:
        m = m.model_copy(update=fields)
    return await provider.run(run(), m, NOW)


async def test_datadog_v1_last_point_of_first_series(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    answer = {"status": "ok", "series": [{"pointlist": [[1, 0.5], [2, 0.01]]}, {"pointlist": [[1, 9.0]]}]}
    base = await serve(json_routes("GET", "/api/v1/query", answer, seen))
    measurement = await measure("datadog-v1", session, clock, base)
    assert (measurement.phase, measurement.value) == ("Successful", "0.01")
    now = int(NOW.timestamp())
    assert seen[0]["query"] == {"query": "avg:errors{*}", "from": str(now - 300), "to": str(now)}
    assert seen[0]["headers"]["DD-API-KEY"] == "API-KEY-SECRET"
    assert seen[0]["headers"]["DD-APPLICATION-KEY"] == "APP-KEY-SECRET"


async def test_datadog_v1_empty_series_is_nil_for_the_conditions(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    base = await serve(json_routes("GET", "/api/v1/query", {"series": []}, []))
    measurement = await measure(
        "datadog-v1", session, clock, base, success_condition="default(result, 0) < 0.05"
    )
    assert (measurement.phase, measurement.value) == ("Successful", "[]")


async def test_datadog_v2_formula_request_and_grouped_answer(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    answer = {
        "data": {
            "attributes": {
                "columns": [
                    {"name": "host", "type": "group", "values": [["host:a"], ["host:b"]]},
                    {"name": "a/b", "type": "number", "values": [0.02, 0.04]},
                ]
            }
        }
    }
    base = await serve(json_routes("POST", "/api/v2/query/scalar", answer, seen))
    keys = {"api-key": "team-api-key", "app-key": "team-app-key", "address": base}
    source = secret_source({("ns", "dd-team"): keys})
    config = {
        "apiVersion": "v2",
        "queries": {"a": "sum:errors{*} by {host}", "b": "sum:hits{*} by {host}"},
        "formula": "a/b",
        "interval": "10m",
        "secretRef": {"name": "dd-team", "namespaced": True},
    }
    provider = DatadogProvider(session, clock, source, CONTROLLER_NAMESPACE)
    measurement = await provider.run(
        run(), metric({"datadog": config}, successCondition="all(result, {# < 0.05})"), NOW
    )
    assert (measurement.phase, measurement.value) == ("Successful", "[0.02,0.04]")
    assert measurement.metadata == {
        "groups": '[{"name":"host:a","value":0.02},{"name":"host:b","value":0.04}]'
    }
    body = json.loads(seen[0]["body"])
    now_ms = int(NOW.timestamp()) * 1000
    assert body["data"]["type"] == "scalar_request"
    assert body["data"]["attributes"]["from"] == now_ms - 600_000
    assert body["data"]["attributes"]["to"] == now_ms
    assert body["data"]["attributes"]["formulas"] == [{"formula": "a/b"}]
    assert sorted(q["name"] for q in body["data"]["attributes"]["queries"]) == ["a", "b"]
    assert {q["aggregator"] for q in body["data"]["attributes"]["queries"]} == {"last"}


async def test_datadog_validation_and_missing_credentials(
    session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    keys = {"api-key": "dd-api-key", "app-key": "dd-app-key"}
    source = secret_source({(CONTROLLER_NAMESPACE, "datadog"): keys})
    provider = DatadogProvider(session, clock, source, CONTROLLER_NAMESPACE)
    both = await provider.run(run(), metric({"datadog": {"query": "q", "queries": {"a": "q"}}}), NOW)
    assert both.message == "Cannot have both a query and queries. Please review the Analysis Template."
    nobody = DatadogProvider(session, clock, secret_source({}), CONTROLLER_NAMESPACE)
    missing = await nobody.run(run(), metric({"datadog": {"query": "q"}}), NOW)
    assert missing.phase == "Error"
    assert 'secrets "datadog" not found in namespace argo-rollouts' in (missing.message or "")


async def test_newrelic_one_row_is_a_map(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    answer = {"data": {"actor": {"account": {"nrql": {"results": [{"count": 12}]}}}}}
    base = await serve(json_routes("POST", "/graphql", answer, seen))
    measurement = await measure("newrelic", session, clock, base)
    assert (measurement.phase, measurement.value) == ("Successful", '{"count":12}')
    sent = json.loads(seen[0]["body"])
    assert sent["variables"] == {"query": "SELECT count(*) FROM Transaction", "accountId": 42, "timeout": 1}
    assert seen[0]["headers"]["Api-Key"] == "NR-KEY-SECRET"


async def test_newrelic_graphql_errors(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    answer = {"errors": [{"message": "NRQL Syntax Error"}], "data": None}
    base = await serve(json_routes("POST", "/graphql", answer, []))
    measurement = await measure("newrelic", session, clock, base)
    assert (measurement.phase, measurement.message) == ("Error", "newrelic: NRQL Syntax Error")


async def test_wavefront_picks_the_point_nearest_now(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    now = int(NOW.timestamp())
    answer = {
        "timeseries": [{"data": [[now - 60, 10.0], [now - 5, 42.5], [now + 30, 99.0]]}],
        "warnings": "partial",
    }
    base = await serve(json_routes("GET", "/api/v2/chart/api", answer, seen))
    measurement = await measure("wavefront", session, clock, base)
    assert (measurement.phase, measurement.value) == ("Successful", "42.50")
    assert measurement.metadata == {"warnings": "partial", "timestamps": str(now - 5), "drift": "-5"}
    assert seen[0]["headers"]["Authorization"] == "Bearer WF-TOKEN-SECRET"
    assert seen[0]["query"]["s"] == seen[0]["query"]["e"] == str(now * 1000)


async def test_wavefront_several_series(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    now = int(NOW.timestamp())
    answer = {"timeseries": [{"data": [[now, 1.0]]}, {"data": [[now, 2.0]]}]}
    base = await serve(json_routes("GET", "/api/v2/chart/api", answer, []))
    measurement = await measure("wavefront", session, clock, base)
    assert measurement.value == "[1.00,2.00]"
    assert measurement.metadata == {"timestamps": f"[{now},{now}]", "drift": "[0,0]"}


FLUX_CSV = (
    "#datatype,string,long,dateTime:RFC3339,double\r\n"
    "#group,false,false,false,false\r\n"
    "#default,_result,,,\r\n"
    ",result,table,_time,_value\r\n"
    ",,0,2026-03-01T11:59:00Z,1.5\r\n"
    ",,0,2026-03-01T12:00:00Z,2\r\n"
    "\r\n"
    "#datatype,string,long,boolean\r\n"
    "#group,false,false,false\r\n"
    "#default,_result,,\r\n"
    ",result,table,_value\r\n"
    ",,1,true\r\n"
    "\r\n"
)


async def test_influxdb_flux_records(serve: Serve, session: aiohttp.ClientSession, clock: FakeClock) -> None:
    seen: list[dict[str, Any]] = []
    base = await serve(json_routes("POST", "/api/v2/query", FLUX_CSV, seen))
    measurement = await measure("influxdb", session, clock, base, success_condition="result[0] > 1")
    assert (measurement.phase, measurement.value) == ("Successful", "[1.5 2 true]")
    assert seen[0]["query"] == {"org": "acme"}
    assert seen[0]["headers"]["Authorization"] == "Token INFLUX-TOKEN-SECRET"
    assert json.loads(seen[0]["body"])["query"] == 'from(bucket: "b")'


def test_influxdb_error_row() -> None:
    text = "#datatype,string,string\r\n,error,reference\r\n,compilation failed,\r\n"
    try:
        record_values(text)
    except Exception as err:
        assert "compilation failed" in str(err)
    else:
        raise AssertionError("an error row must raise")


async def test_graphite_values_and_query_string(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    answer = [
        {"target": "a.b", "datapoints": [[1, 100], [None, 110], ["2.5", 120]]},
        {"target": "c", "datapoints": [[9, 1]]},
    ]
    base = await serve(json_routes("GET", "/render", answer, seen))
    provider, m = CASE["graphite"].build(session, clock, base)
    m = m.model_copy(update={"success_condition": "result[1] == 2.5"})
    measurement = await provider.run(run(), m, NOW)
    assert (measurement.phase, measurement.value) == ("Successful", "[1.000000,2.500000]")
    assert seen[0]["query"] == {"target": "a.b", "from": "-5min", "format": "json"}


def kayenta_routes(state: dict[str, Any]) -> list[web.RouteDef]:
    async def configs(request: web.Request) -> web.Response:
        state["config_query"] = dict(request.query)
        return web.json_response([{"id": "other-id", "name": "other"}, {"id": "cfg-id", "name": "cfg"}])

    async def start(request: web.Request) -> web.Response:
        state["start_path"] = request.path
        state["start_query"] = dict(request.query)
        state["start_body"] = await request.json()
        return web.json_response({"canaryExecutionId": "exec-1"})

    async def poll(request: web.Request) -> web.Response:
        return web.json_response(state["poll"])

    return [
        web.get("/canaryConfig", configs),
        web.post("/canary/cfg-id", start),
        web.get("/canary/exec-1", poll),
    ]


async def test_kayenta_judgement_lifecycle(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    state: dict[str, Any] = {"poll": {"complete": False}}
    base = await serve(kayenta_routes(state))
    provider, m = CASE["kayenta"].build(session, clock, base)
    started = await provider.run(run(), m, NOW)
    assert started.phase == "Running"
    assert started.metadata == {"canaryExecutionId": "exec-1"}
    assert started.resume_at == "2026-03-01T12:00:15Z"
    assert state["config_query"] == {"application": "app", "configurationAccountName": "store"}
    assert state["start_query"] == {
        "application": "app",
        "metricsAccountName": "metrics",
        "configurationAccountName": "conf",
        "storageAccountName": "store",
    }
    scope = state["start_body"]["scopes"]["default"]
    assert scope["controlScope"] == {
        "scope": "stable",
        "location": "",
        "step": 0,
        "start": "2026-03-01T11:55:00Z",
        "end": "2026-03-01T12:00:00Z",
    }
    assert state["start_body"]["thresholds"] == {"pass": 90, "marginal": 75}

    later = NOW + timedelta(seconds=15)
    waiting = await provider.resume(run(), m, started, later)
    assert (waiting.phase, waiting.resume_at) == ("Running", "2026-03-01T12:00:30Z")
    for score, phase in [(95.0, "Successful"), (80.0, "Inconclusive"), (10.0, "Failed")]:
        state["poll"] = {"complete": True, "result": {"judgeResult": {"score": {"score": score}}}}
        judged = await provider.resume(run(), m, started, later)
        assert (judged.phase, judged.value, judged.finished_at) == (
            phase,
            str(int(score)),
            "2026-03-01T12:00:15Z",
        )
    state["poll"] = {"complete": True, "result": {}}
    broken = await provider.resume(run(), m, started, later)
    assert (broken.phase, broken.message) == ("Error", "Missing Score")


async def test_skywalking_sends_the_duration_and_returns_data(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    answer = {"data": {"x": 0.98}}
    base = await serve(json_routes("POST", "/graphql", answer, seen))
    measurement = await measure("skywalking", session, clock, base)
    assert (measurement.phase, measurement.value) == ("Successful", '{"x":0.98}')
    sent = json.loads(seen[0]["body"])
    assert sent["variables"] == {
        "duration": {"start": "2026-03-01 1155", "end": "2026-03-01 1200", "step": "MINUTE"}
    }


async def test_skywalking_graphql_error(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    base = await serve(json_routes("POST", "/graphql", {"errors": [{"message": "bad query"}]}, []))
    measurement = await measure("skywalking", session, clock, base)
    assert (measurement.phase, measurement.message) == ("Error", "graphql: bad query")


async def test_datadog_credentials_from_the_environment_need_all_three(
    serve: Serve, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    seen: list[dict[str, Any]] = []
    base = await serve(json_routes("GET", "/api/v1/query", {"series": [{"pointlist": [[1, 0.01]]}]}, seen))
    environ = {"DD_API_KEY": "env-api-key", "DD_APP_KEY": "env-app-key", "DD_ADDRESS": base}
    provider = DatadogProvider(session, clock, secret_source({}), CONTROLLER_NAMESPACE, environ)
    measurement = await provider.run(run(), metric({"datadog": {"query": "q", "apiVersion": "v1"}}), NOW)
    assert measurement.phase == "Successful"
    assert seen[0]["headers"]["DD-API-KEY"] == "env-api-key"
    partial = DatadogProvider(session, clock, secret_source({}), CONTROLLER_NAMESPACE, {"DD_API_KEY": "x"})
    missing = await partial.run(run(), metric({"datadog": {"query": "q", "apiVersion": "v1"}}), NOW)
    assert missing.phase == "Error"
    assert 'secrets "datadog" not found' in (missing.message or "")


async def test_resolved_queries_become_metric_result_metadata(
    session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    prometheus, prom_metric = CASE["prometheus"].build(session, clock, "http://127.0.0.1:1")
    assert prometheus.result_metadata(prom_metric) == {"ResolvedPrometheusQuery": "up"}
    newrelic, nr_metric = CASE["newrelic"].build(session, clock, "http://127.0.0.1:1")
    masked = newrelic.result_metadata(nr_metric, frozenset({"Transaction"}))
    assert masked == {"ResolvedNewRelicQuery": "SELECT count(*) FROM *****"}
    graphite, graphite_metric = CASE["graphite"].build(session, clock, "http://127.0.0.1:1")
    assert graphite.result_metadata(graphite_metric) is None
