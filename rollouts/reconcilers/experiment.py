"""The Experiment controller: cache -> :func:`rollouts.core.experiment.plan_experiment` -> API.

Keys are ``namespace/name`` of Experiments. An Experiment is enqueued on its own changes and on
changes to the ReplicaSets, Services and AnalysisRuns it controls (found through their
controller owner reference), and again after the plan's ``requeue_after`` (duration end,
progress deadline, scale-down deadline). A reconcile reads only caches, applies the plan
(:mod:`.experiment_apply`), writes the status, then records the plan's events.

Experiments owned by a Rollout (canary ``experiment`` steps) are reconciled the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from rollouts.api.common import ManifestError
from rollouts.api.experiment import Experiment
from rollouts.clock import Clock
from rollouts.core.experiment import ExperimentInputs, plan_experiment
from rollouts.informers.handlers import DeletedFinalStateUnknown, FuncHandler, deleted_object
from rollouts.informers.store import BY_CONTROLLER_UID, BY_NAMESPACE, object_key
from rollouts.k8s.resources import (
    ANALYSIS_RUNS,
    ANALYSIS_TEMPLATES,
    CLUSTER_ANALYSIS_TEMPLATES,
    EXPERIMENTS,
    SERVICES,
)
from rollouts.reconcilers.events import EventRecorder
from rollouts.reconcilers.experiment_apply import ExperimentClient, apply_actions, write_status
from rollouts.workqueue import RateLimitingQueue

CONTROLLER_NAME = "Experiments"
TEMPLATE_NAME_ANNOTATION = "experiment.argoproj.io/template-name"

log = structlog.get_logger("rollouts.reconcilers.experiment")

Obj = dict[str, Any]


class Store(Protocol):
    def get(self, key: str) -> Obj | None: ...

    def list(self) -> Any: ...

    def by_index(self, index: str, value: str) -> Any: ...


class Informer(Protocol):
    @property
    def store(self) -> Any: ...

    def add_event_handler(self, handler: Any) -> None: ...


class EventSink(Protocol):
    """Writes a Kubernetes Event about an object; never raises (events are advisory).

    :class:`rollouts.reconcilers.events.EventRecorder` in the process."""

    async def emit(self, obj: Any, event_type: str, reason: str, message: str) -> None: ...


class ReconcileRecorder(Protocol):
    def observe(self, kind: Any, namespace: str, name: str, seconds: float) -> None: ...

    def error(self, kind: Any, namespace: str, name: str) -> None: ...

    def forget(self, kind: Any, namespace: str, name: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ExperimentInformers:
    """The informers the controller reads (in the process, from the shared informer factory)."""

    experiments: Informer
    replica_sets: Informer
    analysis_runs: Informer
    services: Informer
    analysis_templates: Informer
    cluster_analysis_templates: Informer


class ExperimentController:
    def __init__(
        self,
        *,
        client: ExperimentClient,
        informers: ExperimentInformers,
        queue: RateLimitingQueue[str],
        clock: Clock,
        metrics: ReconcileRecorder,
        events: EventSink,
        threads: int = 10,
    ) -> None:
        self._client = client
        self._informers = informers
        self._queue = queue
        self._clock = clock
        self._metrics = metrics
        self._events = events
        self._threads = threads
        informers.experiments.add_event_handler(
            FuncHandler(
                add=self._enqueue, update=lambda _old, new: self._enqueue(new), delete=self._on_delete
            )
        )
        owned = FuncHandler(
            add=self._enqueue_owner,
            update=lambda _old, new: self._enqueue_owner(new),
            delete=lambda obj: self._enqueue_owner(deleted_object(obj)),
        )
        for informer in (informers.replica_sets, informers.analysis_runs, informers.services):
            informer.add_event_handler(owned)

    # -- Controller protocol ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return CONTROLLER_NAME

    @property
    def threads(self) -> int:
        return self._threads

    @property
    def queue(self) -> RateLimitingQueue[str]:
        return self._queue

    async def reconcile(self, key: str) -> None:
        obj = self._informers.experiments.store.get(key)
        if obj is None:
            return  # deleted; its metrics were dropped by the delete handler
        meta = obj.get("metadata") or {}
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
        if meta.get("deletionTimestamp"):
            return  # being deleted: its objects go with it (owner references)
        started = time.perf_counter()
        try:
            await self._reconcile(key, obj)
        except Exception:
            self._metrics.error("experiment", namespace, name)
            raise
        finally:
            self._metrics.observe("experiment", namespace, name, time.perf_counter() - started)

    # -- one pass -----------------------------------------------------------------------------

    async def _reconcile(self, key: str, obj: Obj) -> None:
        try:
            experiment = Experiment.from_dict(obj)
        except ManifestError as err:
            # Not ours to fix and nothing to act on; retrying cannot help until the object changes.
            log.warning("experiment does not load; not reconciled", key=key, error=str(err))
            return
        inputs = self._inputs(experiment, obj)
        plan = plan_experiment(inputs)
        namespace = experiment.namespace
        await apply_actions(self._client, namespace, plan)
        if plan.status_changed:
            await write_status(self._client, obj, plan.status)
        for event in plan.events:
            await self._events.emit(obj, event.type, event.reason, event.message)
        if plan.requeue_after is not None:
            self._queue.add_after(key, plan.requeue_after)
        log.debug(
            "reconciled",
            key=key,
            phase=plan.status.get("phase"),
            requeue_after=plan.requeue_after,
            events=[e.reason for e in plan.events],
        )

    def _inputs(self, experiment: Experiment, obj: Obj) -> ExperimentInputs:
        uid = experiment.metadata.uid or ""
        namespace = experiment.namespace
        inf = self._informers
        services = {
            str(((svc.get("metadata") or {}).get("annotations") or {}).get(TEMPLATE_NAME_ANNOTATION, "")): svc
            for svc in inf.services.store.by_index(BY_CONTROLLER_UID, uid)
        }
        return ExperimentInputs(
            experiment=experiment,
            now=self._clock.now(),
            replica_sets=list(inf.replica_sets.store.by_index(BY_CONTROLLER_UID, uid)),
            analysis_runs=_by_name(inf.analysis_runs.store.by_index(BY_NAMESPACE, namespace)),
            analysis_templates=_by_name(inf.analysis_templates.store.by_index(BY_NAMESPACE, namespace)),
            cluster_analysis_templates=_by_name(inf.cluster_analysis_templates.store.list()),
            services=services,
        )

    # -- event handlers -----------------------------------------------------------------------

    def _enqueue(self, obj: Obj) -> None:
        self._queue.add(object_key(obj))

    def _on_delete(self, obj: Obj | DeletedFinalStateUnknown) -> None:
        gone = deleted_object(obj)
        meta = gone.get("metadata") or {}
        self._metrics.forget("experiment", str(meta.get("namespace") or ""), str(meta.get("name") or ""))

    def _enqueue_owner(self, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        for ref in meta.get("ownerReferences") or ():
            if isinstance(ref, dict) and ref.get("controller") and ref.get("kind") == Experiment.KIND:
                self._queue.add(f"{meta.get('namespace')}/{ref.get('name')}")


def _by_name(objs: Any) -> dict[str, Obj]:
    return {str((o.get("metadata") or {}).get("name") or ""): o for o in objs}


# -- wiring ------------------------------------------------------------------------------------


class _InformerFactory(Protocol):
    def informer(self, res: Any, *, label_selector: str | None = None) -> Any: ...

    def replicasets(self) -> Any: ...


def new_experiment_controller(
    *,
    client: Any,
    informers: _InformerFactory,
    clock: Clock,
    metrics: Any,
    threads: int,
    label_selector: str,
) -> ExperimentController:
    """The controller on the process's shared informers and client. ``metrics`` is the process's
    :class:`rollouts.metrics.ControllerMetrics`; ``label_selector`` the ``--instance-id`` selector
    for Experiments and AnalysisRuns (``rollouts.controller.instance``, a layer above this one)."""
    shared = ExperimentInformers(
        experiments=informers.informer(EXPERIMENTS, label_selector=label_selector),
        replica_sets=informers.replicasets(),
        analysis_runs=informers.informer(ANALYSIS_RUNS, label_selector=label_selector),
        services=informers.informer(SERVICES),
        analysis_templates=informers.informer(ANALYSIS_TEMPLATES),
        cluster_analysis_templates=informers.informer(CLUSTER_ANALYSIS_TEMPLATES),
    )
    queue: RateLimitingQueue[str] = RateLimitingQueue(CONTROLLER_NAME, clock=clock, metrics=metrics.workqueue)
    return ExperimentController(
        client=client,
        informers=shared,
        queue=queue,
        clock=clock,
        metrics=metrics.reconcile,
        events=EventRecorder(client, clock),
        threads=threads,
    )
