"""Applying a Rollout plan (:class:`rollouts.core.plan.Plan`) to the cluster with the fewest calls.

Order (the core's contract): annotate the Rollout (its revision), create the new ReplicaSet,
rewrite template metadata and anti-affinity, scale, evict (restart), scale the workloadRef
Deployment, and
annotate, switch Service selectors, delete history, write the status, emit the Events. Every write
is a merge patch of only what differs from the cached object; nothing is sent when nothing
differs (so applying the same plan to the objects it produced issues no call at all).

* The scale the plan gives a ReplicaSet it also creates is folded into the create (one call).
* A create answered AlreadyExists follows :mod:`rollouts.core.collision`: our own ReplicaSet with
  the same template is adopted (the cache was behind) and the pass goes on; otherwise it is a
  hash collision: ``status.collisionCount`` goes up and the pass ends (the next one hashes with the
  new count). Any other creation error sets Progressing=False (ReplicaSetCreateError) with a
  Warning event, and is raised for a retry.
* The status goes through the ``status`` subresource with ``metadata.resourceVersion`` in the
  patch: a plan computed from a stale cache must not overwrite a newer status (a 409 is reported
  as a conflict, and the caller requeues to re-plan on the fresher object).
* Traffic weights (``plan.traffic``) are handed to ``route`` (the router layer, given by the
  reconciler) after the Service selectors and before the history clean-up; without a ``route``
  they are not applied. ``route`` answers whether the routers confirm the weight, and with a route
  the ReplicaSet scale-downs move after it: they are applied only when no router says "not yet"
  (verified weights, :mod:`.weight_verification`); otherwise they wait for a later pass.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import structlog

from rollouts.api.rollout import Rollout
from rollouts.api.validation_references import MANAGED_BY_ANNOTATION
from rollouts.core import conditions as cond
from rollouts.core.collision import create_failure, resolve_create_conflict
from rollouts.core.ephemeral import TemplateMetadataChange
from rollouts.core.plan import DesiredTraffic, Plan, ScaleChange
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL
from rollouts.core.replica_sets import EPHEMERAL_METADATA_ANNOTATION
from rollouts.k8s.errors import is_already_exists, is_conflict, is_not_found, is_too_many_requests
from rollouts.k8s.resources import DEPLOYMENTS, PODS, REPLICASETS, ROLLOUTS, SERVICES
from rollouts.reconcilers.events import EventRecorder
from rollouts.reconcilers.merge_patch import merge_diff
from rollouts.reconcilers.weight_verification import WeightVerifier

log = structlog.get_logger("rollouts.reconcilers.rollout")


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

    async def create_subresource(
        self, res: Any, name: str, subresource: str, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]: ...

    async def list(
        self, res: Any, namespace: str | None = None, *, label_selector: str | None = None
    ) -> dict[str, Any]: ...


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


def _scale_downs(
    scales: Iterable[ScaleChange], replica_sets: Mapping[str, Mapping[str, Any]]
) -> list[ScaleChange]:
    """The changes that lower a ReplicaSet's ``spec.replicas`` (annotation-only changes are not)."""
    out = []
    for change in scales:
        spec = (replica_sets.get(change.name) or {}).get("spec") or {}
        current = spec.get("replicas")
        if isinstance(current, int) and change.replicas < current:
            out.append(change)
    return out


def _controlled_by(obj: Mapping[str, Any], uid: str) -> bool:
    return any(
        isinstance(ref, Mapping) and ref.get("controller") and ref.get("uid") == uid
        for ref in _meta(obj).get("ownerReferences") or ()
    )


#: Applies the plan's weights; answers the routers' verdict (None: no router can tell).
TrafficRoute = Callable[[DesiredTraffic], Awaitable[bool | None]]


