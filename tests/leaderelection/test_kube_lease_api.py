"""The client's errors become the elector's two outcomes; anything else propagates."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import LEASES, Resource
from rollouts.leaderelection import LeaseConflict, LeaseNotFound
from rollouts.leaderelection.kube import KubeLeaseApi


class RaisingClient:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls: list[tuple[str, Resource]] = []

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        self.calls.append(("get", res))
        raise self.error

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        self.calls.append(("create", res))
        raise self.error

    async def replace(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("replace", res))
        raise self.error


def api(error: Exception) -> KubeLeaseApi:
    return KubeLeaseApi(RaisingClient(error))  # type: ignore[arg-type]


async def test_not_found_and_conflicts_are_translated() -> None:
    with pytest.raises(LeaseNotFound):
        await api(ApiError(404, "NotFound", "gone")).get("lock", "ns")
    with pytest.raises(LeaseConflict):
        await api(ApiError(409, "AlreadyExists", "exists")).create({}, "ns")
    with pytest.raises(LeaseConflict):
        await api(ApiError(409, "Conflict", "modified")).replace({})


async def test_other_errors_propagate_and_leases_are_addressed() -> None:
    client = RaisingClient(ApiError(503, "ServiceUnavailable", "down"))
    with pytest.raises(ApiError):
        await KubeLeaseApi(client).get("lock", "ns")  # type: ignore[arg-type]
    assert client.calls == [("get", LEASES)]
