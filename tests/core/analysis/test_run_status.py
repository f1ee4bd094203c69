"""The run's phase, message, summaries, timestamps and retention (assessRunStatus)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.api.analysis import AnalysisRun
from rollouts.core.analysis import assess_run
from rollouts.core.analysis.phases import is_worse
from tests.core.analysis.builders import at, result, run, ts


def test_first_assessment_starts_the_run_and_lists_what_is_due() -> None:
    plan = assess_run(run([{"name": "a"}, {"name": "b", "initialDelay": "1m"}]), at(5))
    assert [t.metric.name for t in plan.due] == ["a"]
    assert plan.requeue_at == at(65)
    assert plan.status.phase == "Running"
    assert plan.status.started_at == ts(5)
    assert plan.status.completed_at is None
    assert plan.status.run_summary is not None and plan.status.run_summary.count == 2
    dry = plan.status.dry_run_summary
    assert dry is not None and dry.count == 0


def test_all_successful_completes_successful() -> None:
    plan = assess_run(
        run([{"name": "a"}, {"name": "b"}], [result("a", ["Successful"]), result("b", ["Successful"])]), at(9)
    )
    assert plan.status.phase == "Successful"
    assert plan.status.message is None
    assert plan.status.completed_at == ts(9)
    assert plan.completed_now
    assert plan.requeue_at is None
    summary = plan.status.run_summary
    assert summary is not None and (summary.count, summary.successful) == (2, 2)
    assert [(t.name, t.old_phase, t.new_phase) for t in plan.metric_transitions] == [
        ("a", "Running", "Successful"),
        ("b", "Running", "Successful"),
    ]


def test_failed_metric_message_is_upstreams() -> None:
    r = run(
        [{"name": "error-rate", "interval": "1m", "count": 5, "failureLimit": 1}],
        [result("error-rate", ["Failed", "Failed"])],
    )
    plan = assess_run(r, at(100))
    assert plan.status.phase == "Failed"
    assert plan.status.message == 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)'
    assert plan.status.metric_results and plan.status.metric_results[0].phase == "Failed"


def test_error_message_quotes_the_last_measurement() -> None:
    res = result("a", ["Error"] * 5)
    res["measurements"][-1]["message"] = "connection refused"
    plan = assess_run(run([{"name": "a", "interval": "10s"}], [res]), at(100))
    assert plan.status.phase == "Error"
    assert plan.status.message == (
        'Metric "a" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): '
        '"Error Message: connection refused"'
    )
    assert plan.status.metric_results and plan.status.metric_results[0].message == "connection refused"


def test_failure_terminates_the_run_before_other_metrics_finish() -> None:
    r = run(
        [{"name": "a"}, {"name": "b", "interval": "1m"}, {"name": "c", "initialDelay": "1h"}],
        [result("a", ["Failed"]), result("b", ["Successful"])],
    )
    first = assess_run(r, at(30))
    # "terminating" is read from the stored phases: this pass records the failure and asks
    # for an immediate next pass, which stops the other metrics and fails the run.
    assert first.status.phase == "Running"
    assert {m.name: m.phase for m in first.status.metric_results or []} == {"a": "Failed", "b": "Running"}
    assert first.requeue_at == at(30)
    second = assess_run(r.model_copy(update={"status": first.status}), at(31))
    assert second.status.phase == "Failed"
    assert second.status.message == 'Metric "a" assessed Failed due to failed (1) > failureLimit (0)'
    assert {m.name: m.phase for m in second.status.metric_results or []} == {"a": "Failed", "b": "Successful"}
    assert second.status.completed_at == ts(31)


def test_worst_phase_wins() -> None:
    r = run(
        [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        [result("a", ["Successful"]), result("b", ["Inconclusive"]), result("c", ["Failed"])],
    )
    plan = assess_run(r, at(1))
    assert plan.status.phase == "Failed"
    assert plan.status.message == 'Metric "c" assessed Failed due to failed (1) > failureLimit (0)'
    s = plan.status.run_summary
    assert s is not None and (s.count, s.successful, s.inconclusive, s.failed, s.error) == (3, 1, 1, 1, 0)


def test_inconclusive_run() -> None:
    plan = assess_run(run([{"name": "a"}], [result("a", ["Inconclusive"])]), at(1))
    assert plan.status.phase == "Inconclusive"
    assert (
        plan.status.message
        == 'Metric "a" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)'
    )


def test_terminate_marks_the_run_successful_with_upstreams_message() -> None:
    r = run([{"name": "a", "interval": "1m"}], [result("a", ["Successful", "Successful"])], terminate=True)
    plan = assess_run(r, at(100))
    assert plan.status.phase == "Successful"
    assert plan.status.message == "Run Terminated"
    assert plan.status.completed_at == ts(100)


def test_terminate_before_any_measurement() -> None:
    plan = assess_run(run([{"name": "a", "initialDelay": "1h"}], [], terminate=True), at(1))
    assert plan.status.phase == "Successful"
    assert plan.status.message == "Run Terminated"


def test_dry_run_metric_is_reported_but_never_decisive() -> None:
    r = run(
        [{"name": "canary-errors"}, {"name": "latency"}],
        [result("canary-errors", ["Failed"], dryRun=True), result("latency", ["Successful"])],
        dryRun=[{"metricName": "canary-.*"}],
    )
    plan = assess_run(r, at(1))
    assert plan.status.phase == "Successful"
    dry = plan.status.dry_run_summary
    assert dry is not None and (dry.count, dry.failed) == (1, 1)
    real = plan.status.run_summary
    assert real is not None and (real.count, real.successful, real.failed) == (1, 1, 0)
    by_name = {m.name: m for m in plan.status.metric_results or []}
    assert by_name["canary-errors"].phase == "Failed"
    assert by_name["canary-errors"].message == "Metric assessed Failed due to failed (1) > failureLimit (0)"


def test_a_run_of_only_dry_run_metrics_completes_successful() -> None:
    r = run([{"name": "a"}], [result("a", ["Failed"], dryRun=True)], dryRun=[{"metricName": ".*"}])
    plan = assess_run(r, at(1))
    assert plan.status.phase == "Successful"
    assert plan.status.message is None


def test_summary_counts_the_breached_limit_or_successful() -> None:
    # completed Failed through consecutiveSuccessLimit's count rule: no limit breached
    r = run(
        [{"name": "a", "interval": "1s", "count": 2, "consecutiveSuccessLimit": 2, "failureLimit": -1},
         {"name": "b", "interval": "1s"}],
        [result("a", ["Successful", "Failed"]), result("b", ["Successful"])],
    )
    plan = assess_run(r, at(5))
    phases = {m.name: m.phase for m in plan.status.metric_results or []}
    assert phases == {"a": "Failed", "b": "Running"}
    s = plan.status.run_summary
    assert s is not None and (s.count, s.successful, s.failed) == (2, 1, 0)


def test_measurement_retention_trims_to_the_limit() -> None:
    r = run(
        [{"name": "keep3", "interval": "1s"}, {"name": "default", "interval": "1s"}],
        [result("keep3", ["Successful"] * 12), result("default", ["Successful"] * 12)],
        measurementRetention=[{"metricName": "keep3", "limit": 3}],
    )
    plan = assess_run(r, at(200))
    kept = {m.name: len(m.measurements or []) for m in plan.status.metric_results or []}
    assert kept == {"keep3": 3, "default": 10}
    latest = next(m for m in plan.status.metric_results or [] if m.name == "keep3").measurements
    assert latest is not None and latest[-1].started_at == ts(110)


def test_completed_run_is_left_alone() -> None:
    r = run([{"name": "a"}], [result("a", ["Failed"])])
    done = r.model_copy(update={"status": r.status and r.status.model_copy(update={"phase": "Failed"})})
    plan = assess_run(done, at(50))
    assert plan.status == done.status
    assert plan.requeue_at is None and not plan.completed_now


def test_requeue_for_running_run() -> None:
    plan = assess_run(run([{"name": "a", "interval": "30s"}], [result("a", ["Successful"])]), at(1))
    assert plan.status.phase == "Running"
    assert plan.requeue_at == at(30)


# -- properties ---------------------------------------------------------------------------------

_PHASES = st.sampled_from(["Successful", "Failed", "Inconclusive", "Error"])


@st.composite
def _runs(draw: st.DrawFn) -> AnalysisRun:
    n = draw(st.integers(1, 4))
    metrics: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    dry: list[dict[str, Any]] = []
    for i in range(n):
        name = f"m{i}"
        fields: dict[str, Any] = {"name": name, "interval": "10s", "count": draw(st.integers(1, 6))}
        fields["failureLimit"] = draw(st.integers(-1, 2))
        fields["inconclusiveLimit"] = draw(st.integers(0, 2))
        fields["consecutiveErrorLimit"] = draw(st.integers(0, 4))
        metrics.append(fields)
        phases = draw(st.lists(_PHASES, max_size=14))
        is_dry = draw(st.booleans())
        if is_dry:
            dry.append({"metricName": f"^{name}$"})
        if phases or draw(st.booleans()):
            results.append(result(name, phases, **({"dryRun": True} if is_dry else {})))
    retention = [{"metricName": ".*", "limit": draw(st.integers(1, 12))}] if draw(st.booleans()) else []
    return run(
        metrics,
        results,
        dryRun=dry,
        measurementRetention=retention,
        terminate=draw(st.booleans()) and draw(st.booleans()),
    )


def _settle(r: AnalysisRun) -> AnalysisRun:
    """Assess until the stored metric phases stop changing (terminating is read from them)."""
    for step in range(4):
        plan = assess_run(r, at(1000 + step))
        status = plan.status
        if status.phase != "Running" and step < 3:
            status = status.model_copy(update={"phase": "Running", "completed_at": None})
        r = r.model_copy(update={"status": status})
    return r


@settings(max_examples=150, deadline=None)
@given(r=_runs())
def test_run_phase_is_the_worst_completed_non_dry_run_metric_phase(r: AnalysisRun) -> None:
    settled = _settle(r)
    plan = assess_run(settled, at(2000))
    dry = {d.metric_name.strip("^$") for d in settled.spec.dry_run or [] if d.metric_name}
    phases = [m.phase for m in plan.status.metric_results or [] if m.name not in dry]
    completed = [p for p in phases if p in ("Successful", "Failed", "Inconclusive", "Error")]
    if plan.status.phase != "Running":
        for phase in completed:
            assert phase is not None and not is_worse(str(plan.status.phase), phase)
        if completed:
            assert plan.status.phase in completed
    else:
        assert len(completed) < len(settled.spec.metrics or []) or not completed


@settings(max_examples=150, deadline=None)
@given(r=_runs())
def test_dry_run_metrics_never_change_the_run_phase(r: AnalysisRun) -> None:
    dry = {d.metric_name.strip("^$") for d in r.spec.dry_run or [] if d.metric_name}
    if not dry:
        return
    status = r.status
    assert status is not None
    # Same run, with every dry-run metric's result replaced by a clean success.
    cleaned_results = [
        m
        if m.name not in dry
        else m.model_copy(
            update={
                "measurements": [],
                "count": 0,
                "failed": 0,
                "inconclusive": 0,
                "error": 0,
                "consecutive_error": 0,
                "successful": 0,
            }
        )
        for m in status.metric_results or []
    ]
    cleaned = r.model_copy(update={"status": status.model_copy(update={"metric_results": cleaned_results})})
    real = _settle(r)
    clean = _settle(cleaned)
    real_phase = assess_run(real, at(3000)).status.phase
    clean_phase = assess_run(clean, at(3000)).status.phase
    if real_phase != "Running" and clean_phase != "Running":
        assert real_phase == clean_phase


@settings(max_examples=150, deadline=None)
@given(r=_runs())
def test_retention_never_keeps_more_than_the_limit(r: AnalysisRun) -> None:
    plan = assess_run(r, at(5000))
    limit = (r.spec.measurement_retention or [None])[0]
    cap = limit.limit if limit is not None and limit.limit else 10
    for m in plan.status.metric_results or []:
        assert len(m.measurements or []) <= cap
