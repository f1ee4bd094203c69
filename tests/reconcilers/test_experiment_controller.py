"""The Experiment controller against real stores and queue, a recording fake API client, a fake clock."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from rollouts.clock import FakeClock
from rollouts.informers.handlers import FuncHandler
from rollouts.informers.store import Store, object_key
from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import (
    ANALYSIS_RUNS,
    ANALYSIS_TEMPLATES,
    CLUSTER_ANALYSIS_TEMPLATES,
    EXPERIMENTS,
    REPLICASETS,
    SERVICES,
    Resource,
)
from rollouts.metrics import ControllerMetrics
from rollouts.reconcilers.experiment import (
    ExperimentController,
    ExperimentInformers,
    new_experiment_controller,
)
from rollouts.workqueue import RateLimitingQueue
from tests.core.experiment.world import T0, experiment_doc, template_doc

Obj = dict[str, Any]


class FakeInformer:
    def __init__(self) -> None:
        self.store = Store()
        self.handlers: list[FuncHandler] = []

    def add_event_handler(self, handler: FuncHandler) -> None:
        self.handlers.append(handler)

    def put(self, obj: Obj) -> None:
        old = self.store.upsert(copy.deepcopy(obj))
        for h in self.handlers:
            if old is None:
                h.on_add(obj)
            else:
                h.on_update(old, obj)


@dataclass
class FakeClient:
    """Records every call; writes land in the informers (as a watch would deliver them) and the
    ReplicaSet controller is simulated: every scaled ReplicaSet's pods are ready at once."""

    informers: dict[str, FakeInformer]
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    fail: dict[tuple[str, str], ApiError] = field(default_factory=dict)
    version: int = 0

    def _inf(self, res: Resource) -> FakeInformer:
        return self.informers[res.plural]

    def _check(self, verb: str, res: Resource) -> None:
        err = self.fail.get((verb, res.plural))
        if err is not None:
            raise err

    def _stamp(self, obj: Obj) -> Obj:
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        if obj.get("kind") == "ReplicaSet":
            want = obj["spec"]["replicas"]
            obj["status"] = {"replicas": want, "readyReplicas": want, "availableReplicas": want}
        return obj

    async def create(self, res: Resource, body: Obj, namespace: str | None = None) -> Obj:
        self.calls.append(("create", res.plural, body["metadata"]["name"]))
        self._check("create", res)
        obj = self._stamp(copy.deepcopy(body))
        self._inf(res).put(obj)
        return obj

    async def patch(
        self, res: Resource, name: str, patch: Any, namespace: str | None = None, **kw: Any
    ) -> Obj:
        self.calls.append(("patch", res.plural, name))
        self._check("patch", res)
        obj = copy.deepcopy(self._inf(res).store.get(f"{namespace}/{name}"))
        assert obj is not None, f"patch of a missing {res.plural} {name}"
        _merge(obj, patch)
        self._inf(res).put(self._stamp(obj))
        return obj

    async def delete(self, res: Resource, name: str, namespace: str | None = None, **kw: Any) -> None:
        self.calls.append(("delete", res.plural, name))
        self._inf(res).store.delete(f"{namespace}/{name}")

    async def replace_status(self, res: Resource, body: Obj) -> Obj:
        self.calls.append(("replace_status", res.plural, body["metadata"]["name"]))
        self._check("replace_status", res)
        current = self._inf(res).store.get(object_key(body))
        assert current is not None
        if current["metadata"].get("resourceVersion") != body["metadata"].get("resourceVersion"):
            raise ApiError(409, "Conflict", "the object has been modified")
        obj = self._stamp(copy.deepcopy(body))
        self._inf(res).put(obj)
        return obj

    async def replace(self, res: Resource, body: Obj) -> Obj:
        self.calls.append(("replace", res.plural, body["metadata"]["name"]))
        obj = self._stamp(copy.deepcopy(body))
        self._inf(res).put(obj)
        return obj

    def writes(self, verb: str, plural: str) -> list[str]:
        return [name for v, p, name in self.calls if v == verb and p == plural]


def _merge(target: Obj, patch: Obj) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


@dataclass
class RecordingMetrics:
    observed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)

    def observe(self, kind: Any, namespace: str, name: str, seconds: float) -> None:
        self.observed.append(f"{kind}:{namespace}/{name}")

    def error(self, kind: Any, namespace: str, name: str) -> None:
        self.errors.append(f"{kind}:{namespace}/{name}")

    def forget(self, kind: Any, namespace: str, name: str) -> None:
        self.forgotten.append(f"{kind}:{namespace}/{name}")


@dataclass
class RecordingEvents:
    events: list[tuple[str, str, str]] = field(default_factory=list)

    async def emit(self, obj: Any, event_type: str, reason: str, message: str) -> None:
        self.events.append((event_type, reason, message))


