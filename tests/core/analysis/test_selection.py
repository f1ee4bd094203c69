"""dryRun and measurementRetention select metrics with unanchored Go (RE2) regular expressions."""

from __future__ import annotations

from rollouts.core.analysis.selection import dry_run_metric_names, measurement_limit
from tests.core.analysis.builders import run


def test_dry_run_patterns_are_unanchored_go_regexps() -> None:
    r = run([{"name": "error-rate"}, {"name": "latency"}, {"name": "total-errors"}],
            dryRun=[{"metricName": "error"}, {"metricName": "^lat"}])
    assert dry_run_metric_names(r.spec) == {"error-rate", "total-errors", "latency"}


def test_invalid_pattern_selects_nothing() -> None:
    r = run([{"name": "a"}], dryRun=[{"metricName": "(a"}, {"metricName": "(?<=a)"}])
    assert dry_run_metric_names(r.spec) == frozenset()


def test_retention_takes_the_first_matching_positive_limit_else_ten() -> None:
    r = run([{"name": "a"}, {"name": "b"}],
            measurementRetention=[{"metricName": "^a$", "limit": 0}, {"metricName": "a", "limit": 3},
                                  {"metricName": ".*", "limit": 20}])
    assert measurement_limit(r.spec, "a") == 3
    assert measurement_limit(r.spec, "b") == 20
    assert measurement_limit(run([{"name": "c"}]).spec, "c") == 10
