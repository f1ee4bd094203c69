"""Wavefront: the chart API (``/api/v2/chart/api``) at the measurement time, one point per series.

Credentials: the Secret ``wavefront-api-tokens`` in the controller's namespace maps each
Wavefront address to its API token; the metric's ``address`` picks one. The address is a host
(``example.wavefront.com``, reached over https) or a full base URL.

Result as upstream: for each series the datapoint nearest to the measurement time; one series is
a float (value ``"%.2f"``), several a list (``"[1.00,2.00]"``); ``metadata.timestamps`` holds the
chosen points' times and ``metadata.drift`` their distance from now (seconds); server warnings go
to ``metadata.warnings``. No series is an Error.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import aiohttp

from rollouts.analysis.credentials import Credentials, read_credentials
from rollouts.analysis.http import decode_json, expect_object, require_2xx, send
from rollouts.analysis.measuring import MeasurementError, Reading
from rollouts.analysis.secret_provider import SecretBackedProvider
from rollouts.analysis.secrets import SecretSource
from rollouts.api.analysis import AnalysisRun, Metric
from rollouts.clock import Clock

TOKENS_SECRET = "wavefront-api-tokens"
TIMEOUT_SECONDS = 30.0


def nearest_point(points: Any, epoch: float) -> tuple[float, int, int]:
    """(value, its timestamp, timestamp - epoch) of the point nearest ``epoch``; zeros when none."""
    value, stamp, delta = 0.0, 0.0, math.inf
    for point in points or []:
        if not isinstance(point, list) or len(point) != 2:
            raise MeasurementError(f"wavefront: malformed datapoint {point!r}")
        try:
            ts, v = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            raise MeasurementError(f"wavefront: malformed datapoint {point!r}") from None
        if abs(ts - epoch) < abs(delta):
            value, stamp, delta = v, ts, ts - epoch
    return value, int(stamp), int(delta) if math.isfinite(delta) else 0


def reading_of(body: Any, moment: datetime) -> Reading:
    document = expect_object(body, "wavefront")
    metadata: dict[str, str] = {}
    if document.get("warnings"):
        metadata["warnings"] = str(document["warnings"])
    series = document.get("timeseries") or []
    if not series:
        raise MeasurementError("No TimeSeries found in response from Wavefront")
    epoch = float(int(moment.timestamp()))
    picked = [nearest_point(s.get("data") if isinstance(s, dict) else None, epoch) for s in series]
    if len(picked) == 1:
        value, stamp, drift = picked[0]
        metadata.update(timestamps=str(stamp), drift=str(drift))
        return Reading(f"{value:.2f}", value, metadata)
    metadata["timestamps"] = "[" + ",".join(str(p[1]) for p in picked) + "]"
    metadata["drift"] = "[" + ",".join(str(p[2]) for p in picked) + "]"
    return Reading("[" + ",".join(f"{p[0]:.2f}" for p in picked) + "]", [p[0] for p in picked], metadata)


class WavefrontProvider(SecretBackedProvider):
    provider_type = "Wavefront"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        clock: Clock,
        secrets: SecretSource | None,
        controller_namespace: str,
        request_timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(session, secrets, controller_namespace)
        self._request_timeout = request_timeout
        self._clock = clock

    async def credentials(self, run: AnalysisRun, metric: Metric) -> Credentials:
        address = _address(metric)
        tokens = await read_credentials(self._secrets, self._controller_namespace, TOKENS_SECRET, "wavefront")
        if not tokens.get(address):
            raise MeasurementError(
                f"wavefront: no API token for address {address!r} in secret {TOKENS_SECRET}"
            )
        return tokens

    async def read_with(self, run: AnalysisRun, metric: Metric, credentials: Credentials) -> Reading:
        address = _address(metric)
        config = metric.provider.wavefront if metric.provider else None
        moment = self._clock.now()
        millis = str(int(moment.timestamp()) * 1000)
        params = {
            "q": (config.query if config else None) or "",
            "s": millis,
            "e": millis,
            "g": "s",
            "p": "1",
            "i": "true",
        }
        base = address if "://" in address else f"https://{address}"
        answer = await send(
            self._session,
            "GET",
            base.rstrip("/") + "/api/v2/chart/api",
            time_limit=self._request_timeout,
            headers={"Authorization": f"Bearer {credentials.get(address)}"},
            params=params,
        )
        return reading_of(decode_json(require_2xx(answer), "wavefront"), moment)


def _address(metric: Metric) -> str:
    config = metric.provider.wavefront if metric.provider else None
    if config is None or not config.address:
        raise MeasurementError("wavefront: address is required")
    return config.address
