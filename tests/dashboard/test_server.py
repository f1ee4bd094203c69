"""The dashboard process's lifetime: it announces its URL once serving, stops on the stop signal
with its live streams ended and its client closed, and a port in use is a clear error."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from rollouts.cli.session import Target
from rollouts.dashboard.cache import CacheNotSynced
from rollouts.dashboard.server import Connector, Options, page_url, serve
from tests.dashboard.conftest import next_event, paused_api
from tests.dashboard.fake_api import FakeApi


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def connector_for(api: FakeApi) -> Connector:
    async def connect(target: Target) -> FakeApi:
        assert target.namespace == "default"
        return api

    return connect


async def test_serve_until_stopped_then_everything_is_closed() -> None:
    api, stop, announced = paused_api(), asyncio.Event(), asyncio.Event()
    port = free_port()
    lines: list[str] = []

    def announce(line: str) -> None:
        lines.append(line)
        announced.set()

    options = Options(port=port, only_namespace=None, version="9.9.9")
    server = asyncio.create_task(
        serve(Target(None, None, "default"), options, connector_for(api), announce=announce, stop=stop)
    )
    await asyncio.wait_for(announced.wait(), 10)
    assert lines == [f"Rollouts dashboard is now available at http://localhost:{port}/rollouts"]
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(base + "/api/v1/namespace") as response:
            assert await response.json() == {
                "namespace": "default",
                "availableNamespaces": ["default", "other"],
            }
        async with session.get(base + "/api/v1/rollouts/default/info/watch") as stream:
            await next_event(stream)
            stop.set()
            with pytest.raises((EOFError, aiohttp.ClientPayloadError)):
                while True:
                    await next_event(stream)
    await asyncio.wait_for(server, 10)
    assert api.closed


async def test_a_port_in_use_is_an_os_error_and_the_client_is_closed() -> None:
    api = paused_api()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        options = Options(port=taken.getsockname()[1])
        with pytest.raises(OSError, match="address already in use"):
            await serve(
                Target(None, None, "default"),
                options,
                connector_for(api),
                announce=print,
                stop=asyncio.Event(),
            )
    assert api.closed


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("127.0.0.1", "http://localhost:3100/rollouts"),
        ("0.0.0.0", "http://localhost:3100/rollouts"),
        ("10.1.2.3", "http://10.1.2.3:3100/rollouts"),
        ("::1", "http://[::1]:3100/rollouts"),
    ],
)
def test_page_url(address: str, url: str) -> None:
    assert page_url(address, 3100) == url


@pytest.mark.parametrize(
    ("args", "only", "address", "port"),
    [
        (["dashboard"], None, "127.0.0.1", 3100),
        (["-n", "team", "dashboard", "-p", "4000"], "team", "127.0.0.1", 4000),
        (["dashboard", "--namespace", "team", "--address", "0.0.0.0", "--port", "0"], "team", "0.0.0.0", 0),
    ],
)
def test_the_command_hands_its_flags_to_the_server(
    monkeypatch: pytest.MonkeyPatch, args: list[str], only: str | None, address: str, port: int
) -> None:
    from click.testing import CliRunner

    from rollouts.cli.main import App, cli

    seen: list[Options] = []

    async def fake_serve(target: Target, options: Options, connector: Connector, **kwargs: object) -> None:
        seen.append(options)

    monkeypatch.setattr("rollouts.dashboard.server.serve", fake_serve)
    result = CliRunner().invoke(cli, args, obj=App(kubeconfig="/nonexistent/kubeconfig"))
    assert result.exit_code == 0, result.output
    [options] = seen
    assert (options.only_namespace, options.address, options.port) == (only, address, port)


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (OSError(98, "address already in use"), "Error: [Errno 98] address already in use\n"),
        (CacheNotSynced("no answer in 30s listing rollouts in all namespaces"), "Error: no answer in 30s"),
    ],
)
def test_the_command_reports_failures_in_one_line(
    monkeypatch: pytest.MonkeyPatch, error: Exception, line: str
) -> None:
    from click.testing import CliRunner

    from rollouts.cli.main import App, cli

    async def failing_serve(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("rollouts.dashboard.server.serve", failing_serve)
    result = CliRunner().invoke(cli, ["dashboard"], obj=App(kubeconfig="/nonexistent/kubeconfig"))
    assert result.exit_code == 1
    assert result.output.startswith(line)
    assert "Traceback" not in result.output