@dataclass
class Harness:
    controller: ExperimentController
    client: FakeClient
    informers: dict[str, FakeInformer]
    clock: FakeClock
    metrics: RecordingMetrics
    events: RecordingEvents
    queue: RateLimitingQueue[str]

    def experiment(self) -> Obj:
        obj = self.informers["experiments"].store.get("ns/ex")
        assert obj is not None
        return obj

    def replica_sets(self) -> dict[str, Obj]:
        return {o["metadata"]["name"]: o for o in self.informers["replicasets"].store.list()}

    async def drain(self) -> list[str]:
        """Reconcile every key ready in the queue once; the keys handled, in order."""
        handled = []
        while self.queue.snapshot().ready:
            key = self.queue.get_nowait()
            handled.append(key)
            try:
                await self.controller.reconcile(key)
            finally:
                self.queue.done(key)
        return handled

    async def run_until(self, predicate: Any, *, seconds: float = 120, tick: float = 1.0) -> None:
        waited = 0.0
        while waited <= seconds:
            await self.drain()
            if predicate():
                return
            await self.clock.advance(tick)
            waited += tick
        raise AssertionError(f"not reached; status={self.experiment().get('status')}")


@pytest.fixture
async def harness() -> Harness:
    names = [
        "experiments",
        "replicasets",
        "analysisruns",
        "services",
        "analysistemplates",
        "clusteranalysistemplates",
    ]
    infs = {n: FakeInformer() for n in names}
    clock = FakeClock(start=T0)
    queue: RateLimitingQueue[str] = RateLimitingQueue("Experiments", clock=clock)
    client = FakeClient(infs)
    metrics, events = RecordingMetrics(), RecordingEvents()
    controller = ExperimentController(
        client=client,
        informers=ExperimentInformers(
            experiments=infs["experiments"],
            replica_sets=infs["replicasets"],
            analysis_runs=infs["analysisruns"],
            services=infs["services"],
            analysis_templates=infs["analysistemplates"],
            cluster_analysis_templates=infs["clusteranalysistemplates"],
        ),
        queue=queue,
        clock=clock,
        metrics=metrics,
        events=events,
        threads=3,
    )
    return Harness(controller, client, infs, clock, metrics, events, queue)


def _add_experiment(h: Harness, **spec: Any) -> None:
    doc = experiment_doc(**spec)
    doc["metadata"]["resourceVersion"] = "1"
    h.informers["experiments"].put(doc)


async def test_controller_protocol_fields(harness: Harness) -> None:
    assert (harness.controller.name, harness.controller.threads) == ("Experiments", 3)
    assert harness.controller.queue is harness.queue


async def test_new_experiment_creates_its_replica_sets_and_writes_pending(harness: Harness) -> None:
    _add_experiment(harness, duration="10s")
    assert harness.queue.get_nowait() == "ns/ex"
    await harness.controller.reconcile("ns/ex")
    assert harness.client.writes("create", "replicasets") == ["ex-a", "ex-b"]
    assert harness.client.calls[-1] == ("replace_status", "experiments", "ex")
    assert harness.experiment()["status"]["phase"] == "Pending"
    assert harness.metrics.observed == ["experiment:ns/ex"]
    assert harness.metrics.errors == []


async def test_a_settled_experiment_stops_writing(harness: Harness) -> None:
    _add_experiment(harness)
    handled = await harness.drain()  # each write's watch event re-enqueues it, until nothing changes
    assert 2 <= len(handled) <= 6
    assert harness.experiment()["status"]["phase"] == "Running"
    calls = len(harness.client.calls)
    await harness.controller.reconcile("ns/ex")
    assert len(harness.client.calls) == calls


async def test_owned_replica_set_change_enqueues_its_experiment(harness: Harness) -> None:
    _add_experiment(harness)
    await harness.drain()
    rs = copy.deepcopy(harness.replica_sets()["ex-a"])
    rs["status"] = {"replicas": 1}
    harness.informers["replicasets"].put(rs)
    assert harness.queue.snapshot().ready == ("ns/ex",)
    stranger = {
        "metadata": {
            "name": "other",
            "namespace": "ns",
            "ownerReferences": [{"kind": "Rollout", "name": "r", "controller": True}],
        }
    }
    await harness.drain()
    harness.informers["replicasets"].put(stranger)
    assert harness.queue.snapshot().ready == ()


async def test_experiment_runs_its_duration_succeeds_and_scales_to_zero(harness: Harness) -> None:
    _add_experiment(harness, duration="10s", scaleDownDelaySeconds=5)
    await harness.run_until(lambda: harness.experiment()["status"].get("phase") == "Running")
    assert all(rs["spec"]["replicas"] == 1 for rs in harness.replica_sets().values())
    # the requeue for the duration's end is what wakes it: nothing else changes meanwhile
    assert harness.queue.snapshot().waiting >= 1
    await harness.run_until(lambda: harness.experiment()["status"]["phase"] == "Successful", tick=2)
    await harness.run_until(
        lambda: all(rs["spec"]["replicas"] == 0 for rs in harness.replica_sets().values()), tick=2
    )
    reasons = [reason for _, reason, _ in harness.events.events]
    assert reasons.count("TemplateRunning") == 2
    assert reasons.count("TemplateSuccessful") == 2
    assert "ScalingReplicaSet" in reasons
    for rs in harness.replica_sets().values():
        assert "scale-down-deadline" in rs["metadata"]["annotations"]


