"""Web provider against a local HTTP server: methods, bodies, headers, jsonPath, auth."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from rollouts.analysis.json_path import first_match, to_query
from rollouts.analysis.measuring import MeasurementError
from rollouts.analysis.web import WebProvider
from tests.analysis.builders import metric, run
from tests.analysis.conftest import NOW, Serve


def recording_routes(seen: list[dict[str, Any]], answer: Any = None) -> list[web.RouteDef]:
    async def echo(request: web.Request) -> web.Response:
        seen.append(
            {"method": request.method, "headers": dict(request.headers), "body": await request.text()}
        )
        if answer is not None:
            return web.json_response(answer)
        return web.json_response({"data": {"ok": True, "rate": 0.97, "items": [{"v": 1}, {"v": 2}]}})

    async def plain(_: web.Request) -> web.Response:
        return web.Response(text="healthy")

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append({"token_form": dict(form), "token_auth": request.headers.get("Authorization")})
        return web.json_response({"access_token": "tok-123", "token_type": "bearer"})

    return [web.route("*", "/api", echo), web.get("/plain", plain), web.post("/token", token)]


async def measure(session: aiohttp.ClientSession, config: dict[str, Any], **fields: Any) -> Any:
    return await WebProvider(session).run(run(), metric({"web": config}, **fields), NOW)


async def test_json_path_selects_the_result(serve: Serve, session: aiohttp.ClientSession) -> None:
    base = await serve(recording_routes([]))
    measurement = await measure(
        session, {"url": base + "/api", "jsonPath": "{$.data.rate}"}, successCondition="result > 0.95"
    )
    assert (measurement.phase, measurement.value) == ("Successful", "0.97")


async def test_default_json_path_is_the_whole_document_as_compact_json(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    base = await serve(recording_routes([], answer={"b": [1, 2], "a": True}))
    measurement = await measure(session, {"url": base + "/api"}, successCondition="result.a")
    assert (measurement.phase, measurement.value) == ("Successful", '{"a":true,"b":[1,2]}')


async def test_non_json_body_is_a_string_result(serve: Serve, session: aiohttp.ClientSession) -> None:
    base = await serve(recording_routes([]))
    measurement = await measure(session, {"url": base + "/plain"}, successCondition="result == 'healthy'")
    assert (measurement.phase, measurement.value) == ("Successful", "healthy")


async def test_post_json_body_headers_and_condition_failure(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    seen: list[dict[str, Any]] = []
    base = await serve(recording_routes(seen))
    config = {
        "url": base + "/api",
        "method": "POST",
        "jsonBody": {"service": "checkout"},
        "headers": [{"key": "X-Token", "value": "abc"}],
        "jsonPath": "{$.data.items[1].v}",
    }
    measurement = await measure(session, config, failureCondition="result > 1")
    assert (measurement.phase, measurement.value) == ("Failed", "2")
    assert seen[0]["method"] == "POST"
    assert json.loads(seen[0]["body"]) == {"service": "checkout"}
    assert seen[0]["headers"]["Content-Type"] == "application/json"
    assert seen[0]["headers"]["X-Token"] == "abc"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"body": "x", "jsonBody": {"a": 1}, "method": "POST"}, "use either Body or JSONBody"),
        ({"body": "x"}, "Body/JSONBody can only be used with POST or PUT"),
        ({"jsonPath": "{$.data.missing}"}, "Could not find JSONPath in body"),
        ({"jsonPath": "a={.x} b={.y}"}, "expected one path in braces"),
    ],
)
async def test_configuration_errors_are_error_measurements(
    serve: Serve, session: aiohttp.ClientSession, config: dict[str, Any], message: str
) -> None:
    base = await serve(recording_routes([]))
    measurement = await measure(session, {"url": base + "/api", **config})
    assert measurement.phase == "Error"
    assert message in (measurement.message or "")


async def test_oauth2_client_credentials_then_bearer(serve: Serve, session: aiohttp.ClientSession) -> None:
    seen: list[dict[str, Any]] = []
    base = await serve(recording_routes(seen))
    auth = {
        "oauth2": {
            "tokenUrl": base + "/token",
            "clientId": "id",
            "clientSecret": "s3cr3t",
            "scopes": ["a", "b"],
        }
    }
    measurement = await measure(
        session, {"url": base + "/api", "jsonPath": "{$.data.ok}", "authentication": auth}
    )
    assert measurement.phase == "Successful"
    assert seen[0]["token_form"] == {"grant_type": "client_credentials", "scope": "a b"}
    assert seen[0]["token_auth"] == "Basic " + base64.b64encode(b"id:s3cr3t").decode()
    assert seen[1]["headers"]["Authorization"] == "Bearer tok-123"


async def test_secret_argument_echoed_in_an_error_is_masked(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    base = await serve(recording_routes([]))
    config = {"url": base + "/api", "jsonPath": "{$.hunter2}"}
    provider = WebProvider(session)
    measurement = await provider.run(run(), metric({"web": config}), NOW, secrets=frozenset({"hunter2"}))
    assert measurement.phase == "Error"
    assert "hunter2" not in (measurement.message or "")
    assert "*****" in (measurement.message or "")


@pytest.mark.parametrize(
    ("template", "query"),
    [
        ("{$.data.ok}", "$.data.ok"),
        ("{.data.ok}", "$.data.ok"),
        ("{ $ }", "$"),
        ("{data}", "$.data"),
        ("{[0]}", "$[0]"),
    ],
)
def test_k8s_templates_become_rfc9535_queries(template: str, query: str) -> None:
    assert to_query(template) == query


def test_first_match_on_filters() -> None:
    document = {"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]}
    assert first_match('{$.items[?@.name == "b"].v}', document) == 2
    with pytest.raises(MeasurementError, match="is not found"):
        first_match("{$.nothing}", document)


async def test_a_body_sent_in_many_chunks_is_read_whole(serve: Serve, session: aiohttp.ClientSession) -> None:
    document = {"data": {"items": list(range(50_000)), "ok": True}}
    text = json.dumps(document).encode()

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for start in range(0, len(text), 1000):
            await response.write(text[start : start + 1000])
        await response.write_eof()
        return response

    base = await serve([web.get("/big", chunked)])
    measurement = await measure(
        session, {"url": base + "/big", "jsonPath": "{$.data.ok}"}, successCondition="result"
    )
    assert (measurement.phase, measurement.value) == ("Successful", "true")


async def test_an_oversized_body_is_an_error(
    serve: Serve, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rollouts.analysis.http.MAX_BODY_BYTES", 1000)

    async def big(_: web.Request) -> web.Response:
        return web.json_response({"pad": "x" * 5000})

    base = await serve([web.get("/big", big)])
    measurement = await measure(session, {"url": base + "/big"})
    assert measurement.phase == "Error"
    assert "larger than 1000 bytes" in (measurement.message or "")


async def test_an_invalid_url_is_an_error(session: aiohttp.ClientSession) -> None:
    measurement = await measure(session, {"url": "http://127.0.0.1:notaport/x"})
    assert measurement.phase == "Error"
    assert "127.0.0.1:notaport" in (measurement.message or "")
