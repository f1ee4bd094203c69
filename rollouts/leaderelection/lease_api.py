"""The Lease calls the elector needs, as a Protocol, and its binding to our Kubernetes client.

The elector only ever reads a Lease, creates it when absent, or replaces it guarded by the
``metadata.resourceVersion`` it read (a 409 means another candidate wrote first).
"""

from __future__ import annotations

from typing import Any, Protocol


class LeaseNotFound(Exception):
    """The Lease does not exist (yet)."""


class LeaseConflict(Exception):
    """A create or a resourceVersion-guarded replace lost a race with another writer."""


class LeaseApi(Protocol):
    async def get(self, name: str, namespace: str) -> dict[str, Any]:
        """The Lease as JSON; raises :class:`LeaseNotFound`."""
        ...

    async def create(self, body: dict[str, Any], namespace: str) -> dict[str, Any]:
        """Raises :class:`LeaseConflict` when it already exists."""
        ...

    async def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        """PUT guarded by ``body.metadata.resourceVersion``; raises :class:`LeaseConflict` on 409."""
        ...
