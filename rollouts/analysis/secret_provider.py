"""The base of one-query providers whose credentials live in a Secret (Datadog, New Relic, …).

The credentials are read once per measurement (no cache: a rotated key takes effect at the
next measurement) and every credential value is masked in the measurement, on top of the
run's own secret arguments.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime

import aiohttp

from rollouts.analysis.credentials import Credentials
from rollouts.analysis.measuring import (
    MeasurementError,
    QueryProvider,
    Reading,
    failed_measurement,
    judged_measurement,
    started,
)
from rollouts.analysis.secrets import SecretSource
from rollouts.api.analysis import AnalysisRun, Measurement, Metric


class SecretBackedProvider(QueryProvider):
    def __init__(
        self, session: aiohttp.ClientSession, secrets: SecretSource | None, controller_namespace: str
    ) -> None:
        self._session = session
        self._secrets = secrets
        #: where upstream looks for provider Secrets (its own namespace)
        self._controller_namespace = controller_namespace

    @abstractmethod
    async def credentials(self, run: AnalysisRun, metric: Metric) -> Credentials:
        """Read this metric's credentials; raise :class:`MeasurementError` when missing."""

    @abstractmethod
    async def read_with(self, run: AnalysisRun, metric: Metric, credentials: Credentials) -> Reading:
        """Query the source with ``credentials``; raise :class:`MeasurementError` on failure."""

    async def read(self, run: AnalysisRun, metric: Metric) -> Reading:
        return await self.read_with(run, metric, await self.credentials(run, metric))

    async def run(
        self, run: AnalysisRun, metric: Metric, now: datetime, *, secrets: frozenset[str] = frozenset()
    ) -> Measurement:
        measurement = started(now)
        masked = set(secrets)
        try:
            credentials = await self.credentials(run, metric)
            masked |= credentials.secret_values
            reading = await self.read_with(run, metric, credentials)
        except MeasurementError as err:
            return failed_measurement(measurement, str(err), now, masked)
        return judged_measurement(measurement, metric, reading, now, masked)
