"""Small builders for AnalysisRuns in tests (plain data in upstream's JSON shape)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rollouts.api.analysis import AnalysisRun, Measurement, Metric
from rollouts.core.conditions import format_time

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ts(seconds: float) -> str:
    return format_time(at(seconds))


def metric(name: str = "m", **fields: Any) -> Metric:
    return Metric.model_validate({"name": name, "provider": {"web": {"url": "http://x"}}, **fields})


def measurement(
    phase: str, finished: float | None = 0, message: str | None = None, **extra: Any
) -> Measurement:
    data: dict[str, Any] = {"phase": phase, "startedAt": ts(finished or 0)}
    if finished is not None:
        data["finishedAt"] = ts(finished)
    if message is not None:
        data["message"] = message
    data.update(extra)
    return Measurement.model_validate(data)


def run(
    metrics: list[dict[str, Any]], results: list[dict[str, Any]] | None = None, **spec: Any
) -> AnalysisRun:
    status: dict[str, Any] | None = None
    if results is not None:
        status = {"phase": "Running", "startedAt": ts(0), "metricResults": results}
    body: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "r", "namespace": "default"},
        "spec": {"metrics": [{"provider": {"web": {"url": "http://x"}}, **m} for m in metrics], **spec},
    }
    if status is not None:
        body["status"] = status
    return AnalysisRun.model_validate(body)


def result(name: str, phases: list[str], **fields: Any) -> dict[str, Any]:
    """A metric result whose counters are consistent with ``phases`` (one per measurement)."""
    counts = {p: phases.count(p) for p in ("Successful", "Failed", "Inconclusive", "Error")}
    consecutive_error = 0
    consecutive_success = 0
    for p in phases:
        consecutive_error = consecutive_error + 1 if p == "Error" else 0
        consecutive_success = consecutive_success + 1 if p == "Successful" else 0
    data: dict[str, Any] = {
        "name": name,
        "phase": "Running",
        "measurements": [
            {"phase": p, "startedAt": ts(i * 10), **({} if p == "Running" else {"finishedAt": ts(i * 10)})}
            for i, p in enumerate(phases)
        ],
        "count": counts["Successful"] + counts["Failed"] + counts["Inconclusive"],
        "successful": counts["Successful"],
        "failed": counts["Failed"],
        "inconclusive": counts["Inconclusive"],
        "error": counts["Error"],
        "consecutiveError": consecutive_error,
        "consecutiveSuccess": consecutive_success,
    }
    data.update(fields)
    return data
