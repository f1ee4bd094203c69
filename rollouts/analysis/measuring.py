"""The measurement a provider returns, and the base of every one-request provider.

Invariants:

* a provider never raises for a failure of the outside world: :class:`MeasurementError` (raised
  by provider code and :mod:`.http`) becomes a measurement in phase Error whose message is the
  error's text with every secret value masked;
* a completed measurement has ``startedAt`` and ``finishedAt``; the value's phase comes from the
  metric's conditions through the pure core, never from the provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollouts.api.analysis import AnalysisPhase, AnalysisRun, Measurement, Metric
from rollouts.core.analysis import measurement_verdict
from rollouts.core.conditions import format_time

#: What a masked secret value is replaced by (upstream's mask).
REDACTED = "*****"


class MeasurementError(Exception):
    """The measurement failed; ``str(err)`` becomes the Error measurement's message."""


class UnsupportedProvider(ValueError):
    """The metric names no provider, or one this build does not support."""


@dataclass(frozen=True, slots=True)
class Reading:
    """What one query returned: ``value`` as written to the measurement, ``result`` as the
    success/failure conditions see it, and optional measurement metadata."""

    value: str
    result: Any
    metadata: dict[str, str] | None = None


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value masked, longest first so no fragment is left."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def started(now: datetime) -> Measurement:
    return Measurement(started_at=format_time(now))


def failed_measurement(
    measurement: Measurement, message: str, now: datetime, secrets: Iterable[str] = ()
) -> Measurement:
    """Upstream's ``MarkMeasurementError``: phase Error, the message, finishedAt now."""
    marked = measurement.model_copy()
    marked.phase = AnalysisPhase.ERROR
    marked.message = redact(message, secrets)
    marked.finished_at = format_time(now)
    return marked


def judged_measurement(
    measurement: Measurement, metric: Metric, reading: Reading, now: datetime, secrets: Iterable[str] = ()
) -> Measurement:
    """The reading's value, its phase from the metric's conditions, finishedAt now."""
    judged = measurement.model_copy()
    judged.value = redact(reading.value, secrets)
    if reading.metadata:
        judged.metadata = {key: redact(value, secrets) for key, value in reading.metadata.items()}
    verdict = measurement_verdict(metric, reading.result)
    judged.phase = verdict.phase
    if verdict.message:
        judged.message = redact(verdict.message, secrets)
    judged.finished_at = format_time(now)
    return judged


class QueryProvider(ABC):
    """A provider that measures with one query and has nothing in flight between reconciles."""

    #: upstream's provider type name (``Prometheus``, ``Web``, …), for logs and metrics labels
    provider_type: str = ""

    def result_metadata(self, metric: Metric, secrets: frozenset[str] = frozenset()) -> dict[str, str] | None:
        """Upstream's ``GetMetadata``: what the reconciler stores in a new metric result's
        ``metadata`` (the resolved query for Prometheus and New Relic), secrets masked."""
        return None

    @abstractmethod
    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        """Query the source; raise :class:`MeasurementError` on any failure."""

    async def run(
        self, run: AnalysisRun, metric: Metric, now: datetime, *, secrets: frozenset[str] = frozenset()
    ) -> Measurement:
        measurement = started(now)
        try:
            reading = await self.read(run, metric)
        except MeasurementError as err:
            return failed_measurement(measurement, str(err), now, secrets)
        return judged_measurement(measurement, metric, reading, now, secrets)

    async def resume(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        # nothing is ever in flight for a one-query provider
        return measurement

    async def terminate(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        return measurement
