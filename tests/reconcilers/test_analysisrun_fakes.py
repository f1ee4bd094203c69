"""Fakes for the AnalysisRun controller tests: a recording client, an informer, a scripted provider.

The client applies merge patches to its objects and mirrors AnalysisRun writes into the
informer's cache (as the watch would), without notifying handlers, so that a test sees exactly
the requeues the controller asked for.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rollouts.api.analysis import AnalysisPhase, AnalysisRun, Measurement, Metric
from rollouts.clock import FakeClock
from rollouts.core.analysis import measurement_verdict
from rollouts.core.conditions import format_time
from rollouts.informers.handlers import FuncHandler
from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import ANALYSIS_RUNS, SECRETS, Resource
from rollouts.reconcilers.analysis_providers import UnknownProvider, fixed_scope
from rollouts.reconcilers.analysisrun import AnalysisRunController
from rollouts.workqueue import RateLimitingQueue
from tests.cli.fake import merge_patch as merge

START = datetime(2026, 1, 1, tzinfo=UTC)
NS, NAME = "default", "run"
KEY = f"{NS}/{NAME}"


@dataclass
class Call:
    verb: str
    plural: str
    name: str
    body: Any = None
    subresource: str | None = None


class FakeStore:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.items.get(key)


class FakeInformer:
    def __init__(self) -> None:
        self.store = FakeStore()
        self.handlers: list[FuncHandler] = []

    def add_event_handler(self, handler: FuncHandler) -> None:
        self.handlers.append(handler)


def _not_found(res: Resource, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{res.plural} "{name}" not found')


@dataclass
class FakeKube:
    informer: FakeInformer
    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    status_subresource: bool = True
    #: whether writes reach the informer's cache at once (False: the watch lags behind)
    watch_keeps_up: bool = True

    def put(self, res: Resource, obj: dict[str, Any], *, cache: bool = True) -> None:
        self.objects[(res.plural, obj["metadata"]["name"])] = copy.deepcopy(obj)
        if res is ANALYSIS_RUNS and cache:
            self.informer.store.items[f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"] = (
                copy.deepcopy(obj)
            )

    def events(self) -> list[tuple[str, str, str]]:
        return [
            (c.body["type"], c.body["reason"], c.body["message"]) for c in self.calls if c.plural == "events"
        ]

    def writes(self, plural: str = "analysisruns") -> list[Call]:
        return [c for c in self.calls if c.plural == plural and c.verb != "get"]

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        self.calls.append(Call("get", res.plural, name))
        if (res.plural, name) not in self.objects:
            raise _not_found(res, name)
        return copy.deepcopy(self.objects[(res.plural, name)])

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        self.calls.append(Call("create", res.plural, body["metadata"].get("name", ""), copy.deepcopy(body)))
        return copy.deepcopy(body)

    async def patch(
        self,
        res: Resource,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(Call("patch", res.plural, name, copy.deepcopy(patch), subresource))
        key = (res.plural, name)
        if key not in self.objects or (subresource == "status" and not self.status_subresource):
            raise _not_found(res, name)
        patched = merge(self.objects[key], patch)
        patched["metadata"]["resourceVersion"] = str(int(patched["metadata"].get("resourceVersion", "0")) + 1)
        self.put(res, patched, cache=self.watch_keeps_up)
        return copy.deepcopy(self.objects[key])

    async def delete(self, res: Resource, name: str, namespace: str | None = None, **_: Any) -> None:
        self.calls.append(Call("delete", res.plural, name))
        if self.objects.pop((res.plural, name), None) is None:
            raise _not_found(res, name)
        self.informer.store.items.pop(f"{namespace}/{name}", None)


#: what a scripted provider does for one call: a value (phase from the metric's conditions),
#: a Measurement as is, or an exception to raise
Outcome = Any


@dataclass
class ScriptedProvider:
    """Returns the next scripted outcome per metric; records every call with the metric it got."""

    clock: FakeClock
    script: dict[str, list[Outcome]] = field(default_factory=dict)
    calls: list[tuple[str, Metric, Measurement | None]] = field(default_factory=list)

    def _next(self, metric: Metric) -> Measurement:
        outcome = self.script[metric.name or ""].pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, Measurement):
            return outcome
        now = format_time(self.clock.now())
        verdict = measurement_verdict(metric, outcome)
        return Measurement(
            phase=verdict.phase, value=str(outcome), message=verdict.message, started_at=now, finished_at=now
        )

    async def run(self, run: AnalysisRun, metric: Metric, now: datetime) -> Measurement:
        self.calls.append(("run", metric, None))
        return self._next(metric)

    async def resume(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        self.calls.append(("resume", metric, measurement))
        return self._next(metric)

    async def terminate(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        self.calls.append(("terminate", metric, measurement))
        finished = measurement.model_copy(deep=True)
        finished.phase = AnalysisPhase.SUCCESSFUL.value
        finished.finished_at = format_time(now)
        return finished


def in_flight(clock: FakeClock, resume_in: float = 30) -> Measurement:
    return Measurement(
        phase=AnalysisPhase.RUNNING.value,
        started_at=format_time(clock.now()),
        resume_at=format_time(clock.now() + timedelta(seconds=resume_in)),
    )


@dataclass
class RecordingMetrics:
    observed: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    forgotten: list[tuple[str, str, str]] = field(default_factory=list)

    def observe(self, kind: Any, namespace: str, name: str, seconds: float) -> None:
        self.observed.append((kind, namespace, name))

    def error(self, kind: Any, namespace: str, name: str) -> None:
        self.errors.append((kind, namespace, name))

    def forget(self, kind: Any, namespace: str, name: str) -> None:
        self.forgotten.append((kind, namespace, name))


class Harness:
    def __init__(self, *, lookup: Callable[..., Any] | None = None) -> None:
        self.clock = FakeClock(start=START)
        self.informer = FakeInformer()
        self.kube = FakeKube(self.informer)
        self.provider = ScriptedProvider(self.clock)
        self.metrics = RecordingMetrics()
        self.queue: RateLimitingQueue[str] = RateLimitingQueue("AnalysisRuns", clock=self.clock)
        self.controller = AnalysisRunController(
            client=self.kube,
            informer=self.informer,
            queue=self.queue,
            clock=self.clock,
            metrics=self.metrics,
            providers=fixed_scope(lookup or self._lookup),
            threads=2,
        )

    def _lookup(self, run: AnalysisRun, metric: Metric) -> ScriptedProvider:
        if metric.provider is None or not metric.provider.configured():
            raise UnknownProvider(f"no valid provider in metric '{metric.name}'")
        return self.provider

    def create(self, spec: dict[str, Any], status: dict[str, Any] | None = None, **meta: Any) -> None:
        stored = self.kube.objects.get(("analysisruns", NAME))
        version = int(stored["metadata"]["resourceVersion"]) + 1 if stored else 1  # as the API server
        obj: dict[str, Any] = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisRun",
            "metadata": {
                "name": NAME,
                "namespace": NS,
                "uid": "uid-1",
                "resourceVersion": str(version),
                **meta,
            },
            "spec": spec,
        }
        if status is not None:
            obj["status"] = status
        self.kube.put(ANALYSIS_RUNS, obj)

    def add_secret(self, name: str, data: dict[str, str]) -> None:
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        self.kube.put(SECRETS, {"metadata": {"name": name, "namespace": NS}, "data": encoded})

    @property
    def run(self) -> dict[str, Any]:
        return self.kube.objects[("analysisruns", NAME)]

    @property
    def status(self) -> dict[str, Any]:
        return dict(self.run.get("status") or {})

    def ready(self) -> tuple[str, ...]:
        return self.queue.snapshot().ready

    async def reconcile(self) -> None:
        await self.controller.reconcile(KEY)

    async def reconcile_when_ready(self) -> None:
        """Take the key from the queue (it must be ready now) and reconcile it."""
        assert self.ready() == (KEY,), f"expected the run to be due, queue: {self.queue.snapshot()}"
        key = self.queue.get_nowait()
        try:
            await self.controller.reconcile(key)
        finally:
            self.queue.done(key)


def web_metric(name: str = "m", **fields: Any) -> dict[str, Any]:
    return {"name": name, "provider": {"web": {"url": "http://127.0.0.1:1/health"}}, **fields}
