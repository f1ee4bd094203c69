"""The leader-election record stored in a Lease's ``spec``, and the Lease name/identity conventions.

Upstream's names: the Lease is ``argo-rollouts-controller-lock`` (suffixed ``-<instance-id>`` when an
instance id is set); the identity is ``<hostname>_<uuid4>`` so that two pods on one host never share it.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

LEASE_NAME = "argo-rollouts-controller-lock"


def lease_name(instance_id: str = "") -> str:
    return f"{LEASE_NAME}-{instance_id}" if instance_id else LEASE_NAME


def default_identity() -> str:
    return f"{socket.gethostname()}_{uuid.uuid4()}"


def format_micro_time(t: datetime) -> str:
    """A Kubernetes ``MicroTime``: RFC 3339 in UTC with exactly six fractional digits."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class LeaderElectionRecord:
    """What a Lease says about its holder. Times are kept as the strings written (never parsed:
    the elector compares records for change, it does not trust remote clocks)."""

    holder_identity: str
    lease_duration_seconds: int
    acquire_time: str | None
    renew_time: str | None
    lease_transitions: int

    @classmethod
    def from_lease(cls, lease: dict[str, Any]) -> LeaderElectionRecord:
        spec = lease.get("spec") or {}
        return cls(
            holder_identity=str(spec.get("holderIdentity") or ""),
            lease_duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquire_time=spec.get("acquireTime"),
            renew_time=spec.get("renewTime"),
            lease_transitions=int(spec.get("leaseTransitions") or 0),
        )

    def to_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "holderIdentity": self.holder_identity,
            "leaseDurationSeconds": self.lease_duration_seconds,
            "leaseTransitions": self.lease_transitions,
        }
        if self.acquire_time is not None:
            spec["acquireTime"] = self.acquire_time
        if self.renew_time is not None:
            spec["renewTime"] = self.renew_time
        return spec
