"""What the dashboard shows, cached: shared informers over the kinds a rollout's tree is made of.

One :class:`~rollouts.informers.SharedInformerFactory` (the controller's own machinery: list,
watch from the list's resourceVersion, relist on 410, every request with the client's timeout)
caches Rollouts, Experiments and AnalysisRuns, and the ReplicaSets and Pods that carry
``rollouts-pod-template-hash`` (the only ones a rollout or an experiment owns), in one namespace
(``--namespace``) or in all. Every event bumps the :class:`~rollouts.dashboard.feed.ChangeFeed`.

Reads never call the API server: a page load or a live update is a walk over the caches, so any
number of browser tabs cost the cluster nothing beyond the five watches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rollouts.clock import Clock
from rollouts.dashboard.feed import ChangeFeed
from rollouts.informers import (
    BY_NAMESPACE,
    ROLLOUTS_POD_TEMPLATE_HASH,
    DeletedFinalStateUnknown,
    FuncHandler,
    SharedInformer,
    SharedInformerFactory,
)
from rollouts.informers.source import ListWatchClient
from rollouts.k8s.resources import ANALYSIS_RUNS, EXPERIMENTS, PODS, REPLICASETS, ROLLOUTS, Resource

Obj = dict[str, Any]


class CacheNotSynced(Exception):
    """The first list of some kind did not arrive in time (RBAC, an absent CRD, a slow server)."""


class ClusterCache:
    def __init__(self, client: ListWatchClient, clock: Clock, namespace: str | None) -> None:
        #: the one namespace served, or None for all
        self.namespace = namespace
        self.feed = ChangeFeed()
        self._factory = SharedInformerFactory(client, clock, namespace)
        self._informers: dict[Resource, SharedInformer] = {
            ROLLOUTS: self._factory.informer(ROLLOUTS),
            REPLICASETS: self._factory.replicasets(),
            PODS: self._factory.informer(PODS, label_selector=ROLLOUTS_POD_TEMPLATE_HASH),
            EXPERIMENTS: self._factory.informer(EXPERIMENTS),
            ANALYSIS_RUNS: self._factory.informer(ANALYSIS_RUNS),
        }
        handler = FuncHandler(add=self._changed, update=self._updated, delete=self._deleted)
        for informer in self._informers.values():
            informer.add_event_handler(handler)

    def _changed(self, _obj: Obj) -> None:
        self.feed.bump()

    def _updated(self, old: Obj, new: Obj) -> None:
        if old is not new:  # a resync re-delivers the cached object itself: nothing changed
            self.feed.bump()

    def _deleted(self, _obj: Obj | DeletedFinalStateUnknown) -> None:
        self.feed.bump()

    def serves(self, namespace: str) -> bool:
        return self.namespace is None or namespace == self.namespace

    def items(self, res: Resource, namespace: str) -> list[Obj]:
        """The cached objects of one kind in one namespace (shared: never mutate them)."""
        return self._informers[res].store.by_index(BY_NAMESPACE, namespace)

    def namespaces(self) -> list[str]:
        """The namespaces with at least one Rollout, and the served one."""
        found = {ns for ro in self._informers[ROLLOUTS].store.list() if (ns := _namespace(ro))}
        if self.namespace is not None:
            found.add(self.namespace)
        return sorted(found)

    @asynccontextmanager
    async def running(self, sync_timeout: float) -> AsyncIterator[ClusterCache]:
        """Run the informers; raises :class:`CacheNotSynced` when they do not fill in time. On
        exit the feed is closed first (live views end) and then the informers stop."""
        try:
            async with self._factory.running():
                if not await self._factory.wait_for_sync(sync_timeout):
                    pending = [i.name for i in self._informers.values() if not i.has_synced()]
                    raise CacheNotSynced(f"no answer in {sync_timeout:g}s listing {', '.join(pending)}")
                try:
                    yield self
                finally:
                    self.feed.close()
        except BaseExceptionGroup as group:
            # The factory's TaskGroup wraps whatever ends it; one failure is reported as itself so
            # that callers (the CLI's one-line errors) can recognise it.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise


def _namespace(obj: Obj) -> str:
    meta = obj.get("metadata")
    value = meta.get("namespace") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else ""
