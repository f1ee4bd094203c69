"""When metrics are measured next (generateMetricTasks / calculateNextReconcileTime)."""

from __future__ import annotations

from rollouts.core.analysis import due_measurements, next_reconcile_time
from tests.core.analysis.builders import at, result, run, ts


def names(tasks: list) -> list[str]:  # type: ignore[type-arg]
    return [t.metric.name for t in tasks]


def test_new_run_measures_every_metric_without_delay() -> None:
    r = run([{"name": "a"}, {"name": "b", "interval": "1m"}])
    assert names(due_measurements(r, at(0))) == ["a", "b"]


def test_initial_delay_waits_for_started_at_plus_delay() -> None:
    pending = run([{"name": "a", "initialDelay": "30s"}])
    assert due_measurements(pending, at(100)) == []  # startedAt not yet set
    started = run([{"name": "a", "initialDelay": "30s"}], results=[])
    assert due_measurements(started, at(29)) == []
    assert next_reconcile_time(started, at(29)) == at(30)
    assert names(due_measurements(started, at(30))) == ["a"]


def test_interval_schedules_after_last_finish() -> None:
    r = run([{"name": "a", "interval": "1m", "count": 3}], results=[result("a", ["Successful"])])
    assert due_measurements(r, at(60)) == []  # upstream requires strictly after finishedAt + interval
    assert names(due_measurements(r, at(61))) == ["a"]
    assert next_reconcile_time(r, at(10)) == at(60)


def test_count_reached_stops_measuring() -> None:
    r = run([{"name": "a", "interval": "1m", "count": 2}], results=[result("a", ["Successful", "Failed"])])
    assert due_measurements(r, at(1000)) == []
    assert next_reconcile_time(r, at(1000)) is None


def test_error_without_interval_retries_after_ten_seconds() -> None:
    r = run([{"name": "a"}], results=[result("a", ["Error"])])
    assert due_measurements(r, at(10)) == []
    assert names(due_measurements(r, at(11))) == ["a"]
    assert next_reconcile_time(r, at(0)) == at(10)


def test_errors_do_not_use_up_the_count() -> None:
    r = run([{"name": "a", "interval": "5s", "count": 1}], results=[result("a", ["Error"])])
    assert names(due_measurements(r, at(11))) == ["a"]


def test_error_is_retried_after_ten_seconds_whatever_the_interval() -> None:
    r = run([{"name": "a", "interval": "1h", "count": 3}], results=[result("a", ["Successful", "Error"])])
    # the Error measurement finished at t=10
    assert due_measurements(r, at(20)) == []
    assert names(due_measurements(r, at(21))) == ["a"]
    assert next_reconcile_time(r, at(0)) == at(20)


def test_in_flight_measurement_resumes_at_resume_at() -> None:
    res = result("a", ["Running"])
    res["measurements"][0]["resumeAt"] = ts(20)
    r = run([{"name": "a"}], results=[res])
    assert due_measurements(r, at(19)) == []
    assert next_reconcile_time(r, at(0)) == at(20)
    tasks = due_measurements(r, at(20))
    assert names(tasks) == ["a"] and tasks[0].resume is not None and not tasks[0].terminate


def test_terminating_run_only_terminates_in_flight_measurements() -> None:
    r = run(
        [{"name": "a", "interval": "1m"}, {"name": "b", "interval": "1m"}],
        results=[result("a", ["Running"]), result("b", ["Successful"])],
        terminate=True,
    )
    tasks = due_measurements(r, at(1000))
    assert names(tasks) == ["a"] and tasks[0].terminate


def test_failed_metric_makes_the_run_stop_others() -> None:
    r = run(
        [{"name": "a"}, {"name": "b", "interval": "1m"}],
        results=[result("a", ["Failed"], phase="Failed"), result("b", ["Successful"])],
    )
    assert due_measurements(r, at(1000)) == []


def test_failed_dry_run_metric_does_not_stop_others() -> None:
    r = run(
        [{"name": "a"}, {"name": "b", "interval": "1m"}],
        results=[result("a", ["Failed"], phase="Failed", dryRun=True), result("b", ["Successful"])],
        dryRun=[{"metricName": "a"}],
    )
    assert names(due_measurements(r, at(1000))) == ["b"]


def test_unparseable_interval_skips_the_metric() -> None:
    r = run([{"name": "a", "interval": "soon", "count": 3}], results=[result("a", ["Successful"])])
    assert due_measurements(r, at(1000)) == []
    assert next_reconcile_time(r, at(0)) is None


def test_requeue_is_the_earliest_of_all_metrics() -> None:
    r = run(
        [{"name": "a", "interval": "1m"}, {"name": "b", "interval": "20s"}],
        results=[result("a", ["Successful"]), result("b", ["Successful"])],
    )
    assert next_reconcile_time(r, at(0)) == at(20)
