"""An in-memory Lease API with the server's resourceVersion semantics, plus fault injection."""

from __future__ import annotations

import copy
from typing import Any

from rollouts.leaderelection import LeaseConflict, LeaseNotFound


class FakeLeaseApi:
    def __init__(self) -> None:
        self.leases: dict[tuple[str, str], dict[str, Any]] = {}
        self._rv = 0
        self.fail_next: list[Exception] = []  # raised, in order, by the next calls
        self.down = False  # every call raises ConnectionError while set
        self.writes = 0

    def _fault(self) -> None:
        if self.down:
            raise ConnectionError("apiserver unreachable")
        if self.fail_next:
            raise self.fail_next.pop(0)

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    async def get(self, name: str, namespace: str) -> dict[str, Any]:
        self._fault()
        try:
            return copy.deepcopy(self.leases[(namespace, name)])
        except KeyError:
            raise LeaseNotFound(name) from None

    async def create(self, body: dict[str, Any], namespace: str) -> dict[str, Any]:
        self._fault()
        key = (namespace, body["metadata"]["name"])
        if key in self.leases:
            raise LeaseConflict("already exists")
        stored = copy.deepcopy(body)
        stored["metadata"]["namespace"] = namespace
        stored["metadata"]["resourceVersion"] = self._next_rv()
        self.leases[key] = stored
        self.writes += 1
        return copy.deepcopy(stored)

    async def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        self._fault()
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        current = self.leases.get(key)
        if current is None:
            raise LeaseNotFound(meta["name"])
        if meta.get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise LeaseConflict("the object has been modified")
        stored = copy.deepcopy(body)
        stored["metadata"]["resourceVersion"] = self._next_rv()
        self.leases[key] = stored
        self.writes += 1
        return copy.deepcopy(stored)

    def spec(self, name: str = "lock", namespace: str = "ns") -> dict[str, Any]:
        return dict(self.leases[(namespace, name)]["spec"])

    def set_holder(self, holder: str, name: str = "lock", namespace: str = "ns", duration: int = 15) -> None:
        """Another candidate writes the Lease (as a renew would)."""
        lease = self.leases.get((namespace, name)) or {"metadata": {"name": name, "namespace": namespace}}
        spec = dict(lease.get("spec") or {})
        if spec.get("holderIdentity") != holder:
            spec["leaseTransitions"] = int(spec.get("leaseTransitions", 0)) + 1
        spec.update(holderIdentity=holder, leaseDurationSeconds=duration, renewTime=f"renew-{self._rv}")
        lease = {**lease, "spec": spec}
        lease["metadata"] = {**lease["metadata"], "resourceVersion": self._next_rv()}
        self.leases[(namespace, name)] = lease
