"""An in-memory API server for the dashboard's tests: the CLI's recording fake, plus watches.

Every write stamps a new ``metadata.resourceVersion`` and is delivered to the open watches of
that resource and namespace (ADDED, MODIFIED or DELETED), so the dashboard's informers, caches
and live streams run for real on top of it. Lists honour a label selector of the "key exists"
and "key=value" forms and the paging arguments (one page, always).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from rollouts.k8s.resources import Resource
from tests.cli.fake import Call, FakeClient

Obj = dict[str, Any]


def selected(obj: Obj, label_selector: str) -> bool:
    """``key`` (exists) and ``key=value`` terms, comma-separated: what the dashboard and ``undo`` send."""
    labels = obj["metadata"].get("labels") or {}
    for term in label_selector.split(","):
        key, sep, value = term.partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    return True


@dataclass
class FakeApi(FakeClient):
    _rv: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _watches: list[tuple[str, str | None, asyncio.Queue[Obj]]] = field(default_factory=list)

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.verb not in ("get", "list", "watch")]

    def _stamp_and_send(self, res: Resource, key: tuple[str, str | None, str], kind: str) -> None:
        obj = self.objects[key]
        obj.setdefault("metadata", {})["resourceVersion"] = str(next(self._rv))
        for plural, namespace, queue in self._watches:
            if plural == res.plural and namespace in (None, key[1]):
                queue.put_nowait({"type": kind, "object": copy.deepcopy(obj)})

    def add(self, res: Resource, obj: Obj) -> None:
        meta = obj["metadata"]
        key = (res.plural, meta.get("namespace"), meta["name"])
        kind = "MODIFIED" if key in self.objects else "ADDED"
        super().add(res, obj)
        self._stamp_and_send(res, key, kind)

    def delete(self, res: Resource, name: str, namespace: str = "default") -> None:
        obj = self.objects.pop((res.plural, namespace, name))
        obj["metadata"]["resourceVersion"] = str(next(self._rv))  # as the API server's final state
        for plural, ns, queue in self._watches:
            if plural == res.plural and ns in (None, namespace):
                queue.put_nowait({"type": "DELETED", "object": obj})

    async def patch(
        self,
        res: Resource,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: Any = "merge",
        subresource: str | None = None,
    ) -> Obj:
        await super().patch(res, name, patch, namespace, patch_type=patch_type, subresource=subresource)
        self._stamp_and_send(res, (res.plural, namespace, name), "MODIFIED")
        return copy.deepcopy(self.objects[(res.plural, namespace, name)])

    async def list(  # the informers' wider signature
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> Obj:
        listed = await super().list(res, namespace, label_selector=label_selector)
        if label_selector:
            listed["items"] = [o for o in listed["items"] if selected(o, label_selector)]
        listed["metadata"]["resourceVersion"] = str(next(self._rv))
        return listed

    async def watch(  # a queue per watch, not scripted batches
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        timeout_seconds: int,
        label_selector: str | None = None,
        field_selector: str | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncIterator[Obj]:
        queue: asyncio.Queue[Obj] = asyncio.Queue()
        entry = (res.plural, namespace, queue)
        self._watches.append(entry)
        try:
            while True:
                event = await queue.get()
                if label_selector is None or selected(event["object"], label_selector):
                    yield event
        finally:
            self._watches.remove(entry)
