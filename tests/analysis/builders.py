"""Builders of metrics and runs for provider tests."""

from __future__ import annotations

from typing import Any

from rollouts.api.analysis import AnalysisRun, Metric


def metric(provider: dict[str, Any], **fields: Any) -> Metric:
    body: dict[str, Any] = {"name": "m", "provider": provider}
    for key, value in fields.items():
        body[key] = value
    return Metric.model_validate(body)


def run(
    uid: str = "11111111-2222-3333-4444-555555555555", namespace: str = "ns", **status: Any
) -> AnalysisRun:
    body: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "run", "namespace": namespace, "uid": uid},
        "spec": {"metrics": []},
    }
    if status:
        body["status"] = status
    return AnalysisRun.from_dict(body)
