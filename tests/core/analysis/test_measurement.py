"""Folding measurements into a metric result, and the verdict from a provider's value."""

from __future__ import annotations

import math

import pytest

from rollouts.api.analysis import MetricResult
from rollouts.core.analysis import measurement_verdict, record_measurement
from tests.core.analysis.builders import at, measurement, metric, ts


def test_counters_follow_upstream_bookkeeping() -> None:
    r: MetricResult | None = None
    for phase in ["Successful", "Successful", "Error", "Error", "Failed", "Inconclusive", "Successful"]:
        r = record_measurement(r, "m", measurement(phase), at(0))
    assert r is not None
    assert (r.count, r.successful, r.failed, r.inconclusive, r.error) == (5, 3, 1, 1, 2)
    assert (r.consecutive_error, r.consecutive_success) == (0, 1)
    assert len(r.measurements or []) == 7


def test_errors_accumulate_consecutively_and_reset_success() -> None:
    r = record_measurement(None, "m", measurement("Successful"), at(0))
    r = record_measurement(r, "m", measurement("Error"), at(1))
    r = record_measurement(r, "m", measurement("Error"), at(2))
    assert (r.consecutive_error, r.consecutive_success, r.count, r.error) == (2, 0, 1, 2)


def test_in_flight_measurement_is_not_counted_and_is_replaced_on_resume() -> None:
    running = measurement("Running", finished=None, resumeAt=ts(30))
    r = record_measurement(None, "m", running, at(0))
    assert (r.count or 0, len(r.measurements or [])) == (0, 1)
    assert r.phase == "Running"
    done = measurement("Successful", finished=None)
    r = record_measurement(r, "m", done, at(40), resumed=True)
    assert len(r.measurements or []) == 1
    assert r.measurements and r.measurements[0].finished_at == ts(40)
    assert (r.count, r.successful) == (1, 1)


def test_terminated_successful_measurement_says_so() -> None:
    r = record_measurement(None, "m", measurement("Running", finished=None), at(0))
    r = record_measurement(
        r, "m", measurement("Successful", finished=None), at(5), resumed=True, terminated=True
    )
    assert r.measurements and r.measurements[-1].message == "Metric Terminated"


def test_input_result_is_not_mutated() -> None:
    original = record_measurement(None, "m", measurement("Successful"), at(0))
    record_measurement(original, "m", measurement("Failed"), at(1))
    assert original.count == 1


@pytest.mark.parametrize(
    ("success", "failure", "value", "phase", "message"),
    [
        ("result[0] >= 0.95", None, [0.99], "Successful", None),
        ("result[0] >= 0.95", None, [0.5], "Failed", None),
        ("result[0] >= 0.95", None, [], "Error", "index out of range: 0 (array length is 0)"),
        ("isNaN(result) || result >= 0.95", None, math.nan, "Successful", None),
        ("result > 10", "result < 1", 5.0, "Inconclusive", None),
        (None, None, "anything", "Successful", None),
        ("result >=", None, 1.0, "Error", "unexpected token EOF"),
        ("result", None, 1.0, "Error", "expected bool, but got float64"),
    ],
)
def test_measurement_verdict(
    success: str | None, failure: str | None, value: object, phase: str, message: str | None
) -> None:
    verdict = measurement_verdict(metric(successCondition=success, failureCondition=failure), value)
    assert (verdict.phase, verdict.message) == (phase, message)
