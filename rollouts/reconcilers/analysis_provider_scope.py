"""The providers the controller process measures with, opened per batch of measurements.

Each batch (one reconcile's due measurements) gets a fresh
:class:`rollouts.analysis.registry.ProviderRegistry`, closed when the batch ends: its aiohttp
session never outlives the reconcile, is never shared across event loops, and no process-wide
state is needed. The registry reads provider credentials (Datadog, New Relic, …) from Secrets
in the controller's namespace through the Kubernetes client, and runs Jobs with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from rollouts.analysis.registry import ProviderRegistry
from rollouts.analysis.secrets import kube_secret_source
from rollouts.clock import Clock
from rollouts.reconcilers.analysis_providers import ProviderLookup, ProviderScope


def process_provider_scope(client: Any, clock: Clock, controller_namespace: str) -> ProviderScope:
    """The :data:`ProviderScope` of the controller process (``client`` is its KubeClient)."""

    @asynccontextmanager
    async def batch() -> AsyncIterator[ProviderLookup]:
        async with ProviderRegistry(
            clock=clock,
            controller_namespace=controller_namespace,
            kube=client,
            secrets=kube_secret_source(client),
        ) as registry:
            yield registry.lookup

    def scope() -> AbstractAsyncContextManager[ProviderLookup]:
        return batch()

    return scope
