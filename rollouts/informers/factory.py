"""The informer factory: one shared informer per (resource, namespace, label selector).

All informers run as tasks of one TaskGroup owned by the factory: ``async with
factory.running():`` (stops on exit) or ``await factory.run()`` until :meth:`stop`. An informer
asked for after the factory started is started at once in the same group. Nothing outlives the
factory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rollouts.clock import Clock
from rollouts.informers.dedup import SubtreeSharer
from rollouts.informers.shared import SharedInformer
from rollouts.informers.source import ClientListWatch, ListWatchClient, ListWatchSource, NoObjects
from rollouts.informers.trim import Transform
from rollouts.k8s.resources import REPLICASETS, Resource

# The controller only ever reads ReplicaSets it created, which all carry this label; caching the
# cluster's other ReplicaSets (every Deployment's) was one of upstream's memory blow-ups.
ROLLOUTS_POD_TEMPLATE_HASH = "rollouts-pod-template-hash"

_ALL = object()  # sentinel: "the factory's namespace"

InformerKey = tuple[Resource, str | None, str | None]


class SharedInformerFactory:
    def __init__(
        self,
        client: ListWatchClient,
        clock: Clock,
        namespace: str | None = None,
        *,
        default_resync_seconds: float | None = None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._namespace = namespace
        self._default_resync = default_resync_seconds
        self._informers: dict[InformerKey, SharedInformer] = {}
        self._group: asyncio.TaskGroup | None = None
        self._started: set[InformerKey] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()

    def informer(
        self,
        res: Resource,
        *,
        label_selector: str | None = None,
        namespace: str | object | None = _ALL,
        resync_seconds: float | None = None,
        transform: Transform | None = None,
    ) -> SharedInformer:
        """The shared informer for this resource; options apply only when it is first created."""
        ns = self._namespace if namespace is _ALL else namespace
        assert ns is None or isinstance(ns, str)
        ns = ns if res.namespaced else None
        key: InformerKey = (res, ns, label_selector)
        found = self._informers.get(key)
        if found is not None:
            return found
        client_source = ClientListWatch(self._client, res, ns, label_selector=label_selector)
        source: ListWatchSource = client_source
        if not res.namespaced and self._namespace is not None and namespace is _ALL:
            source = NoObjects(self._clock)
        informer = SharedInformer(
            source,
            self._clock,
            name=client_source.describe(),
            resync_seconds=resync_seconds if resync_seconds is not None else self._default_resync,
            transform=transform,
        )
        self._informers[key] = informer
        if self._group is not None:
            self._start(key, informer)
        return informer

    def replicasets(self, *, resync_seconds: float | None = None) -> SharedInformer:
        """ReplicaSets carrying ``rollouts-pod-template-hash`` only (a label-exists selector).

        Their pod templates repeat across a Rollout's revisions and across Rollouts (sidecars),
        so the cache shares equal subtrees (:class:`~rollouts.informers.dedup.SubtreeSharer`).
        """
        return self.informer(
            REPLICASETS,
            label_selector=ROLLOUTS_POD_TEMPLATE_HASH,
            resync_seconds=resync_seconds,
            transform=SubtreeSharer(),
        )

    def informers(self) -> list[SharedInformer]:
        return list(self._informers.values())

    def has_synced(self) -> bool:
        return all(i.has_synced() for i in self._informers.values())

    async def wait_for_sync(self, timeout: float) -> bool:  # noqa: ASYNC109 (on the injected clock)
        """Whether every informer synced within ``timeout`` seconds (one deadline for all)."""
        deadline = self._clock.monotonic() + timeout
        for informer in list(self._informers.values()):
            remaining = max(0.0, deadline - self._clock.monotonic())
            if not await informer.wait_for_sync(remaining):
                return False
        return True

    async def run(self) -> None:
        """Run every informer (present and future) until :meth:`stop`, then cancel them all."""
        if self._group is not None:
            raise RuntimeError("the informer factory is already running")
        self._stop.clear()
        async with asyncio.TaskGroup() as group:
            self._group = group
            try:
                for key, informer in self._informers.items():
                    self._start(key, informer)
                await self._stop.wait()
            finally:
                self._group = None
                for task in self._tasks:
                    task.cancel()
                self._tasks.clear()
                self._started.clear()

    def stop(self) -> None:
        self._stop.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[SharedInformerFactory]:
        async with asyncio.TaskGroup() as group:
            group.create_task(self.run())
            await asyncio.sleep(0)  # let run() open its group before the body asks for informers
            try:
                yield self
            finally:
                self.stop()

    def _start(self, key: InformerKey, informer: SharedInformer) -> None:
        if key in self._started or self._group is None:
            return
        self._started.add(key)
        self._tasks.append(self._group.create_task(informer.run(), name=f"informer {informer.name}"))
