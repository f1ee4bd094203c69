"""Taking the due measurements of one reconcile: concurrently, bounded, never raising.

Each :class:`MeasurementJob` is one metric (arguments already substituted, secrets included) and
what to do with it: ``run`` a new measurement, ``resume`` the in-flight one, or ``terminate`` it.
All jobs of a reconcile run in one TaskGroup, at most ``limit`` at a time; the group ends before
:func:`take_measurements` returns, so no task outlives the reconcile.

Invariants:

* every job yields exactly one Measurement — a provider that cannot be found or that raises
  gives an Error measurement carrying the message (and the in-flight one's ``startedAt``);
* a provider call is also bounded here (``backstop_seconds``), in case a provider's own
  timeout fails; cancellation of the reconcile itself still propagates;
* secret values never leave this function unredacted in a message, value or metadata.

:func:`collect_garbage` is upstream's ``garbageCollectMeasurements`` hook: when a metric holds
more measurements than it keeps (the core trims the list), a provider that leaves objects
behind (Job) deletes the ones beyond the limit. A failure is logged, never raised (upstream
logs it and carries on: the next trim retries).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import structlog

from rollouts.analysis.measuring import redact
from rollouts.api.analysis import AnalysisPhase, AnalysisRun, AnalysisRunStatus, Measurement, Metric
from rollouts.clock import Clock
from rollouts.core.analysis.selection import measurement_limit
from rollouts.core.conditions import format_time
from rollouts.reconcilers.analysis_providers import ProviderLookup

log = structlog.get_logger("rollouts.reconcilers.analysisrun")

DEFAULT_CONCURRENCY = 10
DEFAULT_BACKSTOP_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class MeasurementJob:
    metric: Metric
    in_flight: Measurement | None = None
    terminate: bool = False


async def take_measurements(
    run: AnalysisRun,
    jobs: list[MeasurementJob],
    providers: ProviderLookup,
    clock: Clock,
    secrets: Iterable[str] = (),
    *,
    limit: int = DEFAULT_CONCURRENCY,
    backstop_seconds: float = DEFAULT_BACKSTOP_SECONDS,
) -> list[Measurement]:
    """One measurement per job, in the jobs' order."""
    secret_values = tuple(secrets)
    gate = asyncio.Semaphore(max(1, limit))
    results: list[Measurement | None] = [None] * len(jobs)

    async def one(index: int, job: MeasurementJob) -> None:
        async with gate:
            measurement = await _measure(run, job, providers, clock, backstop_seconds)
        results[index] = _redacted(measurement, secret_values)

    async with asyncio.TaskGroup() as group:
        for index, job in enumerate(jobs):
            group.create_task(one(index, job), name=f"measure-{job.metric.name}")
    return [m for m in results if m is not None]


async def _measure(
    run: AnalysisRun, job: MeasurementJob, providers: ProviderLookup, clock: Clock, backstop: float
) -> Measurement:
    now = clock.now()
    try:
        provider = providers(run, job.metric)
        async with asyncio.timeout(backstop):
            if job.in_flight is None:
                return await provider.run(run, job.metric, now)
            if job.terminate:
                return await provider.terminate(run, job.metric, job.in_flight, now)
            return await provider.resume(run, job.metric, job.in_flight, now)
    except TimeoutError:
        return _error(job, now, f"measurement did not complete within {backstop:g}s")
    except Exception as exc:  # a provider bug must not lose the run: it becomes an Error measurement
        log.warning("measurement failed", metric=job.metric.name, error_type=type(exc).__name__)
        return _error(job, now, str(exc) or type(exc).__name__)


def _error(job: MeasurementJob, now: datetime, message: str) -> Measurement:
    # the in-flight measurement's fields but its resumeAt: an Error is not polled again
    kept = {k: v for k, v in (job.in_flight.to_dict() if job.in_flight else {}).items() if k != "resumeAt"}
    base = Measurement.model_validate(kept)
    if base.started_at is None:
        base.started_at = format_time(now)
    base.phase = AnalysisPhase.ERROR.value
    base.message = message
    base.finished_at = format_time(now)
    return base


def _redacted(measurement: Measurement, secrets: tuple[str, ...]) -> Measurement:
    if not secrets:
        return measurement
    clean = measurement.model_copy(deep=True)
    if clean.message is not None:
        clean.message = redact(clean.message, secrets)
    if clean.value is not None:
        clean.value = redact(clean.value, secrets)
    if clean.metadata:
        clean.metadata = {key: redact(value, secrets) for key, value in clean.metadata.items()}
    return clean


async def collect_garbage(
    run: AnalysisRun, metrics: list[Metric], status: AnalysisRunStatus, providers: ProviderLookup
) -> None:
    """Let providers delete what they created for measurements beyond each metric's limit."""
    counts = {r.name: len(r.measurements or []) for r in status.metric_results or []}
    for metric in metrics:
        limit = measurement_limit(run.spec, metric.name or "")
        if counts.get(metric.name, 0) <= limit:
            continue
        try:
            provider = providers(run, metric)
            collect = getattr(provider, "garbage_collect", None)
            if collect is not None:
                await collect(run, limit)
        except Exception as exc:
            log.warning("garbage collection failed", metric=metric.name, error=str(exc) or type(exc).__name__)
