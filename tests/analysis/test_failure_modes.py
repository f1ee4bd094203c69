"""Every HTTP provider turns each failure of the outside world into an Error measurement.

Unreachable server (connection refused on 127.0.0.1), a server that accepts and never answers
(the provider's time limit must end the wait), a non-2xx answer, a body that cannot be read,
and an answer with no data — each a measurement in phase Error with a clear message, never an
exception and never a hang. Credential values never appear in a message.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp import web

from rollouts.clock import FakeClock
from tests.analysis.builders import run
from tests.analysis.cases import CASES, SHORT_TIMEOUT, ProviderCase
from tests.analysis.conftest import NOW, Serve

SECRET_VALUES = (
    "API-KEY-SECRET",
    "APP-KEY-SECRET",
    "NR-KEY-SECRET",
    "WF-TOKEN-SECRET",
    "INFLUX-TOKEN-SECRET",
)
#: the whole test of a silent server must end well within this
HANG_LIMIT_SECONDS = SHORT_TIMEOUT + 5

pytestmark = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])


async def measure(
    case: ProviderCase, session: aiohttp.ClientSession, clock: FakeClock, base: str
) -> tuple[str, str]:
    provider, metric = case.build(session, clock, base)
    measurement = await asyncio.wait_for(provider.run(run(), metric, NOW), HANG_LIMIT_SECONDS)
    assert measurement.started_at == "2026-03-01T12:00:00Z"
    message = measurement.message or ""
    for secret in SECRET_VALUES:
        assert secret not in message
    return measurement.phase or "", message


def answering(case: ProviderCase, status: int, content_type: str, body: str) -> list[web.RouteDef]:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=status, body=body.encode(), content_type=content_type)

    return [web.route(method, path, handler) for method, path in case.endpoints]


def echoing_503(case: ProviderCase) -> list[web.RouteDef]:
    """A 503 whose body echoes the request's headers, credentials included, as some proxies do."""

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=503, text="overloaded; you sent " + " ".join(request.headers.values()))

    return [web.route(method, path, handler) for method, path in case.endpoints]


async def test_connection_refused(
    case: ProviderCase, session: aiohttp.ClientSession, clock: FakeClock, refused_url: str
) -> None:
    phase, message = await measure(case, session, clock, refused_url)
    assert phase == "Error"
    assert "cannot connect" in message
    assert refused_url in message


async def test_server_that_never_answers(
    case: ProviderCase, session: aiohttp.ClientSession, clock: FakeClock, silent_url: str
) -> None:
    begun = time.monotonic()
    phase, message = await measure(case, session, clock, silent_url)
    assert phase == "Error"
    assert "timeout" in message
    assert time.monotonic() - begun < HANG_LIMIT_SECONDS


async def test_non_2xx(
    case: ProviderCase, session: aiohttp.ClientSession, clock: FakeClock, serve: Serve
) -> None:
    base = await serve(echoing_503(case))
    phase, message = await measure(case, session, clock, base)
    assert phase == "Error"
    assert "503" in message or "overloaded" in message


async def test_malformed_body(
    case: ProviderCase, session: aiohttp.ClientSession, clock: FakeClock, serve: Serve
) -> None:
    content_type, body = case.malformed
    base = await serve(answering(case, 200, content_type, body))
    phase, message = await measure(case, session, clock, base)
    assert phase == "Error"
    assert message


async def test_empty_result(
    case: ProviderCase, session: aiohttp.ClientSession, clock: FakeClock, serve: Serve
) -> None:
    content_type, body = case.empty
    base = await serve(answering(case, 200, content_type, body))
    phase, message = await measure(case, session, clock, base)
    assert phase == "Error"
    assert message
