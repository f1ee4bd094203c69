"""One metric's phase, with upstream's limits and reasons (assessMetricStatus)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.analysis import MetricResult
from rollouts.core.analysis import assess_metric
from tests.core.analysis.builders import metric, result


@pytest.mark.parametrize(
    ("fields", "phases", "terminating", "expected"),
    [
        ({}, [], False, ("Pending", "")),
        ({}, [], True, ("Successful", "")),
        ({}, ["Running"], False, ("Running", "")),
        ({}, ["Successful", "Running"], True, ("Running", "")),
        # count defaults to 1 without an interval
        ({}, ["Successful"], False, ("Successful", "")),
        ({}, ["Failed"], False, ("Failed", "failed (1) > failureLimit (0)")),
        ({}, ["Inconclusive"], False, ("Inconclusive", "inconclusive (1) > inconclusiveLimit (0)")),
        ({"failureLimit": 1, "count": 3, "interval": "1m"}, ["Failed"], False, ("Running", "")),
        (
            {"failureLimit": 1, "count": 3, "interval": "1m"},
            ["Failed", "Failed"],
            False,
            ("Failed", "failed (2) > failureLimit (1)"),
        ),
        (
            {"failureLimit": 1, "count": 3, "interval": "1m"},
            ["Failed", "Successful", "Successful"],
            False,
            ("Successful", ""),
        ),
        ({"failureLimit": -1, "count": 2, "interval": "1m"}, ["Failed", "Failed"], False, ("Successful", "")),
        ({"failureLimit": "{{args.x}}"}, ["Failed"], False, ("Failed", "failed (1) > failureLimit (0)")),
        # consecutiveErrorLimit defaults to 4: five errors in a row are an Error
        ({"interval": "1m"}, ["Error"] * 4, False, ("Running", "")),
        (
            {"interval": "1m"},
            ["Error"] * 5,
            False,
            ("Error", "consecutiveErrors (5) > consecutiveErrorLimit (4)"),
        ),
        (
            {"interval": "1m", "consecutiveErrorLimit": 0},
            ["Error"],
            False,
            ("Error", "consecutiveErrors (1) > consecutiveErrorLimit (0)"),
        ),
        # errors do not count towards count: one success after errors completes a count-1 metric
        ({}, ["Error", "Error", "Successful"], False, ("Successful", "")),
        ({}, ["Error"], False, ("Running", "")),
        ({}, ["Error"], True, ("Successful", "")),
        # later checks win: failed and consecutive errors both over → Error
        (
            {"interval": "1m", "consecutiveErrorLimit": 0, "count": 5},
            ["Failed", "Error"],
            False,
            ("Error", "consecutiveErrors (1) > consecutiveErrorLimit (0)"),
        ),
        (
            {"inconclusiveLimit": 1, "count": 5, "interval": "1m", "failureLimit": 3},
            ["Inconclusive", "Inconclusive", "Failed"],
            False,
            ("Inconclusive", "inconclusive (2) > inconclusiveLimit (1)"),
        ),
        # consecutiveSuccessLimit
        (
            {"consecutiveSuccessLimit": 2, "failureLimit": 3, "count": 5, "interval": "1m"},
            ["Successful", "Successful"],
            False,
            ("Successful", ""),
        ),
        (
            {"consecutiveSuccessLimit": 2, "failureLimit": 3, "count": 3, "interval": "1m"},
            ["Successful", "Failed", "Successful"],
            False,
            ("Inconclusive", ""),
        ),
        (
            {"consecutiveSuccessLimit": 2, "failureLimit": -1, "count": 3, "interval": "1m"},
            ["Successful", "Failed", "Successful"],
            False,
            ("Failed", ""),
        ),
        # an unbounded metric runs until terminated
        ({"interval": "1m"}, ["Successful"] * 20, False, ("Running", "")),
        ({"interval": "1m"}, ["Successful"] * 20, True, ("Successful", "")),
    ],
)
def test_assess_metric(
    fields: dict[str, Any], phases: list[str], terminating: bool, expected: tuple[str, str]
) -> None:
    m = metric(**fields)
    r = MetricResult.model_validate(result("m", phases))
    assert assess_metric(m, r, terminating=terminating) == expected


def test_a_completed_metric_keeps_its_phase() -> None:
    r = MetricResult.model_validate(result("m", ["Successful"], phase="Failed"))
    assert assess_metric(metric(), r, terminating=False) == ("Failed", "")
