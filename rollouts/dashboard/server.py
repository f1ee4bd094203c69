"""The dashboard process: connect, fill the caches, serve, and stop cleanly on SIGINT/SIGTERM.

Lifetime, outermost first: the client (closed last) → the informers
(:meth:`ClusterCache.running`, one TaskGroup) → the aiohttp runner and its TCP site. A stop
signal closes the change feed (live streams end), the runner cleans up (waits for requests in
flight at most :data:`SHUTDOWN_SECONDS`), then the informers stop and the client closes. Nothing
is left running: the informers' tasks belong to the factory's TaskGroup, request handlers to
aiohttp's server.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from rollouts.cli.session import Client, Target
from rollouts.clock import Clock, SystemClock
from rollouts.dashboard.api import build_app
from rollouts.dashboard.cache import ClusterCache
from rollouts.informers.source import ListWatchClient

DEFAULT_PORT = 3100
DEFAULT_ADDRESS = "127.0.0.1"
#: how long the first list of every kind may take before the dashboard gives up starting
SYNC_SECONDS = 30.0
SHUTDOWN_SECONDS = 5.0


class DashboardClient(ListWatchClient, Client, Protocol):
    """What the dashboard needs of :class:`~rollouts.k8s.KubeClient`: the CLI's client (actions)
    whose ``list`` also pages and pins a resourceVersion (the informers' ListWatchClient)."""


Connector = Callable[[Target], Awaitable[DashboardClient]]


@dataclass(frozen=True, slots=True)
class Options:
    address: str = DEFAULT_ADDRESS
    port: int = DEFAULT_PORT
    #: serve only this namespace (None: every namespace; the page opens on ``target.namespace``)
    only_namespace: str | None = None
    version: str = "unknown"


def page_url(address: str, port: int) -> str:
    host = "localhost" if address in ("127.0.0.1", "0.0.0.0", "") else address
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/rollouts"


async def serve(
    target: Target,
    options: Options,
    connector: Connector,
    *,
    clock: Clock | None = None,
    announce: Callable[[str], None] = print,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (default: until SIGINT or SIGTERM)."""
    clock = clock or SystemClock()
    stop = stop or _signal_event()
    client = await connector(target)
    try:
        cache = ClusterCache(client, clock, options.only_namespace)
        async with cache.running(SYNC_SECONDS):
            app = build_app(
                cache,
                client,
                clock,
                default_namespace=options.only_namespace or target.namespace,
                version=options.version,
            )
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
            await runner.setup()
            try:
                site = web.TCPSite(runner, options.address, options.port)
                await site.start()
                announce(f"Rollouts dashboard is now available at {page_url(options.address, options.port)}")
                await stop.wait()
            finally:
                await runner.cleanup()
    finally:
        await client.close()


def _signal_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on the main thread
            loop.add_signal_handler(signum, stop.set)
    return stop
