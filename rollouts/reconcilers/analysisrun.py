"""The AnalysisRun controller: cache → pure assessment → providers → status patch.

Design. The informer (label-filtered by ``--instance-id``) enqueues ``namespace/name`` keys;
``--analysis-threads`` workers call :meth:`AnalysisRunController.reconcile`, which for one run:

1. reads it from the cache (gone → nothing to do; being deleted → left alone);
2. if it completed: deletes it once its ``ttlStrategy`` expired, else requeues at the expiry;
3. resolves its arguments with secrets still unread and validates the result — an unresolvable
   argument ends the run in Error (``Unable to resolve metric arguments: …``), an invalid spec
   likewise (``Analysis spec invalid: …``), as upstream;
4. asks the core what is due (:func:`rollouts.core.analysis.due_measurements`), reads the
   Secrets only if something is, takes the measurements concurrently (:mod:`.analysis_measure`),
   folds them in (``record_measurement``), then assesses the run
   (:func:`rollouts.core.analysis.assess_run`). Measuring before assessing is upstream's order:
   a terminated run stops its in-flight measurements in the same pass that completes it;
5. emits ``Metric<Phase>``/``AnalysisRun<Phase>`` Events, writes the status as a merge patch of
   what changed (:mod:`.analysis_status`), and requeues at the plan's ``requeue_at``.

The reconcile holds no state between calls but the queue: everything it needs is in the cached
object, so any worker may take any key, and a crash loses at most one in-flight measurement
(which the next reconcile measures again). Secret values live only in local variables of step 4.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import structlog

from rollouts.api.analysis import (
    AnalysisPhase,
    AnalysisRun,
    AnalysisRunStatus,
    Measurement,
    Metric,
    MetricResult,
)
from rollouts.api.common import FieldError, ManifestError
from rollouts.api.validation_analysis import validate_analysis_run
from rollouts.clock import Clock
from rollouts.core.analysis import (
    AnalysisPlan,
    MetricTask,
    assess_run,
    due_measurements,
    is_terminating,
    record_measurement,
)
from rollouts.core.analysis.run_status import SPEC_INVALID_PREFIX
from rollouts.core.analysis.selection import dry_run_metric_names
from rollouts.informers.handlers import DeletedFinalStateUnknown, FuncHandler, deleted_object
from rollouts.informers.reflector import newer_or_equal
from rollouts.informers.store import object_key, split_key
from rollouts.k8s.errors import ApiError, is_not_found
from rollouts.k8s.resources import ANALYSIS_RUNS, SECRETS
from rollouts.reconcilers.analysis_args import (
    ArgumentError,
    ResolvedArgs,
    placeholder_args,
    read_args,
    substitute,
)
from rollouts.reconcilers.analysis_events import Event, metric_completed, run_completed
from rollouts.reconcilers.analysis_measure import (
    DEFAULT_CONCURRENCY,
    MeasurementJob,
    collect_garbage,
    take_measurements,
)
from rollouts.reconcilers.analysis_providers import (
    MeasurementProvider,
    ProviderScope,
    UnknownProvider,
    fixed_scope,
)
from rollouts.reconcilers.analysis_status import status_patch
from rollouts.reconcilers.analysis_ttl import ttl_expiry
from rollouts.reconcilers.events import EventRecorder
from rollouts.workqueue import RateLimitingQueue

log = structlog.get_logger("rollouts.reconcilers.analysisrun")

CONTROLLER_NAME = "AnalysisRuns"
UNRESOLVED_ARGS_PREFIX = "Unable to resolve metric arguments: "

Obj = dict[str, Any]


class RunCache(Protocol):
    def get(self, key: str) -> Obj | None: ...


class RunInformer(Protocol):
    @property
    def store(self) -> RunCache: ...

    def add_event_handler(self, handler: FuncHandler) -> None: ...


class ReconcileRecorder(Protocol):
    """The slice of :class:`rollouts.metrics.reconcile.ReconcileMetrics` used here."""

    def observe(self, kind: Any, namespace: str, name: str, seconds: float) -> None: ...

    def error(self, kind: Any, namespace: str, name: str) -> None: ...

    def forget(self, kind: Any, namespace: str, name: str) -> None: ...


class AnalysisClient(Protocol):
    async def get(self, res: Any, name: str, namespace: str | None = None) -> Obj: ...

    async def create(self, res: Any, body: Obj, namespace: str | None = None) -> Obj: ...

    async def patch(
        self, res: Any, name: str, patch: Any, namespace: str | None = None, **kw: Any
    ) -> Obj: ...

    async def delete(self, res: Any, name: str, namespace: str | None = None, **kw: Any) -> None: ...


class _SpecFailure(Exception):
    """The run cannot proceed: it ends in Error with this message."""


class AnalysisRunController:
    def __init__(
        self,
        *,
        client: AnalysisClient,
        informer: RunInformer,
        queue: RateLimitingQueue[str],
        clock: Clock,
        metrics: ReconcileRecorder,
        providers: ProviderScope,
        threads: int = 30,
        measurement_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self._client = client
        self._cache = informer.store
        self._queue = queue
        self._clock = clock
        self._metrics = metrics
        self._providers = providers
        self._threads = threads
        self._concurrency = measurement_concurrency
        self._events = EventRecorder(client, clock)
        # Whether the AnalysisRun CRD has a status subresource: this project's CRDs do,
        # upstream's do not; learnt from the first write (404 on /status).
        self._status_subresource = True
        #: key -> the run as our last status write returned it, until the cache catches up: a
        #: requeue can come before the watch event, and a stale status would measure again.
        self._written: dict[str, Obj] = {}
        informer.add_event_handler(
            FuncHandler(add=self._enqueue, update=self._on_update, delete=self._on_delete)
        )

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

    # -- informer handlers --------------------------------------------------------------------

    def _enqueue(self, obj: Obj) -> None:
        self._queue.add(object_key(obj))

    def _on_update(self, _old: Obj, new: Obj) -> None:
        self._enqueue(new)

    def _on_delete(self, obj: Obj | DeletedFinalStateUnknown) -> None:
        gone = deleted_object(obj)
        key = object_key(gone)
        namespace, name = split_key(key)
        self._metrics.forget("analysis_run", namespace or "", name)
        self._queue.forget(key)
        self._written.pop(key, None)

    # -- reconcile ----------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        cached = self._cache.get(key)
        if cached is None:
            self._written.pop(key, None)
            return  # deleted: its metrics were dropped by the delete handler
        obj = self._freshest(key, cached)
        namespace, name = split_key(key)
        started = self._clock.monotonic()
        try:
            await self._reconcile(key, obj)
        except Exception:
            self._metrics.error("analysis_run", namespace or "", name)
            raise
        finally:
            self._metrics.observe("analysis_run", namespace or "", name, self._clock.monotonic() - started)

    def _freshest(self, key: str, cached: Obj) -> Obj:
        written = self._written.get(key)
        if written is None:
            return cached
        written_rv, cached_rv = _resource_version(written), _resource_version(cached)
        if written_rv and written_rv != cached_rv and newer_or_equal(written_rv, cached_rv):
            return written
        del self._written[key]  # the cache has caught up (or moved past our write)
        return cached

    async def _reconcile(self, key: str, obj: Obj) -> None:
        if (obj.get("metadata") or {}).get("deletionTimestamp"):
            return
        try:
            run = AnalysisRun.from_dict(obj)
        except ManifestError as exc:
            await self._end_in_error(key, obj, AnalysisRunStatus(), f"{SPEC_INVALID_PREFIX}{exc}")
            return
        now = self._clock.now()
        status = run.status or AnalysisRunStatus()
        if AnalysisPhase.is_completed(status.phase):
            await self._collect_if_expired(key, run, now)
            return
        try:
            scheduled = _with_metrics(run, _resolve_without_secrets(run))
        except _SpecFailure as failure:
            await self._end_in_error(key, obj, status, str(failure))
            return
        tasks = due_measurements(_for_scheduling(scheduled), now)
        if tasks:
            try:
                args = await self._read_args(run)
                jobs = [_job(task, _metric_named(run, task.metric.name), args) for task in tasks]
            except _SpecFailure as failure:
                await self._end_in_error(key, obj, status, str(failure))
                return
            async with self._providers() as lookup:
                measurements = await take_measurements(
                    run, jobs, lookup, self._clock, args.secrets, limit=self._concurrency
                )
                now = self._clock.now()
                recorded = _recorded(scheduled, tasks, measurements, now)
                scheduled = scheduled.model_copy(update={"status": recorded})
                await collect_garbage(run, [job.metric for job in jobs], recorded, lookup)
        plan = assess_run(scheduled, now)
        # status first: a failed write is retried, and must not announce the same thing twice
        await self._write_status(key, obj, plan.status)
        await self._announce(obj, status, plan)
        self._requeue(key, plan.requeue_at)
        if AnalysisPhase.is_completed(plan.status.phase):
            self._requeue(key, ttl_expiry(scheduled.model_copy(update={"status": plan.status})))

    # -- steps --------------------------------------------------------------------------------

    async def _read_args(self, run: AnalysisRun) -> ResolvedArgs:
        try:
            return await read_args(run.spec.args or [], run.namespace, self._read_secret)
        except ArgumentError as exc:
            raise _SpecFailure(f"{UNRESOLVED_ARGS_PREFIX}{exc}") from None
        except ApiError as exc:
            if is_not_found(exc):
                raise _SpecFailure(f"{UNRESOLVED_ARGS_PREFIX}{exc.message}") from None
            raise  # a transient API failure: retried with backoff, the run is not failed for it

    async def _read_secret(self, namespace: str, name: str) -> Obj:
        return await self._client.get(SECRETS, name, namespace)

    async def _collect_if_expired(self, key: str, run: AnalysisRun, now: datetime) -> None:
        expiry = ttl_expiry(run)
        if expiry is None:
            return
        if now < expiry:
            self._requeue(key, expiry)
            return
        log.info("deleting AnalysisRun past its TTL", namespace=run.namespace, name=run.name)
        try:
            await self._client.delete(ANALYSIS_RUNS, run.name, run.namespace)
        except ApiError as exc:
            if not is_not_found(exc):
                raise

    async def _end_in_error(self, key: str, obj: Obj, status: AnalysisRunStatus, message: str) -> None:
        meta = obj.get("metadata") or {}
        log.warning(
            "AnalysisRun ends in Error", namespace=meta.get("namespace"), name=meta.get("name"), why=message
        )
        ended = status.model_copy(deep=True)
        ended.phase = AnalysisPhase.ERROR.value
        ended.message = message
        if ended.metric_results is None:
            ended.metric_results = []
        await self._write_status(key, obj, ended)
        await self._event(obj, run_completed(AnalysisPhase.ERROR.value))

    async def _announce(self, obj: Obj, before: AnalysisRunStatus, plan: AnalysisPlan) -> None:
        for change in plan.metric_transitions:
            if AnalysisPhase.is_completed(change.new_phase):
                await self._event(obj, metric_completed(change.name, change.new_phase))
        phase = plan.status.phase
        if AnalysisPhase.is_completed(phase) and not AnalysisPhase.is_completed(before.phase):
            await self._event(obj, run_completed(str(phase)))

    async def _event(self, obj: Obj, event: Event) -> None:
        await self._events.emit(obj, event.type, event.reason, event.message)

    async def _write_status(self, key: str, obj: Obj, status: AnalysisRunStatus) -> None:
        patch = status_patch(obj.get("status"), status.to_dict())
        if patch is None:
            return
        meta = obj.get("metadata") or {}
        name, namespace = meta.get("name", ""), meta.get("namespace")
        if self._status_subresource:
            try:
                self._written[key] = await self._client.patch(
                    ANALYSIS_RUNS, name, patch, namespace, subresource="status"
                )
                return
            except ApiError as exc:
                if not is_not_found(exc):
                    raise
            # upstream's CRD has no status subresource: /status is 404 while the object exists
            self._status_subresource = False
        try:
            self._written[key] = await self._client.patch(ANALYSIS_RUNS, name, patch, namespace)
        except ApiError as exc:
            if is_not_found(exc):
                self._status_subresource = True  # the object itself is gone: nothing was learnt
                return
            raise

    def _requeue(self, key: str, at: datetime | None) -> None:
        if at is None:
            return
        delay = (at - self._clock.now()).total_seconds()
        self._queue.add_after(key, max(0.0, delay))


# -- pure helpers ------------------------------------------------------------------------------


def _resource_version(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def _spec_invalid(errors: list[FieldError]) -> str:
    """Upstream names the metric (``metrics[0]: <message>``); other fields by their path."""
    first = errors[0]
    path = first.path.removeprefix("spec.")
    if path.startswith("metrics["):
        path = path[: path.index("]") + 1]
    return f"{SPEC_INVALID_PREFIX}{path + ': ' if path else ''}{first.message}"


def _resolve_without_secrets(run: AnalysisRun) -> list[Metric]:
    """The metrics with arguments substituted (secrets as placeholders), validated."""
    placeholders = placeholder_args(run.spec.args or [])
    try:
        metrics = [substitute(metric, placeholders) for metric in run.spec.metrics or []]
    except ArgumentError as exc:
        raise _SpecFailure(f"{UNRESOLVED_ARGS_PREFIX}{exc}") from None
    errors = validate_analysis_run(_with_metrics(run, metrics))
    if errors:
        raise _SpecFailure(_spec_invalid(errors))
    return metrics


def _with_metrics(run: AnalysisRun, metrics: list[Metric]) -> AnalysisRun:
    spec = run.spec.model_copy(update={"metrics": metrics})
    return run.model_copy(update={"spec": spec})


def _metric_named(run: AnalysisRun, name: str | None) -> Metric:
    for metric in run.spec.metrics or []:
        if metric.name == name:
            return metric
    raise _SpecFailure(f"{SPEC_INVALID_PREFIX}no metric named '{name}'")  # unreachable after validation


def _job(task: MetricTask, written: Metric, args: ResolvedArgs) -> MeasurementJob:
    try:
        metric = substitute(written, args)
    except ArgumentError as exc:
        raise _SpecFailure(f"{UNRESOLVED_ARGS_PREFIX}{exc}") from None
    return MeasurementJob(metric, in_flight=task.resume, terminate=task.terminate)


def _for_scheduling(run: AnalysisRun) -> AnalysisRun:
    """The run as the scheduler should see it. A terminating run stops its in-flight measurements
    at once, whatever their ``resumeAt`` (upstream skips the wait when terminating)."""
    if not is_terminating(run) or run.status is None:
        return run
    status = run.status.model_copy(deep=True)
    for result in status.metric_results or []:
        last = result.measurements[-1] if result.measurements else None
        if last is not None and last.finished_at is None and last.resume_at is not None:
            result.measurements[-1] = last.model_copy(update={"resume_at": None})  # type: ignore[index]
    return run.model_copy(update={"status": status})


def _recorded(
    run: AnalysisRun, tasks: list[MetricTask], measurements: list[Measurement], now: datetime
) -> AnalysisRunStatus:
    """The run's status with each task's measurement folded into its metric result (upstream
    measures before assessing, so a terminating run's in-flight measurements are stopped
    before the run completes)."""
    status = (run.status or AnalysisRunStatus()).model_copy(deep=True)
    dry = dry_run_metric_names(run.spec)
    results: list[MetricResult] = list(status.metric_results or [])
    index = {result.name: i for i, result in enumerate(results)}
    for task, measurement in zip(tasks, measurements, strict=True):
        name = task.metric.name or ""
        at = index.get(name)
        updated = record_measurement(
            results[at] if at is not None else None,
            name,
            measurement,
            now,
            resumed=task.resume is not None,
            terminated=task.terminate,
            dry_run=name in dry,
        )
        if at is None:
            index[name] = len(results)
            results.append(updated)
        else:
            results[at] = updated
    status.metric_results = results
    return status


# -- wiring ------------------------------------------------------------------------------------


class _Options(Protocol):
    @property
    def instance_id(self) -> str: ...

    @property
    def analysis_threads(self) -> int: ...


class _InformerFactory(Protocol):
    def informer(self, res: Any, *, label_selector: str | None = None) -> Any: ...


class _Metrics(Protocol):
    @property
    def reconcile(self) -> Any: ...

    @property
    def workqueue(self) -> Any: ...


class ControllerRuntime(Protocol):
    """What :func:`new_analysis_run_controller` reads of :class:`rollouts.controller.Runtime`."""

    @property
    def options(self) -> _Options: ...

    @property
    def client(self) -> Any: ...

    @property
    def informers(self) -> Any: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def metrics(self) -> _Metrics: ...


def no_provider(_run: AnalysisRun, metric: Metric) -> MeasurementProvider:
    """The lookup used when no provider registry is available: every measurement is an Error."""
    raise UnknownProvider(f"no valid provider in metric '{metric.name}'")


def new_analysis_run_controller(
    runtime: ControllerRuntime, *, label_selector: str, providers: ProviderScope | None = None
) -> AnalysisRunController:
    """The controller on the process's shared informer and client. ``label_selector`` is the
    ``--instance-id`` selector (``rollouts.controller.instance``, a layer above this one)."""
    informers: _InformerFactory = runtime.informers
    informer = informers.informer(ANALYSIS_RUNS, label_selector=label_selector)
    queue: RateLimitingQueue[str] = RateLimitingQueue(
        CONTROLLER_NAME, clock=runtime.clock, metrics=runtime.metrics.workqueue
    )
    return AnalysisRunController(
        client=runtime.client,
        informer=informer,
        queue=queue,
        clock=runtime.clock,
        metrics=runtime.metrics.reconcile,
        providers=providers or fixed_scope(no_provider),
        threads=runtime.options.analysis_threads,
    )
