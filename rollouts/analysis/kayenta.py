"""Kayenta: an asynchronous canary judgement.

As upstream (metricproviders/kayenta):

* ``run`` finds the canary config id by name (``GET /canaryConfig?application=…`` — upstream
  passes ``storageAccountName`` as ``configurationAccountName`` there, and so do we), starts a
  judgement (``POST /canary/<configId>?application=…&metricsAccountName=…&…``) with each
  scope's control/experiment windows and the thresholds, and returns a Running measurement with
  ``metadata.canaryExecutionId`` and ``resumeAt`` 15 s later;
* ``resume`` polls ``GET /canary/<executionId>``: incomplete → Running again in 15 s; complete →
  the integer score is the value; score ≥ pass → Successful, ≥ marginal → Inconclusive, else
  Failed (the metric's conditions are not used);
* a scope without start/end gets [now - interval, now] (or [run start, now] with ``lookback``).

Every request times out after 15 s.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp

from rollouts.analysis.http import decode_json, expect_object, send
from rollouts.analysis.measuring import MeasurementError, failed_measurement, started
from rollouts.api.analysis import AnalysisPhase, AnalysisRun, KayentaMetric, KayentaScope, Measurement, Metric
from rollouts.api.common import parse_go_duration
from rollouts.core.conditions import format_time, parse_time

RESUME_DELAY = timedelta(seconds=15)
TIMEOUT_SECONDS = 15.0
EXECUTION_ID_KEY = "canaryExecutionId"


def judgement(score: int, passing: int, marginal: int) -> str:
    if score >= passing:
        return AnalysisPhase.SUCCESSFUL
    if score >= marginal:
        return AnalysisPhase.INCONCLUSIVE
    return AnalysisPhase.FAILED


def scope_request(
    scope: KayentaScope, run: AnalysisRun, metric: Metric, now: datetime, lookback: bool
) -> dict[str, Any]:
    control = scope.control_scope
    experiment = scope.experiment_scope
    c_start, e_start = (control.start if control else None), (experiment.start if experiment else None)
    c_end, e_end = (control.end if control else None), (experiment.end if experiment else None)
    if bool(c_start) != bool(e_start):
        raise MeasurementError("controlScope.start and experimentScope.start must both be set or be empty")
    if bool(c_end) != bool(e_end):
        raise MeasurementError("controlScope.end and experimentScope.end must both be set or be empty")
    if not c_start:
        c_start = e_start = _default_start(run, metric, now, lookback)
    if not c_end:
        c_end = e_end = format_time(now)

    def detail(part: Any, start: str | None, end: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "scope": (part.scope if part else None) or "",
            "location": (part.region if part else None) or "",
            "step": (part.step if part else None) or 0,
        }
        if start:
            body["start"] = start
        if end:
            body["end"] = end
        return body

    return {
        "controlScope": detail(control, c_start, c_end),
        "experimentScope": detail(experiment, e_start, e_end),
    }


def _default_start(run: AnalysisRun, metric: Metric, now: datetime, lookback: bool) -> str:
    if lookback:
        started_at = run.status.started_at if run.status else None
        if not started_at:
            raise MeasurementError("lookback needs the run's status.startedAt")
        return format_time(parse_time(started_at))
    try:
        interval = parse_go_duration(metric.interval or "")
    except ValueError as err:
        raise MeasurementError(f'Invalid duration "{metric.interval or ""}": {err}') from None
    return format_time(now - timedelta(seconds=interval))


class KayentaProvider:
    provider_type = "Kayenta"

    def __init__(self, session: aiohttp.ClientSession, request_timeout: float = TIMEOUT_SECONDS) -> None:
        self._session = session
        self._request_timeout = request_timeout

    def result_metadata(self, metric: Metric, secrets: frozenset[str] = frozenset()) -> dict[str, str] | None:
        """No metric result metadata (upstream's ``GetMetadata`` returns nil)."""
        return None

    async def run(
        self, run: AnalysisRun, metric: Metric, now: datetime, *, secrets: frozenset[str] = frozenset()
    ) -> Measurement:
        measurement = started(now)
        try:
            execution_id = await self._start(run, metric, _config(metric), now)
        except MeasurementError as err:
            return failed_measurement(measurement, str(err), now, secrets)
        measurement.metadata = {EXECUTION_ID_KEY: execution_id}
        measurement.phase = AnalysisPhase.RUNNING
        measurement.resume_at = format_time(now + RESUME_DELAY)
        return measurement

    async def _start(self, run: AnalysisRun, metric: Metric, config: KayentaMetric, now: datetime) -> str:
        address = (config.address or "").rstrip("/")
        config_id = await self._config_id(address, config)
        scopes = {
            s.name or "": scope_request(s, run, metric, now, bool(config.lookback))
            for s in config.scopes or []
        }
        threshold = config.threshold
        payload = {
            "scopes": scopes,
            "thresholds": {
                "pass": (threshold.pass_ if threshold else None) or 0,
                "marginal": (threshold.marginal if threshold else None) or 0,
            },
        }
        params = {
            "application": config.application or "",
            "metricsAccountName": config.metrics_account_name or "",
            "configurationAccountName": config.configuration_account_name or "",
            "storageAccountName": config.storage_account_name or "",
        }
        answer = await send(
            self._session,
            "POST",
            f"{address}/canary/{quote(config_id, safe='')}",
            time_limit=self._request_timeout,
            params=params,
            headers={"Content-Type": "application/json"},
            data=json.dumps(payload).encode(),
        )
        if answer.status != 200:
            raise MeasurementError(f"Invalid Response: HTTP {answer.status}")
        execution = expect_object(decode_json(answer, "kayenta"), "kayenta").get(EXECUTION_ID_KEY)
        if execution is None or str(execution) == "":
            raise MeasurementError("Invalid canaryExecutionId")
        return str(execution)

    async def _config_id(self, address: str, config: KayentaMetric) -> str:
        params = {
            "application": config.application or "",
            "configurationAccountName": config.storage_account_name or "",
        }
        answer = await send(
            self._session, "GET", f"{address}/canaryConfig", time_limit=self._request_timeout, params=params
        )
        if answer.status != 200:
            raise MeasurementError(f"Invalid Response: HTTP {answer.status}")
        configs = decode_json(answer, "kayenta")
        for candidate in configs if isinstance(configs, list) else []:
            if isinstance(candidate, dict) and candidate.get("name") == config.canary_config_name:
                return str(candidate.get("id", ""))
        raise MeasurementError("Canary config not found")

    async def resume(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        try:
            config = _config(metric)
            execution_id = (measurement.metadata or {}).get(EXECUTION_ID_KEY, "")
            url = f"{(config.address or '').rstrip('/')}/canary/{quote(execution_id, safe='')}"
            answer = await send(self._session, "GET", url, time_limit=self._request_timeout)
            if answer.status != 200:
                raise MeasurementError(f"Invalid Response: HTTP {answer.status}")
            body = expect_object(decode_json(answer, "kayenta"), "kayenta")
            resumed = measurement.model_copy()
            complete = body.get("complete")
            if not isinstance(complete, bool):
                raise MeasurementError("Missing Complete Status")
            if not complete:
                resumed.phase = AnalysisPhase.RUNNING
                resumed.resume_at = format_time(now + RESUME_DELAY)
                return resumed
            score = _score(body)
        except MeasurementError as err:
            return failed_measurement(measurement, str(err), now)
        threshold = config.threshold
        resumed.value = str(score)
        resumed.phase = judgement(
            score,
            (threshold.pass_ if threshold else None) or 0,
            (threshold.marginal if threshold else None) or 0,
        )
        resumed.finished_at = format_time(now)
        return resumed

    async def terminate(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        return measurement


def _score(body: dict[str, Any]) -> int:
    try:
        score = body["result"]["judgeResult"]["score"]["score"]
    except (KeyError, TypeError):
        raise MeasurementError("Missing Score") from None
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise MeasurementError("Missing Score")
    return int(score)


def _config(metric: Metric) -> KayentaMetric:
    config = metric.provider.kayenta if metric.provider else None
    if config is None or not config.address:
        raise MeasurementError("kayenta: address is required")
    return config
