"""The two HTTP endpoints: ``/metrics`` (on --metricsPort) and ``/healthz`` (on --healthzPort).

Both answer whether this replica leads or not. :func:`serve` runs one aiohttp site until its
task is cancelled, then closes it; it reports the bound port (useful with port 0 in tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from rollouts.controller.health import Health
from rollouts.metrics import ControllerMetrics
from rollouts.metrics.registry import CONTENT_TYPE


class ServeError(Exception):
    """An endpoint could not listen (port taken, address not available)."""


def metrics_app(metrics: ControllerMetrics) -> web.Application:
    async def handle(_: web.Request) -> web.Response:
        body = metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/metrics", handle)
    return app


def healthz_app(health: Health) -> web.Application:
    async def handle(_: web.Request) -> web.Response:
        status, text = health.report()
        return web.Response(status=status, text=text, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/healthz", handle)
    return app


async def serve(
    app: web.Application, host: str, port: int, on_bound: Callable[[int], None] = lambda _: None
) -> None:
    """Serve ``app`` on host:port until cancelled."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        server = site._server  # aiohttp exposes the bound sockets only here
        sockets = getattr(server, "sockets", None) or ()
        on_bound(sockets[0].getsockname()[1] if sockets else port)
        await asyncio.Event().wait()  # until cancelled
    finally:
        await runner.cleanup()
