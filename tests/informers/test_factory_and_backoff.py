"""The factory (one informer per resource/selector, one list+watch for many handlers), the
backoff sequence, and trimming."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

from rollouts.clock import FakeClock
from rollouts.informers import ROLLOUTS_POD_TEMPLATE_HASH, SharedInformerFactory
from rollouts.informers.backoff import Backoff
from rollouts.informers.trim import intern_strings, trim
from rollouts.k8s.resources import CLUSTER_ANALYSIS_TEMPLATES, REPLICASETS, ROLLOUTS, Resource
from tests.informers.fakes import FakeStream, Recorder, obj, page, settle


class FakeClient:
    def __init__(self) -> None:
        self.list_calls: list[tuple[str, str | None, str | None]] = []
        self.streams: list[FakeStream] = []

    async def list(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> dict[str, Any]:
        self.list_calls.append((res.plural, namespace, label_selector))
        return page("5", obj("x", "1", namespace=namespace or "default"))

    def watch(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        timeout_seconds: int,
        label_selector: str | None = None,
        field_selector: str | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncIterator[dict[str, Any]]:
        stream = FakeStream(resource_version, timeout_seconds)
        self.streams.append(stream)
        return stream.events()


async def test_one_list_and_watch_serves_two_handlers() -> None:
    client = FakeClient()
    factory = SharedInformerFactory(client, FakeClock(), namespace="prod")
    first, second = Recorder(), Recorder()
    factory.informer(ROLLOUTS).add_event_handler(first)
    assert factory.informer(ROLLOUTS) is factory.informer(ROLLOUTS)
    factory.informer(ROLLOUTS).add_event_handler(second)
    async with factory.running():
        await settle()
        assert await factory.wait_for_sync(1)
        client.streams[0].push("MODIFIED", obj("x", "6", namespace="prod"))
        await settle()
    assert client.list_calls == [("rollouts", "prod", None)]
    assert len(client.streams) == 1
    expected = [("add", "x", "1"), ("update", "x", "1", "6")]
    assert first.events == expected and second.events == expected
    assert client.streams[0].closed  # stopped with the factory


async def test_replicaset_informer_selects_by_pod_template_hash_label() -> None:
    client = FakeClient()
    factory = SharedInformerFactory(client, FakeClock())
    rs_informer = factory.replicasets()
    assert rs_informer is factory.informer(REPLICASETS, label_selector=ROLLOUTS_POD_TEMPLATE_HASH)
    assert rs_informer is not factory.informer(REPLICASETS)
    async with factory.running():
        late = factory.informer(ROLLOUTS)  # asked for after start: started at once
        await settle()
        assert late.has_synced()
    assert ("replicasets", None, "rollouts-pod-template-hash") in client.list_calls


async def test_backoff_doubles_to_the_cap_and_resets_after_two_healthy_minutes() -> None:
    clock = FakeClock()
    backoff = Backoff(clock, jitter=0.0)
    delays = [backoff.next_delay() for _ in range(8)]
    assert delays == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    await clock.advance(120)
    assert backoff.next_delay() == 30.0  # exactly 2 minutes: not yet reset
    await clock.advance(120.5)
    assert backoff.next_delay() == 0.8


def test_backoff_jitter_stays_within_one_step() -> None:
    backoff = Backoff(FakeClock(), rng=random.Random(7))
    steps = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0]
    for step in steps:
        d = backoff.next_delay()
        assert step <= d < 2 * step


def test_trim_drops_managed_fields_and_last_applied_only() -> None:
    o = {
        "metadata": {
            "name": "a",
            "managedFields": [{"manager": "m"}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "labels": {"rollouts-pod-template-hash": "abc"},
        },
        "spec": {"replicas": 3},
    }
    assert trim(o) == {
        "metadata": {"name": "a", "labels": {"rollouts-pod-template-hash": "abc"}},
        "spec": {"replicas": 3},
    }


def test_intern_strings_preserves_equality_and_shares_copies() -> None:
    a = {"metadata": {"labels": {"app": "".join(["w", "eb"])}}, "list": [{"k": "".join(["v", "1"])}, 3, None]}
    b = {"metadata": {"labels": {"app": "".join(["we", "b"])}}}
    ia, ib = intern_strings(a), intern_strings(b)
    assert ia == a and ib == b
    assert ia["metadata"]["labels"]["app"] is ib["metadata"]["labels"]["app"]


async def test_a_namespaced_factory_runs_no_cluster_scoped_informer() -> None:
    client = FakeClient()
    clock = FakeClock()
    factory = SharedInformerFactory(client, clock, namespace="prod")
    cluster_templates = factory.informer(CLUSTER_ANALYSIS_TEMPLATES)
    async with factory.running():
        await settle()
        assert await factory.wait_for_sync(1)
        await clock.advance(600)  # watches end and start again without ever asking the API
        await settle()
    assert cluster_templates.store.list() == []
    assert client.list_calls == [] and client.streams == []
    # an all-namespaces factory watches them as any other kind
    everywhere = SharedInformerFactory(client, FakeClock())
    everywhere.informer(CLUSTER_ANALYSIS_TEMPLATES)
    async with everywhere.running():
        await settle()
    assert client.list_calls == [("clusteranalysistemplates", None, None)]
