"""A shared informer: one reflector and one cache for any number of event handlers.

The informer is the reflector's sink. It trims each object (:mod:`.trim`, then the informer's
own transform), writes it to the :class:`~rollouts.informers.store.Store`, and notifies the
handlers *after* the store is updated (so a handler reading the cache sees the new state).

What each input means:

* ``replace`` (a list, initial or relist): objects not seen before are adds, objects already
  cached are updates, and cached objects missing from the list are deletes delivered as
  :class:`~rollouts.informers.handlers.DeletedFinalStateUnknown` tombstones — they vanished while
  the watch was down and their final state is unknown.
* ``apply``: an event whose resourceVersion is not newer than the cached object's is a duplicate
  or arrived out of order and is dropped; a DELETED for an object not cached is dropped.
* resync: every ``resync_seconds`` each cached object is re-delivered as ``on_update(obj, obj)``
  (a reconciler tells a resync from a change by the equal resourceVersions).

A transform gets a freshly decoded object it may change in place, without the top-level fields
(``spec``, ...) equal to the cached ones (those are reused as they are): it must be idempotent.

Handlers are synchronous and must be quick (typically: enqueue a key). One that raises is logged
and the informer carries on. A handler added after the cache is filled first receives an add for
every cached object, as in client-go.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rollouts.clock import Clock
from rollouts.informers.handlers import DeletedFinalStateUnknown, EventHandler, call_safely
from rollouts.informers.reflector import Reflector, newer_or_equal
from rollouts.informers.source import ListWatchSource
from rollouts.informers.store import IndexFunc, Store, object_key
from rollouts.informers.trim import Transform, trim

Obj = dict[str, Any]


class SharedInformer:
    def __init__(
        self,
        source: ListWatchSource,
        clock: Clock,
        *,
        name: str = "",
        resync_seconds: float | None = None,
        transform: Transform | None = None,
        indexers: dict[str, IndexFunc] | None = None,
        reflector_options: dict[str, Any] | None = None,
    ) -> None:
        self.name = name or type(source).__name__
        self.store = Store(indexers)
        self._clock = clock
        self._resync_seconds = resync_seconds
        self._transform = transform
        self._handlers: list[EventHandler] = []
        self._synced = asyncio.Event()
        self.reflector = Reflector(source, self, clock, name=self.name, **(reflector_options or {}))
        self.events_applied = 0
        self.events_dropped = 0

    # -- subscribers ------------------------------------------------------------------------

    def add_event_handler(self, handler: EventHandler) -> None:
        self._handlers.append(handler)
        for obj in self.store.list():
            call_safely(self.name, "add", handler.on_add, obj)

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        self.store.add_indexer(name, func)

    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_for_sync(self, timeout: float) -> bool:  # noqa: ASYNC109 (on the injected clock)
        """Wait until the first list is cached, at most ``timeout`` seconds (on the clock)."""
        if self._synced.is_set():
            return True
        async with asyncio.TaskGroup() as tg:
            waiter = tg.create_task(self._synced.wait())
            timer = tg.create_task(self._clock.sleep(timeout))
            waiter.add_done_callback(lambda _: timer.cancel())
            timer.add_done_callback(lambda _: waiter.cancel())
        return self._synced.is_set()

    async def run(self) -> None:
        """List, watch and resync until cancelled."""
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.reflector.run())
            if self._resync_seconds:
                tg.create_task(self._resync_loop(self._resync_seconds))

    # -- the reflector's sink ---------------------------------------------------------------

    def replace(self, items: list[Obj], resource_version: str) -> None:
        fresh = {object_key(o): o for o in map(self._prepare, items)}
        previous = self.store.snapshot()
        self.store.replace(fresh.values())
        for key, gone in previous.items():
            if key not in fresh:
                self._notify_delete(DeletedFinalStateUnknown(key, gone))
        for key, obj in fresh.items():
            old = previous.get(key)
            if old is None:
                self._notify_add(obj)
            else:
                self._notify_update(old, obj)
        self._synced.set()

    def apply(self, event_type: str, raw: Obj) -> None:
        key = object_key(raw)
        cached = self.store.get(key)
        obj = self._prepare(raw, cached)
        rv = _rv(obj)
        if cached is not None and rv is not None and not _strictly_newer(rv, _rv(cached)):
            # A duplicate, or an event older than what we hold (delivered out of order).
            self.events_dropped += 1
            return
        self.events_applied += 1
        if event_type == "DELETED":
            if cached is None:
                self.events_dropped += 1
                return
            self.store.delete(key)
            self._notify_delete(obj)
        else:
            self.store.upsert(obj)
            if cached is None:
                self._notify_add(obj)
            else:
                self._notify_update(cached, obj)

    # -- internals --------------------------------------------------------------------------

    def _prepare(self, obj: Obj, cached: Obj | None = None) -> Obj:
        obj = trim(obj)
        unchanged = _take_unchanged(obj, cached) if cached is not None else {}
        if self._transform is not None:
            obj = self._transform(obj)
        obj.update(unchanged)
        return obj

    async def _resync_loop(self, period: float) -> None:
        while True:
            await self._clock.sleep(period)
            if not self._synced.is_set():
                continue
            for obj in self.store.list():
                self._notify_update(obj, obj)

    def _notify_add(self, obj: Obj) -> None:
        for h in self._handlers:
            call_safely(self.name, "add", h.on_add, obj)

    def _notify_update(self, old: Obj, new: Obj) -> None:
        for h in self._handlers:
            call_safely(self.name, "update", h.on_update, old, new)

    def _notify_delete(self, obj: Obj | DeletedFinalStateUnknown) -> None:
        for h in self._handlers:
            call_safely(self.name, "delete", h.on_delete, obj)


def _take_unchanged(new: Obj, cached: Obj) -> Obj:
    """Remove from ``new`` every top-level field (``spec``, ...) equal to the cached one, and
    return the cached copies of those fields, to be put back after the transform.

    Most events only change ``status`` and ``metadata``. Comparing is a C-level ``==`` that stops at
    the first difference; reusing the cached copy keeps one copy in memory and spares the
    transform a field it has already processed. This is why transforms must be idempotent: the
    cached field is the transformed one, so it equals the raw one only when the transform leaves
    that field as it is.
    """
    unchanged: Obj = {}
    for field, value in new.items():
        if field in ("metadata", "status"):
            continue
        old = cached.get(field)
        if old is not None and (old is value or old == value):
            unchanged[field] = old
    for field in unchanged:
        del new[field]
    return unchanged


def _rv(obj: Obj) -> str | None:
    rv = (obj.get("metadata") or {}).get("resourceVersion")
    return rv if isinstance(rv, str) and rv else None


def _strictly_newer(rv: str, than: str | None) -> bool:
    if than is None:
        return True
    return rv != than and newer_or_equal(rv, than)
