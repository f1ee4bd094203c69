"""The dashboard served for real over the in-memory API: informers, caches, handlers, streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import orjson
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from rollouts.clock import SystemClock
from rollouts.dashboard.api import build_app
from rollouts.dashboard.cache import ClusterCache
from rollouts.k8s.resources import ROLLOUTS
from tests.cli.conftest import NOW, rollout
from tests.dashboard.fake_api import FakeApi

PAUSED_AT_1: dict[str, Any] = {
    "phase": "Paused",
    "message": "CanaryPauseStep",
    "observedGeneration": "1",
    "currentStepIndex": 1,
    "controllerPause": True,
    "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-03-01T11:00:00Z"}],
}


class FixedNowClock(SystemClock):
    """Real sleeps (the streams' waits are short), a fixed wall time (what restart writes)."""

    def now(self) -> datetime:
        return NOW


def paused_api() -> FakeApi:
    api = FakeApi()
    api.add(ROLLOUTS, rollout("guestbook", paused=True, status=PAUSED_AT_1))
    api.add(ROLLOUTS, rollout("another", status={"phase": "Healthy", "observedGeneration": "1"}))
    api.add(ROLLOUTS, rollout("elsewhere", namespace="other"))
    return api


@asynccontextmanager
async def serving(api: FakeApi, namespace: str | None = "default") -> AsyncIterator[TestClient[Any, Any]]:
    cache = ClusterCache(api, SystemClock(), namespace)
    async with cache.running(sync_timeout=5):
        app = build_app(cache, api, FixedNowClock(), default_namespace="default", version="1.2.3")
        async with TestClient(TestServer(app)) as client:
            yield client


async def next_event(response: ClientResponse, seconds: float = 5.0) -> Any:
    """The next ``data:`` message of an event stream (comments skipped)."""
    async with asyncio.timeout(seconds):
        while True:
            line = await response.content.readline()
            if not line:
                raise EOFError("the event stream ended")
            if line.startswith(b"data: "):
                return orjson.loads(line[len(b"data: ") :])
