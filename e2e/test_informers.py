"""Informers against the real local control plane: lifecycle events within a bound, the
ReplicaSet label filter, and a relist after the API server expires our resourceVersion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from e2e.harness import Cluster
from rollouts.clock import SystemClock
from rollouts.informers import DeletedFinalStateUnknown, FuncHandler, SharedInformer, SharedInformerFactory
from rollouts.informers.source import ClientListWatch
from rollouts.k8s import KubeClient
from rollouts.k8s.resources import REPLICASETS

BOUND = 10.0  # seconds within which a change must reach the informer's handlers


def replicaset(name: str, namespace: str, *, labelled: bool = True) -> dict[str, Any]:
    labels = {"app": name}
    if labelled:
        labels["rollouts-pod-template-hash"] = "abc123"
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": 0,  # no Pods: this test is about the informer, not the scheduler
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:1"}]},
            },
        },
    }


class Events:
    """Handler events as (kind, name), awaited with a bound."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.handler = FuncHandler(
            add=lambda o: self.queue.put_nowait(("add", o["metadata"]["name"])),
            update=lambda old, new: self.queue.put_nowait(("update", new["metadata"]["name"])),
            delete=self._delete,
        )

    def _delete(self, o: dict[str, Any] | DeletedFinalStateUnknown) -> None:
        obj = o.obj if isinstance(o, DeletedFinalStateUnknown) else o
        self.queue.put_nowait(("delete", obj["metadata"]["name"]))

    async def expect(self, kind: str, name: str) -> None:
        async with asyncio.timeout(BOUND):
            while (got := await self.queue.get()) != (kind, name):
                pass
            assert got == (kind, name)


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[KubeClient]:
    async with await KubeClient.connect(str(cluster.kubeconfig)) as c:
        yield c


async def test_informer_sees_replicaset_create_update_delete(client: KubeClient, namespace: str) -> None:
    factory = SharedInformerFactory(client, SystemClock(), namespace=namespace)
    events = Events()
    informer = factory.replicasets()
    informer.add_event_handler(events.handler)
    async with factory.running():
        assert await factory.wait_for_sync(BOUND)
        await client.create(REPLICASETS, replicaset("unlabelled", namespace, labelled=False), namespace)
        await client.create(REPLICASETS, replicaset("web", namespace), namespace)
        await events.expect("add", "web")
        await client.patch(REPLICASETS, "web", {"metadata": {"annotations": {"touched": "yes"}}}, namespace)
        # kube-controller-manager also updates the ReplicaSet's status, so an update event may come
        # before ours: wait for the update that carries the annotation.
        async with asyncio.timeout(BOUND):
            while True:
                await events.expect("update", "web")
                cached = informer.store.get(f"{namespace}/web")
                assert cached is not None
                if cached["metadata"].get("annotations", {}).get("touched") == "yes":
                    break
        assert "managedFields" not in cached["metadata"]  # trimmed before caching
        await client.delete(REPLICASETS, "web", namespace)
        await events.expect("delete", "web")
        # the label filter: the unlabelled ReplicaSet never reached the cache
        assert informer.store.get(f"{namespace}/unlabelled") is None
        assert f"{namespace}/web" not in informer.store


class ExpiringSource(ClientListWatch):
    """The first watch waits for the test to make changes, then asks for a resourceVersion the
    API server no longer has ("1"): the server answers 410 Expired and the reflector must relist."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outage = asyncio.Event()
        self.proceed = asyncio.Event()
        self.watches: list[str] = []

    async def _stale_watch(self, timeout_seconds: int) -> AsyncIterator[dict[str, Any]]:
        self.outage.set()
        await self.proceed.wait()
        async for event in super().watch(resource_version="1", timeout_seconds=timeout_seconds):
            yield event

    def watch(self, *, resource_version: str, timeout_seconds: int) -> AsyncIterator[dict[str, Any]]:
        self.watches.append(resource_version)
        if len(self.watches) == 1:
            return self._stale_watch(timeout_seconds)
        return super().watch(resource_version=resource_version, timeout_seconds=timeout_seconds)


async def test_expired_resource_version_relists_without_losing_an_event(
    client: KubeClient, namespace: str
) -> None:
    await client.create(REPLICASETS, replicaset("before", namespace), namespace)
    source = ExpiringSource(client, REPLICASETS, namespace, label_selector="rollouts-pod-template-hash")
    informer = SharedInformer(source, SystemClock(), name="expiring")
    events = Events()
    informer.add_event_handler(events.handler)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(informer.run())
        try:
            await events.expect("add", "before")
            async with asyncio.timeout(BOUND):
                await source.outage.wait()
            # Changes while our watch is "down": a create and a delete.
            await client.create(REPLICASETS, replicaset("during", namespace), namespace)
            await client.delete(REPLICASETS, "before", namespace)
            source.proceed.set()
            await events.expect("add", "during")  # found by the relist
            assert informer.reflector.lists == 2
            assert informer.store.get(f"{namespace}/before") is None
            # and the watch resumed from the relist's resourceVersion
            await client.create(REPLICASETS, replicaset("after", namespace), namespace)
            await events.expect("add", "after")
            assert len(source.watches) >= 2 and source.watches[1] != "1"
        finally:
            task.cancel()
