"""How the process builds the AnalysisRun controller and its providers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from rollouts.analysis.measuring import UnsupportedProvider
from rollouts.analysis.web import WebProvider
from rollouts.api.analysis import AnalysisRun, Metric
from rollouts.clock import FakeClock
from rollouts.controller.main import registry
from rollouts.k8s.resources import ANALYSIS_RUNS
from rollouts.reconcilers.analysis_provider_scope import process_provider_scope
from rollouts.reconcilers.analysisrun import new_analysis_run_controller
from rollouts.workqueue import NoopMetricsProvider
from tests.reconcilers.test_analysisrun_fakes import FakeInformer


@dataclass
class Options:
    instance_id: str = ""
    analysis_threads: int = 7
    namespace: str = "argo-rollouts"


@dataclass
class Informers:
    asked: list[tuple[Any, str | None]] = field(default_factory=list)
    informer_: FakeInformer = field(default_factory=FakeInformer)

    def informer(self, res: Any, *, label_selector: str | None = None) -> FakeInformer:
        self.asked.append((res, label_selector))
        return self.informer_


@dataclass
class Metrics:
    reconcile: Any = None
    workqueue: Any = field(default_factory=NoopMetricsProvider)


@dataclass
class Runtime:
    options: Options = field(default_factory=Options)
    client: Any = None
    informers: Informers = field(default_factory=Informers)
    clock: FakeClock = field(default_factory=FakeClock)
    metrics: Metrics = field(default_factory=Metrics)


def test_the_controller_uses_the_instance_selector_and_analysis_threads() -> None:
    runtime = Runtime()
    controller = new_analysis_run_controller(runtime, label_selector="!some-label")
    assert runtime.informers.asked == [(ANALYSIS_RUNS, "!some-label")]
    assert (controller.name, controller.threads) == ("AnalysisRuns", 7)
    assert len(runtime.informers.informer_.handlers) == 1


def test_the_process_registers_the_analysis_run_controller() -> None:
    assert "analysisruns" in registry().factories


async def test_the_process_scope_serves_registry_providers_and_closes_its_session() -> None:
    scope = process_provider_scope(client=object(), clock=FakeClock(), controller_namespace="argo-rollouts")
    web = Metric.model_validate({"name": "m", "provider": {"web": {"url": "http://127.0.0.1:1"}}})
    async with scope() as lookup:
        provider = lookup(AnalysisRun(), web)
        assert isinstance(provider, WebProvider)
        session = provider._session
        assert not session.closed
        with pytest.raises(UnsupportedProvider):
            lookup(AnalysisRun(), Metric(name="none"))
    assert session.closed

