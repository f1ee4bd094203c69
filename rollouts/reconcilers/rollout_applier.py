"""Applying a Rollout plan (:class:`rollouts.core.plan.Plan`) to the cluster with the fewest calls.

Order (the core's contract): create the new ReplicaSet, annotate the Rollout (its revision),
rewrite template metadata, scale and
annotate, switch Service selectors, delete history, write the status, emit the Events. Every write
is a merge patch of only what differs from the cached object; nothing is sent when nothing
differs (so applying the same plan to the objects it produced issues no call at all).

* The scale the plan gives a ReplicaSet it also creates is folded into the create (one call).
* A create answered AlreadyExists stops the pass: if the existing ReplicaSet is ours the cache is
  behind (requeue shortly); otherwise it is a hash collision, answered as upstream does by
  incrementing ``status.collisionCount`` (the next pass hashes with the new count).
* The status goes through the ``status`` subresource with ``metadata.resourceVersion`` in the
  patch: a plan computed from a stale cache must not overwrite a newer status (a 409 is reported
  as a conflict, and the caller requeues to re-plan on the fresher object).
* Traffic weights (``plan.traffic``) are handed to ``route`` (the router layer, given by the
  reconciler) after the Service selectors and before the history clean-up; without a ``route``
  they are not applied.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import structlog

from rollouts.api.validation_references import MANAGED_BY_ANNOTATION
from rollouts.core.ephemeral import TemplateMetadataChange
from rollouts.core.plan import DesiredTraffic, Plan, ScaleChange
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL
from rollouts.core.replica_sets import EPHEMERAL_METADATA_ANNOTATION
from rollouts.k8s.errors import is_already_exists, is_conflict, is_not_found
from rollouts.k8s.resources import REPLICASETS, ROLLOUTS, SERVICES
from rollouts.reconcilers.events import EventRecorder
from rollouts.reconcilers.merge_patch import merge_diff

log = structlog.get_logger("rollouts.reconcilers.rollout")

#: How soon to look again when the cache has not yet seen a ReplicaSet we created.
CACHE_LAG_RETRY_SECONDS = 1.0


class ApiClient(Protocol):
    """The part of :class:`rollouts.k8s.client.KubeClient` the applier uses."""

    async def get(self, res: Any, name: str, namespace: str | None = None) -> dict[str, Any]: ...

    async def create(
        self, res: Any, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]: ...

    async def patch(
        self,
        res: Any,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: Any = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]: ...

    async def delete(self, res: Any, name: str, namespace: str | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    #: The Rollout as the API server returned it after the status write (None: not written).
    written: dict[str, Any] | None = None
    #: Seconds until the Rollout should be reconciled again (None: only on a change).
    requeue_after: float | None = None
    #: The status write lost a race with another writer: re-plan on the fresher object.
    conflict: bool = False


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _controlled_by(obj: Mapping[str, Any], uid: str) -> bool:
    return any(
        isinstance(ref, Mapping) and ref.get("controller") and ref.get("uid") == uid
        for ref in _meta(obj).get("ownerReferences") or ()
    )


TrafficRoute = Callable[[DesiredTraffic], Awaitable[None]]


class PlanApplier:
    def __init__(self, client: ApiClient, recorder: EventRecorder) -> None:
        self._client = client
        self._recorder = recorder

    async def apply(
        self,
        rollout: Mapping[str, Any],
        plan: Plan,
        replica_sets: Mapping[str, Mapping[str, Any]],
        now: datetime,
        route: TrafficRoute | None = None,
    ) -> ApplyOutcome:
        """Apply ``plan`` computed for ``rollout`` (as cached) and its ``replica_sets`` (by name);
        ``route`` applies the plan's traffic weights."""
        namespace = str(_meta(rollout).get("namespace") or "")
        scales = {change.name: change for change in plan.scales}
        if plan.create_replica_set is not None:
            created_name = str(plan.create_replica_set["metadata"]["name"])
            stop = await self._create(rollout, plan.create_replica_set, scales.pop(created_name, None))
            if stop is not None:
                return stop
        rollout = await self._annotate_rollout(rollout, plan.rollout_annotations)
        for metadata in plan.template_metadata:
            await self._rewrite_metadata(namespace, metadata, replica_sets.get(metadata.name))
        for scale in scales.values():
            await self._scale(namespace, scale, replica_sets.get(scale.name))
        for selector in plan.service_selectors:
            await self._client.patch(
                SERVICES,
                selector.service,
                {
                    "metadata": {"annotations": {MANAGED_BY_ANNOTATION: _meta(rollout).get("name")}},
                    "spec": {"selector": {POD_TEMPLATE_HASH_LABEL: selector.pod_template_hash}},
                },
                namespace,
            )
        if plan.traffic is not None and route is not None:
            await route(plan.traffic)
        for name in plan.delete_replica_sets:
            try:
                await self._client.delete(REPLICASETS, name, namespace)
            except Exception as exc:
                if not is_not_found(exc):
                    raise
        written, conflict = await self.write_status(rollout, plan.status)
        if conflict:
            return ApplyOutcome(conflict=True)
        for event in plan.events:
            await self._recorder.emit(written or rollout, event.type, event.reason, event.message)
        requeue = None if plan.requeue_at is None else max(0.0, (plan.requeue_at - now).total_seconds())
        return ApplyOutcome(written=written, requeue_after=requeue)

    async def write_status(
        self, rollout: Mapping[str, Any], status: Mapping[str, Any]
    ) -> tuple[dict[str, Any] | None, bool]:
        """Merge-patch the status subresource if ``status`` differs: (written object, conflict)."""
        diff = merge_diff(rollout.get("status") or {}, status)
        if not diff:
            return None, False
        meta = _meta(rollout)
        body = {"metadata": {"resourceVersion": meta.get("resourceVersion")}, "status": diff}
        try:
            written = await self._client.patch(
                ROLLOUTS, str(meta.get("name")), body, str(meta.get("namespace")), subresource="status"
            )
        except Exception as exc:
            if is_conflict(exc):
                return None, True
            raise
        return written, False

    async def _annotate_rollout(
        self, rollout: Mapping[str, Any], wanted: Mapping[str, str | None]
    ) -> Mapping[str, Any]:
        """Merge ``wanted`` into the Rollout's annotations; returns the Rollout as it now stands
        (its new resourceVersion is the one the status write must carry)."""
        current = _meta(rollout).get("annotations") or {}
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if not changed:
            return rollout
        meta = _meta(rollout)
        patch = {"metadata": {"annotations": changed}}
        return await self._client.patch(ROLLOUTS, str(meta.get("name")), patch, str(meta.get("namespace")))

    async def _create(
        self, rollout: Mapping[str, Any], manifest: Mapping[str, Any], scale: ScaleChange | None
    ) -> ApplyOutcome | None:
        body = copy.deepcopy(dict(manifest))
        if scale is not None:
            body["spec"]["replicas"] = scale.replicas
            annotations = body["metadata"].setdefault("annotations", {})
            for key, value in scale.annotations.items():
                if value is None:
                    annotations.pop(key, None)
                else:
                    annotations[key] = value
        namespace = str(body["metadata"].get("namespace") or _meta(rollout).get("namespace"))
        try:
            await self._client.create(REPLICASETS, body, namespace)
            return None
        except Exception as exc:
            if not is_already_exists(exc):
                raise
        name = str(body["metadata"]["name"])
        existing = await self._client.get(REPLICASETS, name, namespace)
        if _controlled_by(existing, str(_meta(rollout).get("uid") or "")):
            return ApplyOutcome(requeue_after=CACHE_LAG_RETRY_SECONDS)
        # Someone else's ReplicaSet has our name: never touch it; hash again with the next count.
        status = dict(rollout.get("status") or {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        log.warning("ReplicaSet name collision", replica_set=name, collision_count=status["collisionCount"])
        _, conflict = await self.write_status(rollout, status)
        return ApplyOutcome(conflict=conflict, requeue_after=None if conflict else 0.0)

    async def _rewrite_metadata(
        self, namespace: str, change: TemplateMetadataChange, current: Mapping[str, Any] | None
    ) -> None:
        current = current or {}
        template_meta = ((current.get("spec") or {}).get("template") or {}).get("metadata") or {}
        patch: dict[str, Any] = {}
        diff = merge_diff(template_meta, change.template_metadata)
        if diff:
            patch["spec"] = {"template": {"metadata": diff}}
        annotations = _meta(current).get("annotations") or {}
        if annotations.get(EPHEMERAL_METADATA_ANNOTATION) != change.ephemeral_annotation:
            patch["metadata"] = {"annotations": {EPHEMERAL_METADATA_ANNOTATION: change.ephemeral_annotation}}
        if patch:
            await self._client.patch(REPLICASETS, change.name, patch, namespace)

    async def _scale(self, namespace: str, change: ScaleChange, current: Mapping[str, Any] | None) -> None:
        current = current or {}
        patch: dict[str, Any] = {}
        if (current.get("spec") or {}).get("replicas") != change.replicas:
            patch["spec"] = {"replicas": change.replicas}
        annotations = _meta(current).get("annotations") or {}
        changed = {k: v for k, v in change.annotations.items() if annotations.get(k) != v}
        if changed:
            patch["metadata"] = {"annotations": changed}
        if patch:
            await self._client.patch(REPLICASETS, change.name, patch, namespace)