class PlanApplier:
    def __init__(
        self, client: ApiClient, recorder: EventRecorder, verifier: WeightVerifier | None = None
    ) -> None:
        self._client = client
        self._recorder = recorder
        self._verifier = verifier if verifier is not None else WeightVerifier()

    def forget(self, key: str) -> None:
        """Drop what is remembered about the Rollout ``namespace/name`` (it is gone)."""
        self._verifier.forget(key)

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
        rollout = await self._annotate_rollout(rollout, plan.rollout_annotations)
        if plan.create_replica_set is not None:
            created_name = str(plan.create_replica_set["metadata"]["name"])
            stop = await self._create(rollout, plan.create_replica_set, scales.pop(created_name, None), now)
            if stop is not None:
                return stop
        for metadata in plan.template_metadata:
            await self._rewrite_metadata(namespace, metadata, replica_sets.get(metadata.name))
        for name, affinity in plan.affinity_updates.items():
            await self._rewrite_affinity(namespace, name, affinity, replica_sets.get(name))
        routed = plan.traffic is not None and route is not None
        scale_downs = _scale_downs(scales.values(), replica_sets) if routed else []
        for scale in scales.values():
            if scale not in scale_downs:
                await self._scale(namespace, scale, replica_sets.get(scale.name))
        for pod in plan.evict_pods:
            await self._evict(namespace, pod)
        if plan.workload_replicas is not None:
            await self._scale_workload(rollout, plan.workload_replicas)
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
        status, events = plan.status, [(e.type, e.reason, e.message) for e in plan.events]
        retry: float | None = None
        if plan.traffic is not None and route is not None:
            verdict = await route(plan.traffic)
            key = f"{namespace}/{_meta(rollout).get('name')}"
            verification = self._verifier.judge(key, plan.traffic.canary_weight, verdict, status, now)
            status, retry = verification.status, verification.requeue_after
            if verification.event is not None:
                event = verification.event
                events.append((event.type, event.reason, event.message))
            if verification.hold_scale_downs and scale_downs:
                log.info(
                    "scale-downs held until the traffic weight is confirmed",
                    rollout=key,
                    weight=plan.traffic.canary_weight,
                    held=[s.name for s in scale_downs],
                )
                held = {f"Scaled down ReplicaSet {s.name} " for s in scale_downs}
                # the core announced these scale-downs; they did not happen (yet)
                events = [
                    e
                    for e in events
                    if not (e[1] == cond.SCALING_REPLICA_SET and any(e[2].startswith(h) for h in held))
                ]
                scale_downs = []
        for scale in scale_downs:
            await self._scale(namespace, scale, replica_sets.get(scale.name))
        for name in plan.delete_replica_sets:
            try:
                await self._client.delete(REPLICASETS, name, namespace)
            except Exception as exc:
                if not is_not_found(exc):
                    raise
        written, conflict = await self.write_status(rollout, status)
        if conflict:
            return ApplyOutcome(conflict=True)
        for event_type, reason, message in events:
            await self._recorder.emit(written or rollout, event_type, reason, message)
        requeue = None if plan.requeue_at is None else max(0.0, (plan.requeue_at - now).total_seconds())
        if retry is not None:
            requeue = retry if requeue is None else min(requeue, retry)
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
        self,
        rollout: Mapping[str, Any],
        manifest: Mapping[str, Any],
        scale: ScaleChange | None,
        now: datetime,
    ) -> ApplyOutcome | None:
        """Create the new ReplicaSet; None to carry on with the pass, else how the pass ends."""
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
        name = str(body["metadata"]["name"])
        try:
            await self._client.create(REPLICASETS, body, namespace)
            return None
        except Exception as exc:
            if not is_already_exists(exc):
                await self._report_create_failure(rollout, name, exc, now)
                raise
        existing = await self._client.get(REPLICASETS, name, namespace)
        conflict = resolve_create_conflict(Rollout.from_dict(dict(rollout)), existing)
        if conflict.adopt:
            # ours with the same template: the cache was behind; scale it as planned and go on
            if scale is not None:
                await self._scale(namespace, scale, existing)
            return None
        # Someone else's ReplicaSet (or another template) has our name: never touch it; the next
        # pass hashes with the incremented collision count.
        status = dict(rollout.get("status") or {})
        status["collisionCount"] = conflict.collision_count
        log.warning("ReplicaSet name collision", replica_set=name, collision_count=conflict.collision_count)
        _, lost = await self.write_status(rollout, status)
        return ApplyOutcome(conflict=lost, requeue_after=None if lost else 0.0)

    async def _report_create_failure(
        self, rollout: Mapping[str, Any], name: str, exc: Exception, now: datetime
    ) -> None:
        """Progressing=False (ReplicaSetCreateError) and a Warning event, as upstream reports it."""
        failure = create_failure(name, str(exc), now)
        status = dict(rollout.get("status") or {})
        conditions = [cond.condition_from_dict(c, now) for c in status.get("conditions") or []]
        conditions, _ = cond.set_condition(conditions, failure.condition)
        status["conditions"] = [cond.condition_to_dict(c) for c in conditions]
        await self.write_status(rollout, status)
        await self._recorder.emit(rollout, "Warning", failure.event_reason, failure.event_message)

    async def _rewrite_affinity(
        self, namespace: str, name: str, affinity: dict[str, Any] | None, current: Mapping[str, Any] | None
    ) -> None:
        pod_spec = (((current or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
        diff = merge_diff({"affinity": pod_spec.get("affinity")}, {"affinity": affinity})
        if diff:
            await self._client.patch(REPLICASETS, name, {"spec": {"template": {"spec": diff}}}, namespace)

    async def _evict(self, namespace: str, pod: str) -> None:
        """Evict through the Eviction API (PodDisruptionBudgets apply); 429 means not now."""
        meta = {"name": pod, "namespace": namespace}
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": meta}
        try:
            await self._client.create_subresource(PODS, pod, "eviction", body, namespace)
        except Exception as exc:
            if not (is_too_many_requests(exc) or is_not_found(exc)):
                raise

    async def _scale_workload(self, rollout: Mapping[str, Any], replicas: int) -> None:
        ref = ((rollout.get("spec") or {}).get("workloadRef")) or {}
        if ref.get("kind", "Deployment") != "Deployment" or not ref.get("name"):
            return
        namespace = str(_meta(rollout).get("namespace") or "")
        await self._client.patch(DEPLOYMENTS, str(ref["name"]), {"spec": {"replicas": replicas}}, namespace)

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
