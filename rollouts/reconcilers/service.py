"""The Service controller: releases a Service whose Rollout is gone.

The Rollout controller claims the Services it names: it writes the annotation
``argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>`` and a ``rollouts-pod-template-hash``
selector. Another Rollout then finds the Service claimed and refuses it (InvalidSpec). So that a
Service outlives the Rollout that used it, this controller watches Services and, for one that
carries both the annotation and a hash selector, reads the named Rollout from the API (not the
cache: with ``--instance-id`` the Rollout may belong to another controller instance and never
be cached here). If it does not exist or no longer names the Service, the annotation and the
hash selector are removed in one merge patch; otherwise nothing is done (the Rollout controller
already reacts to Service changes).

What enqueues a Service (``namespace/name``): the Service itself (add, update), and a Rollout
that stops naming it — deleted, or updated to name other Services (upstream's handler).

As upstream does in practice: a hash selector *without* the annotation is left as it is
(upstream means to clean it but its patch only clears the absent annotation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog

from rollouts.api.validation_references import MANAGED_BY_ANNOTATION
from rollouts.clock import Clock
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL
from rollouts.informers import DeletedFinalStateUnknown, FuncHandler, SharedInformerFactory, deleted_object
from rollouts.informers.store import split_key
from rollouts.k8s.errors import is_not_found
from rollouts.k8s.resources import ROLLOUTS, SERVICES
from rollouts.metrics import ControllerMetrics
from rollouts.reconcilers.rollout_applier import ApiClient
from rollouts.reconcilers.rollout_indexes import object_index_value, referenced_service_names
from rollouts.workqueue import RateLimitingQueue

log = structlog.get_logger("rollouts.reconcilers.service")

#: The merge patch that releases a Service (annotation and hash selector removed).
RELEASE_PATCH: dict[str, Any] = {
    "metadata": {"annotations": {MANAGED_BY_ANNOTATION: None}},
    "spec": {"selector": {POD_TEMPLATE_HASH_LABEL: None}},
}


def claimed_by(service: Mapping[str, Any]) -> str | None:
    """The Rollout a Service is claimed by, when it carries the annotation and a hash selector."""
    annotations = (service.get("metadata") or {}).get("annotations") or {}
    selector = (service.get("spec") or {}).get("selector") or {}
    owner = annotations.get(MANAGED_BY_ANNOTATION)
    if not isinstance(owner, str) or POD_TEMPLATE_HASH_LABEL not in selector:
        return None
    return owner


def still_claims(rollout: Mapping[str, Any] | None, service_name: str) -> bool:
    """Whether ``rollout`` (None: it does not exist) still names the Service in its strategy."""
    return rollout is not None and service_name in referenced_service_names(rollout)


class ServiceController:
    name = "services"

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformerFactory,
        clock: Clock,
        metrics: ControllerMetrics,
        *,
        rollout_label_selector: str | None = None,
    ) -> None:
        """``rollout_label_selector`` is the Rollout controller's (instance id), so that both
        controllers share one Rollout informer."""
        self._client = client
        self._queue: RateLimitingQueue[str] = RateLimitingQueue(
            "services", clock=clock, metrics=metrics.workqueue
        )
        self._services = informers.informer(SERVICES)
        self._services.add_event_handler(
            FuncHandler(add=self._enqueue, update=lambda old, new: self._enqueue(new))
        )
        rollouts = informers.informer(ROLLOUTS, label_selector=rollout_label_selector)
        rollouts.add_event_handler(
            FuncHandler(update=self._on_rollout_update, delete=self._on_rollout_delete)
        )

    def _enqueue(self, service: dict[str, Any]) -> None:
        self._queue.add(object_index_value(service))

    def _enqueue_named(self, rollout: Mapping[str, Any], names: list[str]) -> None:
        namespace = str((rollout.get("metadata") or {}).get("namespace") or "")
        for name in names:
            self._queue.add(f"{namespace}/{name}")

    def _on_rollout_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        kept = set(referenced_service_names(new))
        self._enqueue_named(new, [n for n in referenced_service_names(old) if n not in kept])

    def _on_rollout_delete(self, obj: dict[str, Any] | DeletedFinalStateUnknown) -> None:
        rollout = deleted_object(obj)
        self._enqueue_named(rollout, referenced_service_names(rollout))

    @property
    def threads(self) -> int:
        return 1  # Service releases are rare and cheap

    @property
    def queue(self) -> RateLimitingQueue[str]:
        return self._queue

    async def reconcile(self, key: str) -> None:
        service = self._services.store.get(key)
        if service is None:
            return
        owner = claimed_by(service)
        if owner is None:
            return
        namespace, name = split_key(key)
        try:
            rollout: dict[str, Any] | None = await self._client.get(ROLLOUTS, owner, namespace)
        except Exception as exc:
            if not is_not_found(exc):
                raise
            rollout = None
        if still_claims(rollout, name):
            return
        try:
            await self._client.patch(SERVICES, name, RELEASE_PATCH, namespace)
        except Exception as exc:
            if not is_not_found(exc):
                raise
            return
        log.info("released service", service=name, namespace=namespace, rollout=owner)
