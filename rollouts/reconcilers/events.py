"""Kubernetes Events (core/v1) about Rollouts, as upstream's recorder writes them.

Source component ``rollouts-controller`` (what ``kubectl describe rollout`` and Argo CD show),
named ``<object>.<unix-nanos in hex>`` like client-go's recorder. An Event that cannot be written
is logged and dropped: Events are informational and must never fail a reconcile. Each Event
emitted is also counted in ``rollout_events_total`` (namespace, name, type, reason).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import structlog

from rollouts.clock import Clock
from rollouts.core.conditions import format_time
from rollouts.k8s.resources import EVENTS

log = structlog.get_logger("rollouts.reconcilers.events")

SOURCE_COMPONENT = "rollouts-controller"


class EventWriter(Protocol):
    async def create(
        self, res: Any, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]: ...


EventCounter = Callable[[str, str, str, str], None]  # (namespace, name, type, reason)


class EventRecorder:
    def __init__(self, client: EventWriter, clock: Clock, count: EventCounter | None = None) -> None:
        self._client = client
        self._clock = clock
        self._count = count

    def build(self, obj: Mapping[str, Any], event_type: str, reason: str, message: str) -> dict[str, Any]:
        """The Event manifest about ``obj`` (exposed for tests)."""
        meta = obj.get("metadata") or {}
        now = self._clock.now()
        stamp = format_time(now)
        nanos = int(now.timestamp() * 1_000_000_000)
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{meta.get('name', '')}.{nanos:x}", "namespace": meta.get("namespace")},
            "involvedObject": {
                "apiVersion": obj.get("apiVersion", "argoproj.io/v1alpha1"),
                "kind": obj.get("kind", "Rollout"),
                "name": meta.get("name"),
                "namespace": meta.get("namespace"),
                "uid": meta.get("uid"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "type": event_type,
            "reason": reason,
            "message": message,
            "source": {"component": SOURCE_COMPONENT},
            "reportingComponent": SOURCE_COMPONENT,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }

    async def emit(self, obj: Mapping[str, Any], event_type: str, reason: str, message: str) -> None:
        body = self.build(obj, event_type, reason, message)
        namespace = body["metadata"]["namespace"]
        name = body["involvedObject"]["name"]
        if self._count is not None:
            self._count(namespace, name, event_type, reason)
        try:
            await self._client.create(EVENTS, body, namespace)
        except Exception as exc:  # an Event is best effort: report, never fail the caller
            error = str(exc) or type(exc).__name__
            log.warning("cannot record event", object=name, reason=reason, error=error)
