"""dryRun and measurementRetention select metrics with unanchored Go (RE2) regular expressions."""

from __future__ import annotations

from rollouts.core.analysis import assess_run
from rollouts.core.analysis.selection import dry_run_metric_names, measurement_limit, selection_error
from tests.core.analysis.builders import at, run


def test_dry_run_patterns_are_unanchored_go_regexps() -> None:
    r = run([{"name": "error-rate"}, {"name": "latency"}, {"name": "total-errors"}],
            dryRun=[{"metricName": "error"}, {"metricName": "^lat"}])
    assert dry_run_metric_names(r.spec) == {"error-rate", "total-errors", "latency"}


def test_invalid_pattern_selects_nothing() -> None:
    r = run([{"name": "a"}], dryRun=[{"metricName": "(a"}, {"metricName": "(?<=a)"}])
    assert dry_run_metric_names(r.spec) == frozenset()
    assert selection_error(r.spec) == "dryRun[0]: Rule didn't match any metric name(s)"


def test_retention_takes_the_last_matching_rule_and_its_positive_limit_else_ten() -> None:
    r = run([{"name": "a"}, {"name": "b"}],
            measurementRetention=[{"metricName": ".*", "limit": 20}, {"metricName": "a", "limit": 3},
                                  {"metricName": "^b$", "limit": 0}])
    assert measurement_limit(r.spec, "a") == 3
    assert measurement_limit(r.spec, "b") == 10
    assert measurement_limit(run([{"name": "c"}]).spec, "c") == 10
    assert selection_error(r.spec) is None


def test_a_rule_matching_no_metric_invalidates_the_run() -> None:
    rules = [{"metricName": "a", "limit": 2}, {"metricName": "zzz", "limit": 2}]
    r = run([{"name": "a"}], measurementRetention=rules)
    assert selection_error(r.spec) == "measurementRetention[1]: Rule didn't match any metric name(s)"
    plan = assess_run(r, at(0))
    assert plan.status.phase == "Error"
    assert plan.status.message == (
        "Analysis spec invalid: measurementRetention[1]: Rule didn't match any metric name(s)"
    )
    assert plan.requeue_at is None and plan.completed_now
