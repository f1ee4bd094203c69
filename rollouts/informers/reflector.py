"""The reflector: keep a sink in step with the API server by list, then watch.

Cycle (client-go's semantics):

1. **List** in pages (``limit``/``continue``) and hand the complete set to ``sink.replace`` with the
   list's resourceVersion. A continue token that expires mid-list (410) restarts the list.
2. **Watch** from the last resourceVersion with bookmarks and a server-side timeout drawn from
   [300, 600) s, so that many informers do not reconnect in lock-step. Each ADDED/MODIFIED/DELETED
   goes to ``sink.apply``; every event carrying a resourceVersion (bookmarks too) advances the
   tracked one. When the server ends the watch normally, watch again from there at once.
3. **Faults.** A watch that delivers nothing (not even a bookmark) for ``inactivity_timeout`` is
   declared stuck and restarted from the last resourceVersion. A dropped stream or an error is
   retried from the last resourceVersion. A 410 Gone / "too old resource version" (as an ERROR
   event or as an ApiError) means that resourceVersion has been compacted away: relist. Every
   fault waits :class:`~rollouts.informers.backoff.Backoff` first (0.8 s doubling to 30 s, jitter,
   reset after 2 healthy minutes), so a broken server is not hammered.

The sink decides what an event means for the cache (duplicates, stale events, tombstones); the
reflector only tracks the resourceVersion and the connection.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any, Protocol

import structlog

from rollouts.clock import Clock
from rollouts.informers.backoff import Backoff
from rollouts.informers.source import ListWatchSource
from rollouts.k8s.errors import ApiError, is_gone

log = structlog.get_logger("rollouts.informers")

Obj = dict[str, Any]

WATCH_TIMEOUT_MIN = 300
WATCH_TIMEOUT_MAX = 600
DEFAULT_PAGE_SIZE = 500
DEFAULT_INACTIVITY_TIMEOUT = 180.0


class ReflectorSink(Protocol):
    def replace(self, items: list[Obj], resource_version: str) -> None: ...

    def apply(self, event_type: str, raw: Obj) -> None:
        """``event_type`` is ADDED, MODIFIED or DELETED."""
        ...


class WatchStuck(Exception):
    """The watch delivered nothing for the inactivity timeout."""


class Reflector:
    def __init__(
        self,
        source: ListWatchSource,
        sink: ReflectorSink,
        clock: Clock,
        *,
        name: str = "",
        page_size: int = DEFAULT_PAGE_SIZE,
        inactivity_timeout: float = DEFAULT_INACTIVITY_TIMEOUT,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._source = source
        self._sink = sink
        self._clock = clock
        self._name = name or type(source).__name__
        self._page_size = page_size
        self._inactivity_timeout = inactivity_timeout
        self._rng = rng or random.Random()
        self._backoff = backoff or Backoff(clock, rng=self._rng)
        self._last_activity = 0.0
        self.last_resource_version: str | None = None
        self.lists = 0  # completed lists (observability and tests)
        self.watches = 0  # watches opened

    async def run(self) -> None:
        """List and watch until cancelled."""
        needs_list = True
        while True:
            try:
                if needs_list:
                    await self._list()
                    needs_list = False
                await self._watch()
                continue  # the server ended the watch normally: watch again from the last RV
            except asyncio.CancelledError:
                raise
            except WatchStuck:
                log.warning("watch stuck: restarting", informer=self._name, rv=self.last_resource_version)
            except Exception as err:
                if is_gone(err):
                    needs_list = True
                    log.info("resourceVersion expired: relisting", informer=self._name, error=str(err))
                else:
                    log.warning(
                        "list/watch failed", informer=self._name, error=f"{type(err).__name__}: {err}"
                    )
            await self._clock.sleep(self._backoff.next_delay())

    def watch_timeout_seconds(self) -> int:
        return self._rng.randrange(WATCH_TIMEOUT_MIN, WATCH_TIMEOUT_MAX)

    async def _list(self) -> None:
        items: list[Obj] = []
        continue_token: str | None = None
        resource_version = ""
        while True:
            page = await self._source.list(
                resource_version=None, limit=self._page_size, continue_token=continue_token
            )
            meta = page.get("metadata") or {}
            resource_version = str(meta.get("resourceVersion") or resource_version)
            items.extend(page.get("items") or ())
            continue_token = meta.get("continue") or None
            if not continue_token:
                break
        if not resource_version:
            raise ApiError(500, "InternalError", "the list carried no resourceVersion")
        self._sink.replace(items, resource_version)
        self.last_resource_version = resource_version
        self.lists += 1

    async def _watch(self) -> None:
        assert self.last_resource_version is not None
        stream = self._source.watch(
            resource_version=self.last_resource_version, timeout_seconds=self.watch_timeout_seconds()
        )
        self.watches += 1
        self._last_activity = self._clock.monotonic()
        stuck = False
        try:
            async with asyncio.TaskGroup() as tg:
                consumer = tg.create_task(self._consume(stream))

                async def watchdog() -> None:
                    nonlocal stuck
                    while not consumer.done():
                        remaining = self._last_activity + self._inactivity_timeout - self._clock.monotonic()
                        if remaining <= 0:
                            stuck = True
                            consumer.cancel()
                            return
                        await self._clock.sleep(remaining)

                guard = tg.create_task(watchdog())
                consumer.add_done_callback(lambda _: guard.cancel())
        except ExceptionGroup as group:
            # Only the consumer can fail (the watchdog just sleeps): surface its error as is.
            raise group.exceptions[0] from None
        if stuck:
            raise WatchStuck(f"no event for {self._inactivity_timeout}s")

    async def _consume(self, stream: AsyncIterator[Obj]) -> None:
        try:
            async for event in stream:
                self._last_activity = self._clock.monotonic()
                self._handle(event)
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()

    def _handle(self, event: Obj) -> None:
        event_type = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            raise ApiError(500, "BadEvent", f"watch event {event_type!r} without an object")
        if event_type == "ERROR":
            raise ApiError.from_status(obj)
        if event_type in ("ADDED", "MODIFIED", "DELETED"):
            self._sink.apply(event_type, obj)
        elif event_type != "BOOKMARK":
            raise ApiError(500, "BadEvent", f"unknown watch event type {event_type!r}")
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv and newer_or_equal(rv, self.last_resource_version):
            self.last_resource_version = rv


def newer_or_equal(rv: str, than: str | None) -> bool:
    """Whether ``rv`` is not older than ``than``.

    resourceVersions are opaque by contract, but every API server in use encodes etcd's revision
    as a decimal integer; when both are integers they are compared, otherwise ``rv`` is taken as
    newer (never move backwards on something we cannot order).
    """
    if than is None:
        return True
    if rv.isdigit() and than.isdigit():
        return int(rv) >= int(than)
    return True
