"""Live updates: the change feed, the SSE streams over the in-memory cluster, and shutdown."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.clock import FakeClock
from rollouts.dashboard.api import list_changes
from rollouts.dashboard.feed import ChangeFeed
from rollouts.dashboard.sse import encode, follow
from rollouts.k8s.resources import ROLLOUTS
from tests.cli.conftest import rollout
from tests.dashboard.conftest import next_event, paused_api, serving
from tests.dashboard.fake_api import FakeApi


async def test_the_feed_wakes_waiters_on_a_change_and_for_good_on_close() -> None:
    feed = ChangeFeed()
    waiter = asyncio.create_task(feed.wait_beyond(0))
    await asyncio.sleep(0)
    assert not waiter.done()
    feed.bump()
    feed.bump()
    assert await waiter == 2
    assert await feed.wait_beyond(1) == 2  # already newer: no wait
    later = asyncio.create_task(feed.wait_beyond(2))
    await asyncio.sleep(0)
    feed.close()
    assert await later is None
    assert await feed.wait_beyond(2) is None


class Recorder:
    """Stands in for the StreamResponse: what was written, and a failure on demand."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.broken = False

    async def write(self, data: bytes) -> None:
        if self.broken:
            raise ConnectionResetError("the browser went away")
        self.chunks.append(data)


async def test_follow_sends_keepalives_on_the_clock_and_renders_after_changes() -> None:
    clock, feed, out = FakeClock(), ChangeFeed(), Recorder()
    renders: list[int] = []

    def render() -> list[object]:
        renders.append(feed.version)
        return [{"version": feed.version}]

    task = asyncio.create_task(
        follow(out, render, feed, clock, keepalive_seconds=15, settle_seconds=1)  # type: ignore[arg-type]
    )
    await asyncio.sleep(0.01)
    assert out.chunks == [encode({"version": 0})]
    await clock.advance(15)
    assert out.chunks[-1] == b": keep-alive\n\n"
    feed.bump()
    feed.bump()
    await asyncio.sleep(0.01)
    assert renders == [0]  # the burst settles first
    await clock.advance(1)
    assert renders == [0, 2]  # one render for the burst
    assert out.chunks[-1] == encode({"version": 2})
    feed.close()
    await asyncio.wait_for(task, 1)


async def test_follow_ends_when_the_browser_goes_away() -> None:
    clock, feed, out = FakeClock(), ChangeFeed(), Recorder()
    task = asyncio.create_task(follow(out, lambda: [], feed, clock, keepalive_seconds=5))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    out.broken = True
    await clock.advance(5)
    await asyncio.wait_for(task, 1)


async def test_list_watch_streams_adds_then_changes_then_deletes() -> None:
    api = paused_api()
    async with serving(api) as client:
        response = await client.get("/api/v1/rollouts/default/info/watch")
        assert response.headers["Content-Type"] == "text/event-stream"
        first = [await next_event(response), await next_event(response)]
        assert [(e["type"], e["rolloutInfo"]["objectMeta"]["name"]) for e in first] == [
            ("ADDED", "another"),
            ("ADDED", "guestbook"),
        ]
        assert (await client.put("/api/v1/rollouts/default/guestbook/abort")).status == 200
        changed = await next_event(response)
        assert (changed["type"], changed["rolloutInfo"]["aborted"]) == ("MODIFIED", True)
        api.add(ROLLOUTS, rollout("newcomer"))
        added = await next_event(response)
        assert (added["type"], added["rolloutInfo"]["objectMeta"]["name"]) == ("ADDED", "newcomer")
        api.delete(ROLLOUTS, "another")
        gone = await next_event(response)
        assert gone == {
            "type": "DELETED",
            "rolloutInfo": {"objectMeta": {"name": "another", "namespace": "default"}},
        }
        response.close()


async def test_rollout_watch_follows_one_rollout_and_its_children() -> None:
    api = paused_api()
    async with serving(api) as client:
        missing = await client.get("/api/v1/rollouts/default/nope/info/watch")
        assert missing.status == 404
        response = await client.get("/api/v1/rollouts/default/guestbook/info/watch")
        first = await next_event(response)
        assert (first["type"], first["rolloutInfo"]["step"]) == ("ADDED", "1/2")
        # a change to another rollout sends nothing; one to this one does
        await client.put("/api/v1/rollouts/default/another/restart")
        await client.put("/api/v1/rollouts/default/guestbook/promote")
        promoted = await next_event(response)
        assert promoted["type"] == "MODIFIED"
        assert promoted["rolloutInfo"]["objectMeta"]["name"] == "guestbook"
        assert promoted["rolloutInfo"]["paused"] is False
        api.delete(ROLLOUTS, "guestbook")
        assert (await next_event(response))["type"] == "DELETED"
        response.close()


async def test_shutdown_ends_open_streams() -> None:
    api = paused_api()
    async with serving(api) as client:
        response = await client.get("/api/v1/rollouts/default/info/watch")
        await next_event(response)
        await client.app.shutdown()  # what AppRunner.cleanup runs first
        with pytest.raises(EOFError):
            while True:
                await next_event(response, seconds=2)


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["Healthy", "Paused", "Degraded"])
        ),
        min_size=1,
        max_size=6,
    )
)
def test_replaying_the_list_events_rebuilds_the_current_set(states: list[dict[str, str]]) -> None:
    """Whatever happens between renders, a client applying the events holds exactly the current
    infos: one ADDED/MODIFIED per new or changed rollout, one DELETED per vanished one."""

    class Cache:
        def __init__(self) -> None:
            self.objects: list[dict[str, Any]] = []

        def items(self, res: Any, namespace: str) -> list[dict[str, Any]]:
            return self.objects if res == ROLLOUTS else []

    cache, sent, client_view = Cache(), {}, {}  # type: ignore[var-annotated]
    for state in states:
        cache.objects = [rollout(name, status={"phase": phase}) for name, phase in state.items()]
        for event in list_changes(cache, "default", sent):  # type: ignore[arg-type]
            name = event["rolloutInfo"]["objectMeta"]["name"]  # type: ignore[index]
            if event["type"] == "DELETED":  # type: ignore[index]
                del client_view[name]
            else:
                assert (event["type"] == "ADDED") == (name not in client_view)  # type: ignore[index]
                client_view[name] = event["rolloutInfo"]  # type: ignore[index]
        assert {n: i["status"] for n, i in client_view.items()} == state


def test_the_cli_does_not_import_the_server_until_the_dashboard_runs() -> None:
    code = (
        "import sys, rollouts.cli.main;"
        " print('aiohttp' in sys.modules, 'rollouts.dashboard.api' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False"]


async def test_unsynced_caches_refuse_to_start() -> None:
    from rollouts.clock import SystemClock
    from rollouts.dashboard.cache import CacheNotSynced, ClusterCache

    class Silent(FakeApi):
        async def list(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

    cache = ClusterCache(Silent(), SystemClock(), "default")
    with pytest.raises(CacheNotSynced, match=r"no answer in 0\.2s listing rollouts in default"):
        async with cache.running(sync_timeout=0.2):
            pass
