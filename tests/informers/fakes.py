"""A scripted list/watch source and a recording handler for informer tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from rollouts.informers.handlers import DeletedFinalStateUnknown

Obj = dict[str, Any]


def obj(name: str, rv: str, namespace: str = "default", **extra: Any) -> Obj:
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": rv, **extra}}


async def settle(rounds: int = 30) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


class FakeStream:
    """One watch: the test pushes events, ends it, or makes it fail."""

    def __init__(self, resource_version: str, timeout_seconds: int) -> None:
        self.resource_version = resource_version
        self.timeout_seconds = timeout_seconds
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.closed = False

    def push(self, event_type: str, o: Obj) -> None:
        self._queue.put_nowait(("event", {"type": event_type, "object": o}))

    def end(self) -> None:
        self._queue.put_nowait(("end", None))

    def fail(self, err: BaseException) -> None:
        self._queue.put_nowait(("raise", err))

    async def events(self) -> AsyncIterator[Obj]:
        try:
            while True:
                kind, value = await self._queue.get()
                if kind == "end":
                    return
                if kind == "raise":
                    raise value
                yield value
        finally:
            self.closed = True


class FakeSource:
    """Lists answer from ``pages`` (a list of page lists, consumed one list call sequence at a
    time; the last one repeats); each watch call opens a new :class:`FakeStream`."""

    def __init__(self, *lists: list[Obj] | BaseException) -> None:
        self._lists: list[list[Obj] | BaseException] = list(lists)
        self.list_calls: list[dict[str, Any]] = []
        self.streams: list[FakeStream] = []
        self._pending_pages: list[Obj] = []
        self._next = 0  # index of the list result the next list sequence uses

    def set_next_list(self, result: list[Obj] | BaseException) -> None:
        self._lists.append(result)

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> Obj:
        self.list_calls.append({"rv": resource_version, "limit": limit, "continue": continue_token})
        if continue_token is None:
            result = self._lists[min(self._next, len(self._lists) - 1)]
            self._next += 1
            if isinstance(result, BaseException):
                raise result
            self._pending_pages = list(result)
        page = self._pending_pages.pop(0)
        if self._pending_pages:
            page = {**page, "metadata": {**page["metadata"], "continue": f"c{len(self._pending_pages)}"}}
        return page

    def watch(self, *, resource_version: str, timeout_seconds: int) -> AsyncIterator[Obj]:
        stream = FakeStream(resource_version, timeout_seconds)
        self.streams.append(stream)
        return stream.events()

    @property
    def stream(self) -> FakeStream:
        return self.streams[-1]


def page(rv: str, *items: Obj) -> Obj:
    return {"kind": "List", "metadata": {"resourceVersion": rv}, "items": list(items)}


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, ...]] = []

    def on_add(self, o: Obj) -> None:
        self.events.append(("add", o["metadata"]["name"], o["metadata"]["resourceVersion"]))

    def on_update(self, old: Obj, new: Obj) -> None:
        m_old, m_new = old["metadata"], new["metadata"]
        self.events.append(("update", m_new["name"], m_old["resourceVersion"], m_new["resourceVersion"]))

    def on_delete(self, o: Obj | DeletedFinalStateUnknown) -> None:
        if isinstance(o, DeletedFinalStateUnknown):
            self.events.append(("tombstone", o.key))
        else:
            self.events.append(("delete", o["metadata"]["name"], o["metadata"]["resourceVersion"]))
