"""The :class:`~rollouts.leaderelection.lease_api.LeaseApi` over our Kubernetes client.

Translates the client's errors into the two outcomes the elector branches on (absent, lost race);
every other error (transport, 5xx, 403) propagates and counts against the renew deadline.
"""

from __future__ import annotations

from typing import Any

from rollouts.k8s.client import KubeClient
from rollouts.k8s.errors import ApiError, is_already_exists, is_conflict, is_not_found
from rollouts.k8s.resources import LEASES
from rollouts.leaderelection.lease_api import LeaseConflict, LeaseNotFound


class KubeLeaseApi:
    def __init__(self, client: KubeClient) -> None:
        self._client = client

    async def get(self, name: str, namespace: str) -> dict[str, Any]:
        try:
            return await self._client.get(LEASES, name, namespace)
        except ApiError as err:
            if is_not_found(err):
                raise LeaseNotFound(name) from err
            raise

    async def create(self, body: dict[str, Any], namespace: str) -> dict[str, Any]:
        try:
            return await self._client.create(LEASES, body, namespace)
        except ApiError as err:
            if is_already_exists(err) or is_conflict(err):
                raise LeaseConflict(str(err)) from err
            raise

    async def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self._client.replace(LEASES, body)
        except ApiError as err:
            if is_conflict(err):
                raise LeaseConflict(str(err)) from err
            if is_not_found(err):
                raise LeaseNotFound(str(err)) from err
            raise