async def test_failing_write_fails_the_reconcile_and_leaves_the_status(harness: Harness) -> None:
    _add_experiment(harness)
    harness.client.fail[("create", "replicasets")] = ApiError(500, "InternalError", "boom")
    with pytest.raises(ApiError):
        await harness.controller.reconcile("ns/ex")
    assert "status" not in harness.experiment()
    assert harness.metrics.errors == ["experiment:ns/ex"]


async def test_already_existing_replica_set_is_not_an_error(harness: Harness) -> None:
    _add_experiment(harness)
    harness.client.fail[("create", "replicasets")] = ApiError(409, "AlreadyExists", "exists")
    await harness.controller.reconcile("ns/ex")
    assert harness.experiment()["status"]["phase"] == "Pending"


async def test_status_without_subresource_falls_back_to_replacing_the_object(harness: Harness) -> None:
    _add_experiment(harness)
    harness.client.fail[("replace_status", "experiments")] = ApiError(404, "NotFound", "no status")
    await harness.controller.reconcile("ns/ex")
    assert harness.client.writes("replace", "experiments") == ["ex"]
    assert harness.experiment()["status"]["phase"] == "Pending"


async def test_experiment_that_does_not_load_is_left_alone(harness: Harness) -> None:
    doc = experiment_doc(templates=[template_doc("a")])
    doc["spec"]["bogus"] = 1
    harness.informers["experiments"].put(doc)
    await harness.controller.reconcile("ns/ex")
    assert harness.client.calls == []


async def test_deleted_experiment_is_skipped_and_its_metrics_dropped(harness: Harness) -> None:
    await harness.controller.reconcile("ns/missing")
    assert harness.client.calls == []
    _add_experiment(harness)
    for h in harness.informers["experiments"].handlers:
        h.on_delete(harness.experiment())
    assert harness.metrics.forgotten == ["experiment:ns/ex"]


async def test_analysis_run_created_once_available_and_its_failure_fails_the_experiment(
    harness: Harness,
) -> None:
    harness.informers["analysistemplates"].put(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "tpl", "namespace": "ns"},
            "spec": {"metrics": [{"name": "m", "provider": {"job": {"spec": {}}}}]},
        }
    )
    _add_experiment(harness, analyses=[{"name": "check", "templateName": "tpl"}], scaleDownDelaySeconds=0)
    await harness.run_until(lambda: bool(harness.informers["analysisruns"].store.list()))
    run = copy.deepcopy(harness.informers["analysisruns"].store.get("ns/ex-check"))
    assert run is not None
    run["status"] = {"phase": "Failed", "message": "too slow"}
    harness.informers["analysisruns"].put(run)
    assert "ns/ex" in harness.queue.snapshot().ready
    await harness.run_until(lambda: harness.experiment()["status"]["phase"] == "Failed")
    assert harness.experiment()["status"]["message"] == "too slow"
    await harness.run_until(
        lambda: all(rs["spec"]["replicas"] == 0 for rs in harness.replica_sets().values())
    )
    # a freshly created run has no phase yet, and the experiment copies that (as upstream does)
    assert (
        "Warning",
        "AnalysisRunFailed",
        "AnalysisRun 'check' transitioned from  -> Failed: too slow",
    ) in (harness.events.events)


def test_resources_used_are_the_upstream_kinds() -> None:
    assert (EXPERIMENTS.kind, REPLICASETS.kind, ANALYSIS_RUNS.kind, SERVICES.kind) == (
        "Experiment",
        "ReplicaSet",
        "AnalysisRun",
        "Service",
    )


def test_factory_wires_the_shared_informers_with_the_instance_selector() -> None:
    asked: list[tuple[str, str | None]] = []

    class Factory:
        def informer(self, res: Resource, *, label_selector: str | None = None) -> FakeInformer:
            asked.append((res.plural, label_selector))
            return FakeInformer()

        def replicasets(self) -> FakeInformer:
            asked.append(("replicasets", "rollouts-pod-template-hash"))
            return FakeInformer()

    controller = new_experiment_controller(
        client=FakeClient({}),
        informers=Factory(),
        clock=FakeClock(start=T0),
        metrics=ControllerMetrics("v0"),
        threads=7,
        label_selector="!argo-rollouts.argoproj.io/controller-instance-id",
    )
    assert controller.threads == 7
    selector = "!argo-rollouts.argoproj.io/controller-instance-id"
    assert sorted(asked) == sorted(
        [
            (EXPERIMENTS.plural, selector),
            ("replicasets", "rollouts-pod-template-hash"),
            (ANALYSIS_RUNS.plural, selector),
            (SERVICES.plural, None),
            (ANALYSIS_TEMPLATES.plural, None),
            (CLUSTER_ANALYSIS_TEMPLATES.plural, None),
        ]
    )
