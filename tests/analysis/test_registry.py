"""Which provider serves a metric, and what is reported when none can."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from rollouts.analysis.cloudwatch import CloudWatchProvider
from rollouts.analysis.datadog import DatadogProvider
from rollouts.analysis.job import JobProvider
from rollouts.analysis.measuring import UnsupportedProvider
from rollouts.analysis.prometheus import PrometheusProvider
from rollouts.analysis.registry import ProviderRegistry
from rollouts.analysis.web import WebProvider
from rollouts.clock import FakeClock
from tests.analysis.builders import metric, run
from tests.analysis.test_job import FakeJobClient


@pytest.mark.parametrize(
    ("provider", "kind"),
    [
        ({"prometheus": {"address": "http://127.0.0.1:1"}}, PrometheusProvider),
        ({"web": {"url": "http://127.0.0.1:1"}}, WebProvider),
        ({"datadog": {"query": "q"}}, DatadogProvider),
        ({"job": {"spec": {}}}, JobProvider),
        ({"cloudWatch": {"metricDataQueries": []}}, CloudWatchProvider),
    ],
)
async def test_lookup_by_configured_source(
    session: aiohttp.ClientSession, clock: FakeClock, provider: dict[str, Any], kind: type
) -> None:
    registry = ProviderRegistry(
        clock=clock, controller_namespace="argo-rollouts", kube=FakeJobClient(), session=session
    )
    assert isinstance(registry.lookup(run(), metric(provider)), kind)


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ({"plugin": {"argoproj-labs/x": {}}}, "plugin provider is not supported by this controller"),
        ({}, "no provider configured"),
    ],
)
async def test_unsupported_sources_are_named(
    session: aiohttp.ClientSession, clock: FakeClock, provider: dict[str, Any], message: str
) -> None:
    registry = ProviderRegistry(clock=clock, controller_namespace="argo-rollouts", session=session)
    with pytest.raises(UnsupportedProvider, match=message):
        registry.lookup(run(), metric(provider))


async def test_job_without_a_client_is_reported(session: aiohttp.ClientSession, clock: FakeClock) -> None:
    registry = ProviderRegistry(clock=clock, controller_namespace="argo-rollouts", session=session)
    with pytest.raises(UnsupportedProvider, match="needs a Kubernetes client"):
        registry.lookup(run(), metric({"job": {"spec": {}}}))


async def test_owned_session_is_closed(clock: FakeClock) -> None:
    async with ProviderRegistry(clock=clock, controller_namespace="argo-rollouts") as registry:
        session = registry._session
    assert session.closed
