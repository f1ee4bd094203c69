"""What a reflector lists and watches: a Protocol, so unit tests drive reflectors with a fake.

:class:`ClientListWatch` binds it to :class:`~rollouts.k8s.KubeClient` for one resource, namespace
(None = all) and label/field selector.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from rollouts.clock import Clock
from rollouts.k8s.resources import Resource


class ListWatchSource(Protocol):
    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> dict[str, Any]:
        """One page of the raw List JSON."""
        ...

    def watch(self, *, resource_version: str, timeout_seconds: int) -> AsyncIterator[dict[str, Any]]:
        """Watch events (``{"type", "object"}``) from ``resource_version``, with bookmarks."""
        ...


class ListWatchClient(Protocol):
    """The two methods of :class:`~rollouts.k8s.KubeClient` an informer needs."""

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
    ) -> dict[str, Any]: ...

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
    ) -> AsyncIterator[dict[str, Any]]: ...


class ClientListWatch:
    def __init__(
        self,
        client: ListWatchClient,
        res: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> None:
        self.client = client
        self.res = res
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> dict[str, Any]:
        return await self.client.list(
            self.res,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            resource_version=resource_version,
            limit=limit,
            continue_token=continue_token,
        )

    def watch(self, *, resource_version: str, timeout_seconds: int) -> AsyncIterator[dict[str, Any]]:
        return self.client.watch(
            self.res,
            self.namespace,
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            allow_bookmarks=True,
        )

    def describe(self) -> str:
        where = self.namespace or "all namespaces"
        sel = f" [{self.label_selector}]" if self.label_selector else ""
        return f"{self.res.plural} in {where}{sel}"


class NoObjects:
    """A source that lists nothing and whose watches end quietly after their timeout: the
    informer over it is synced and empty (a kind this process must not, or cannot, watch)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> dict[str, Any]:
        return {"metadata": {"resourceVersion": "0"}, "items": []}

    async def watch(self, *, resource_version: str, timeout_seconds: int) -> AsyncIterator[dict[str, Any]]:
        await self._clock.sleep(timeout_seconds)
        return
        yield  # an async generator that yields nothing
