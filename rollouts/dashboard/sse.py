"""Server-Sent Events over aiohttp: the wire format and one live stream's loop.

Wire format (the HTML5 ``text/event-stream``): each message is ``data: <one line of JSON>`` and a
blank line; a line starting with ``:`` is a comment, sent as a keep-alive every
:data:`KEEPALIVE_SECONDS` so that proxies keep the connection and a browser that went away is
noticed (the write fails) within that time.

:func:`follow` drives one stream: render, send what changed, wait on the
:class:`~rollouts.dashboard.feed.ChangeFeed`, let a burst of events settle for
:data:`SETTLE_SECONDS`, render again. It ends when the feed closes (server shutdown) or the
browser disconnects. Waiting is on the injected clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import orjson
from aiohttp import web

from rollouts.clock import Clock
from rollouts.dashboard.feed import ChangeFeed

KEEPALIVE_SECONDS = 15.0
SETTLE_SECONDS = 0.1

#: what one render produces: the JSON payloads to send, in order (none when nothing changed)
Render = Callable[[], list[object]]


async def open_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # a reverse proxy must not hold events back
        }
    )
    await response.prepare(request)
    return response


def encode(payload: object) -> bytes:
    # orjson never emits a raw newline inside a document, so one ``data:`` line holds it all.
    return b"data: " + orjson.dumps(payload) + b"\n\n"


async def _wait(feed: ChangeFeed, seen: int, clock: Clock, seconds: float) -> int | bool | None:
    """The next version, None when the feed closed, False when ``seconds`` passed first."""
    outcome: list[int | bool | None] = [False]

    async def changed() -> None:
        outcome[0] = await feed.wait_beyond(seen)

    async with asyncio.TaskGroup() as tg:
        waiter = tg.create_task(changed())
        timer = tg.create_task(clock.sleep(seconds))
        waiter.add_done_callback(lambda _: timer.cancel())
        timer.add_done_callback(lambda _: waiter.cancel())
    return outcome[0]


async def follow(
    response: web.StreamResponse,
    render: Render,
    feed: ChangeFeed,
    clock: Clock,
    *,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
    settle_seconds: float = SETTLE_SECONDS,
) -> None:
    """Send ``render()``'s payloads now and after every change until shutdown or disconnect."""
    seen = feed.version
    try:
        for payload in render():
            await response.write(encode(payload))
        while True:
            version = await _wait(feed, seen, clock, keepalive_seconds)
            if version is None:
                return
            if version is False:
                await response.write(b": keep-alive\n\n")
                continue
            await clock.sleep(settle_seconds)
            seen = feed.version
            for payload in render():
                await response.write(encode(payload))
    except ConnectionResetError:
        return  # the browser went away: nothing to clean up beyond leaving
