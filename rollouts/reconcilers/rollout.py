"""The Rollout controller: informer handlers feed a queue of Rollout keys; ``reconcile`` reads the
caches, asks the pure core for a plan and applies it (:mod:`.rollout_applier`).

What enqueues a Rollout (``namespace/name``):

* the Rollout itself (add, update, resync, delete);
* a ReplicaSet, AnalysisRun or Experiment it controls (controller ownerReference);
* a Service, Deployment or (Cluster)AnalysisTemplate it names (through indexes on the Rollout
  cache, :mod:`.rollout_indexes`).

One reconcile, in order: skip a Rollout that is gone, being deleted or excluded by the instance id;
write ``spec.replicas: 1`` when unset (upstream does; the write re-enqueues); for a workloadRef,
record the Deployment's generation and take its template; validate the spec and the referenced
Services — on an error set only the InvalidSpec condition and look again in 20 s;
otherwise plan (canary or blue-green; a canary's ``experiment`` step through
:mod:`.rollout_experiments`; AnalysisRuns — analysis steps, background, pre/post-promotion —
through :mod:`.rollout_analysis`, whose outcomes the plan acts on) and apply — traffic weights
through the routers of :mod:`rollouts.trafficrouting` (:mod:`.rollout_traffic`; scale-downs wait
for the weights to be confirmed, :mod:`.weight_verification`) — then requeue at the plan's time.
Analysis templates, as upstream's Services, are checked with the spec (InvalidSpec when missing).

Stale reads: the cache may not yet hold the status this controller just wrote. The object the API
server returned for that write is kept and preferred while the cache's copy is older, so a pass
never plans from a status older than its own last write (and the status write carries the
resourceVersion, so a plan from an outdated object cannot land). A conflict re-reads the Rollout
once from the API and requeues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from rollouts.api.common import FieldError, ManifestError
from rollouts.api.rollout import Rollout
from rollouts.api.validation import validate_rollout
from rollouts.clock import Clock
from rollouts.core.plan import Plan, StepOutcome, plan_canary
from rollouts.core.plan_bluegreen import plan_bluegreen
from rollouts.core.restart import restart_needed
from rollouts.core.workload import (
    WORKLOAD_GENERATION_ANNOTATION,
    with_workload_template,
    workload_ref_error,
)
from rollouts.informers import DeletedFinalStateUnknown, FuncHandler, SharedInformerFactory, deleted_object
from rollouts.informers.store import split_key
from rollouts.k8s.errors import is_not_found
from rollouts.k8s.resources import (
    ANALYSIS_RUNS,
    ANALYSIS_TEMPLATES,
    CLUSTER_ANALYSIS_TEMPLATES,
    DEPLOYMENTS,
    EXPERIMENTS,
    PODS,
    ROLLOUTS,
    SERVICES,
)
from rollouts.metrics import ControllerMetrics
from rollouts.reconcilers.events import EventRecorder
from rollouts.reconcilers.invalid_spec import (
    INVALID_SPEC_RECHECK_SECONDS,
    invalid_spec_status,
    without_invalid_spec,
)
from rollouts.reconcilers.rollout_analysis import AnalysisPass, RolloutAnalysisRuns
from rollouts.reconcilers.rollout_applier import ApiClient, PlanApplier
from rollouts.reconcilers.rollout_experiments import RolloutExperiments
from rollouts.reconcilers.rollout_indexes import (
    BY_ANALYSIS_TEMPLATE,
    BY_SERVICE,
    BY_WORKLOAD_REF,
    controller_rollout_key,
    object_index_value,
    rollouts_by_analysis_template,
    rollouts_by_service,
    rollouts_by_workload_ref,
)
from rollouts.reconcilers.rollout_inputs import RolloutInputs, gather
from rollouts.reconcilers.rollout_traffic import traffic_route
from rollouts.trafficrouting.factory import DEFAULT_ROUTER_SETTINGS, RouterSettings
from rollouts.workqueue import RateLimitingQueue

log = structlog.get_logger("rollouts.reconcilers.rollout")

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class RolloutControllerSetup:
    client: ApiClient
    informers: SharedInformerFactory
    clock: Clock
    metrics: ControllerMetrics
    threads: int = 10
    #: Server-side label selector of the Rollout/AnalysisRun/Experiment informers (instance id).
    label_selector: str | None = None
    #: Whether this controller instance handles an object (the instance-id rule).
    handles: Callable[[Mapping[str, Any]], bool] = lambda obj: True
    #: Upstream's router API-version flags.
    router_settings: RouterSettings = DEFAULT_ROUTER_SETTINGS


def _resource_version(obj: Mapping[str, Any]) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


class RolloutController:
    name = "rollouts"

    def __init__(self, setup: RolloutControllerSetup) -> None:
        self._setup = setup
        self._clock = setup.clock
        self._metrics = setup.metrics
        self._handles = setup.handles
        self._threads = setup.threads
        self._queue: RateLimitingQueue[str] = RateLimitingQueue(
            "rollouts", clock=setup.clock, metrics=setup.metrics.workqueue
        )
        factory = setup.informers
        self._rollouts = factory.informer(ROLLOUTS, label_selector=setup.label_selector)
        self._rollouts.add_indexer(BY_SERVICE, rollouts_by_service)
        self._rollouts.add_indexer(BY_WORKLOAD_REF, rollouts_by_workload_ref)
        self._replica_sets = factory.replicasets()
        self._services = factory.informer(SERVICES)
        self._deployments = factory.informer(DEPLOYMENTS)
        runs = factory.informer(ANALYSIS_RUNS, label_selector=setup.label_selector)
        experiments = factory.informer(EXPERIMENTS, label_selector=setup.label_selector)
        self._rollouts.add_event_handler(
            FuncHandler(
                add=self._enqueue_self,
                update=lambda old, new: self._enqueue_self(new),
                delete=lambda obj: self._enqueue_self(deleted_object(obj)),
            )
        )
        for informer in (self._replica_sets, runs, experiments):
            informer.add_event_handler(self._handler(self._enqueue_owner))
        self._services.add_event_handler(self._handler(lambda obj: self._enqueue_referring(BY_SERVICE, obj)))
        self._deployments.add_event_handler(
            self._handler(lambda obj: self._enqueue_referring(BY_WORKLOAD_REF, obj))
        )
        self._recorder = EventRecorder(setup.client, setup.clock, setup.metrics.reconcile.event)
        self._applier = PlanApplier(setup.client, self._recorder)
        self._experiments = RolloutExperiments(setup.client, experiments.store)
        templates = factory.informer(ANALYSIS_TEMPLATES)
        cluster_templates = factory.informer(CLUSTER_ANALYSIS_TEMPLATES)
        self._rollouts.add_indexer(BY_ANALYSIS_TEMPLATE, rollouts_by_analysis_template)
        for informer in (templates, cluster_templates):
            informer.add_event_handler(
                self._handler(lambda obj: self._enqueue_referring(BY_ANALYSIS_TEMPLATE, obj))
            )
        self._analysis = RolloutAnalysisRuns(
            setup.client, runs.store, templates.store, cluster_templates.store
        )
        #: key -> the Rollout as returned by our last status write (see the module docstring).
        self._written: dict[str, Obj] = {}

    # -- the Controller protocol ----------------------------------------------------------

    @property
    def threads(self) -> int:
        return self._threads

    @property
    def queue(self) -> RateLimitingQueue[str]:
        return self._queue

    async def reconcile(self, key: str) -> None:
        cached = self._rollouts.store.get(key)
        namespace, name = split_key(key)
        if cached is None:
            self._written.pop(key, None)
            self._applier.forget(key)
            self._metrics.reconcile.forget("rollout", namespace or "", name)
            return
        rollout = self._freshest(key, cached)
        meta = rollout.get("metadata") or {}
        if meta.get("deletionTimestamp") or not self._handles(rollout):
            return
        started = self._clock.monotonic()
        try:
            await self._reconcile(key, rollout)
        except Exception:
            self._metrics.reconcile.error("rollout", namespace or "", name)
            raise
        finally:
            elapsed = self._clock.monotonic() - started
            self._metrics.reconcile.observe("rollout", namespace or "", name, elapsed)

    # -- handlers -------------------------------------------------------------------------

    @staticmethod
    def _handler(enqueue: Callable[[Obj], None]) -> FuncHandler:
        def on_delete(obj: Obj | DeletedFinalStateUnknown) -> None:
            enqueue(deleted_object(obj))

        return FuncHandler(add=enqueue, update=lambda old, new: enqueue(new), delete=on_delete)

    def _enqueue_self(self, obj: Obj) -> None:
        self._queue.add(object_index_value(obj))

    def _enqueue_owner(self, obj: Obj) -> None:
        key = controller_rollout_key(obj)
        if key is not None and key in self._rollouts.store:
            self._queue.add(key)

    def _enqueue_referring(self, index: str, obj: Obj) -> None:
        for key in self._rollouts.store.index_keys(index, object_index_value(obj)):
            self._queue.add(key)

    # -- one pass -------------------------------------------------------------------------

    def _freshest(self, key: str, cached: Obj) -> Obj:
        written = self._written.get(key)
        if written is None:
            return cached
        if _resource_version(written) > _resource_version(cached):
            return written
        del self._written[key]  # the cache has caught up
        return cached

    async def _reconcile(self, key: str, rollout: Obj) -> None:
        meta = rollout.get("metadata") or {}
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
        if (rollout.get("spec") or {}).get("replicas") is None:
            # upstream writes the default back; the update event brings the Rollout round again
            await self._setup.client.patch(ROLLOUTS, name, {"spec": {"replicas": 1}}, namespace)
            return
        now = self._clock.now()
        try:
            ro = Rollout.from_dict(without_invalid_spec(rollout))
        except ManifestError as err:
            await self._mark_invalid(key, rollout, err.errors[0])
            return
        workload = self._workload(ro)
        if ro.spec.workload_ref is not None:
            unresolved = workload_ref_error(ro, workload)
            if unresolved is not None:
                # upstream reports the resolver's error as it is, without a field path
                await self._mark_invalid(key, rollout, FieldError("", unresolved))
                return
            if workload is not None and await self._record_workload_generation(rollout, workload):
                return  # the annotation update brings the Rollout round again
            ro = with_workload_template(ro, workload)
        inputs = gather(ro, self._replica_sets.store, self._services.store)
        errors = (
            validate_rollout(ro, template_resolved_from_ref=workload is not None)
            + inputs.reference_errors
            + self._analysis.reference_errors(ro)
        )
        if errors:
            await self._mark_invalid(key, rollout, errors[0])
            return
        pods = await self._pods_for_restart(ro, now)
        analysis = await self._analysis.reconcile(ro, rollout, inputs.replica_sets, now)
        experiments = self._experiments.owned(ro)
        step_outcome = (
            self._experiments.step_outcome(ro, experiments, inputs.replica_sets) or analysis.outcomes.step
        )
        plan = self._plan(ro, inputs, workload, pods, step_outcome, analysis)
        plan = self._analysis.finish(ro, plan, analysis)
        plan = await self._experiments.reconcile(ro, plan, experiments, inputs.replica_sets)
        route = traffic_route(
            self._setup.client,  # type: ignore[arg-type]
            self._recorder,
            ro,
            rollout,
            plan,
            additional=self._experiments.weight_destinations(ro, experiments, plan.status),
            settings=self._setup.router_settings,
            clock=self._clock,
        )
        outcome = await self._applier.apply(rollout, plan, inputs.replica_sets_by_name(), now, route)
        if outcome.written is not None:
            self._written[key] = outcome.written
        if outcome.conflict:
            await self._reread(key, name, namespace)
            return
        if outcome.requeue_after is not None:
            self._queue.add_after(key, outcome.requeue_after)

    def _workload(self, ro: Rollout) -> Obj | None:
        """The Deployment ``spec.workloadRef`` names, from the cache (other kinds: not supported)."""
        ref = ro.spec.workload_ref
        if ref is None or ref.kind != "Deployment" or not ref.name:
            return None
        return self._deployments.store.get_by_name(ro.namespace, ref.name)

    async def _record_workload_generation(self, rollout: Obj, workload: Obj) -> bool:
        """Keep ``rollout.argoproj.io/workload-generation`` on the Rollout equal to the Deployment's
        generation (status.workloadObservedGeneration echoes it); True when it was written."""
        generation = str((workload.get("metadata") or {}).get("generation") or 0)
        meta = rollout.get("metadata") or {}
        if (meta.get("annotations") or {}).get(WORKLOAD_GENERATION_ANNOTATION) == generation:
            return False
        patch = {"metadata": {"annotations": {WORKLOAD_GENERATION_ANNOTATION: generation}}}
        await self._setup.client.patch(ROLLOUTS, str(meta.get("name")), patch, str(meta.get("namespace")))
        return True

    async def _pods_for_restart(self, ro: Rollout, now: datetime) -> list[Obj] | None:
        """The Rollout's pods, read from the API only while a restart (spec.restartAt) is due:
        the controller caches no pods, and restarts are rare."""
        status = ro.status
        if not restart_needed(ro.spec.restart_at, status.restarted_at if status else None, now):
            return None
        labels = (ro.spec.selector.match_labels or {}) if ro.spec.selector else {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or None
        listed = await self._setup.client.list(PODS, ro.namespace, label_selector=selector)
        return list(listed.get("items") or [])

    def _plan(
        self,
        ro: Rollout,
        inputs: RolloutInputs,
        workload: Obj | None,
        pods: list[Obj] | None,
        step_outcome: StepOutcome | None,
        analysis: AnalysisPass,
    ) -> Plan:
        now = self._clock.now()
        runs = analysis.outcomes
        if ro.blue_green is not None:
            return plan_bluegreen(
                ro,
                inputs.replica_sets,
                inputs.services,
                now,
                pre_promotion_phase=runs.pre_promotion_phase,
                post_promotion_phase=runs.post_promotion_phase,
                pre_promotion_message=runs.pre_promotion_message,
                post_promotion_message=runs.post_promotion_message,
                pods=pods,
                workload=workload,
            )
        return plan_canary(
            ro,
            inputs.replica_sets,
            now,
            step_outcome=step_outcome,
            background_outcome=runs.background,
            services=inputs.services,
            pods=pods,
            workload=workload,
        )

    async def _mark_invalid(self, key: str, rollout: Obj, error: FieldError) -> None:
        name = str((rollout.get("metadata") or {}).get("name") or "")
        status = invalid_spec_status(name, rollout.get("status") or {}, error, self._clock.now())
        written, conflict = await self._applier.write_status(rollout, status)
        if written is not None:
            self._written[key] = written
        if conflict:
            await self._reread(key, name, str((rollout.get("metadata") or {}).get("namespace") or ""))
            return
        self._queue.add_after(key, INVALID_SPEC_RECHECK_SECONDS)

    async def _reread(self, key: str, name: str, namespace: str) -> None:
        """After a 409: fetch the current Rollout once (bypassing the lagging cache) and requeue."""
        try:
            fresh = await self._setup.client.get(ROLLOUTS, name, namespace)
        except Exception as exc:
            if is_not_found(exc):
                self._written.pop(key, None)
                return
            raise
        self._written[key] = fresh
        self._queue.add(key)
