"""What the AnalysisRun reconciler needs of a metric provider (upstream's ``metricproviders.Provider``).

The providers themselves live in :mod:`rollouts.analysis`; this module states the shape the
reconciler calls, so that it depends on a contract rather than on one provider's module:

* ``run`` takes a new measurement of the (argument-resolved) metric and returns it with its phase
  decided — Running with ``resumeAt`` for asynchronous providers (Job, Kayenta…);
* ``resume`` polls an in-flight measurement; ``terminate`` stops one (the run is terminating);
* optionally ``async garbage_collect(run, limit)`` deletes what the provider created for
  measurements beyond the newest ``limit`` (the Job provider's Jobs); it is called when the
  metric's measurement history is trimmed;
* every call bounds its own network time and reports failure as an Error measurement; the
  reconciler still turns an exception into an Error measurement rather than losing the run.

A :data:`ProviderLookup` returns the provider for a metric, raising :class:`UnknownProvider`
(a ValueError) when none is configured or supported; its message becomes the measurement's.

Providers may hold resources (an HTTP session) that must be closed: the reconciler therefore
asks a :data:`ProviderScope` for a lookup around each batch of measurements
(``async with scope() as lookup:``) and the scope closes what it opened when the batch ends.
:func:`fixed_scope` wraps a lookup that holds nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Protocol

from rollouts.api.analysis import AnalysisRun, Measurement, Metric


class UnknownProvider(ValueError):
    """No provider for the metric (none configured, or not supported by this build)."""


class MeasurementProvider(Protocol):
    async def run(self, run: AnalysisRun, metric: Metric, now: datetime) -> Measurement: ...

    async def resume(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement: ...

    async def terminate(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement: ...


ProviderLookup = Callable[[AnalysisRun, Metric], MeasurementProvider]
ProviderScope = Callable[[], AbstractAsyncContextManager[ProviderLookup]]


def fixed_scope(lookup: ProviderLookup) -> ProviderScope:
    """A scope that hands out ``lookup`` and has nothing to close."""

    @asynccontextmanager
    async def scope() -> AsyncIterator[ProviderLookup]:
        yield lookup

    return scope
