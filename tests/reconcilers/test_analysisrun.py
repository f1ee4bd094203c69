"""The AnalysisRun controller against a recording fake client and a scripted provider (FakeClock)."""

from __future__ import annotations

import json

import pytest
from structlog.testing import capture_logs

from rollouts.analysis.measuring import REDACTED
from rollouts.api.analysis import AnalysisPhase
from rollouts.k8s.errors import TransportError
from rollouts.k8s.resources import ANALYSIS_RUNS
from rollouts.reconcilers.analysis_providers import fixed_scope
from tests.reconcilers.test_analysisrun_fakes import KEY, NAME, NS, Harness, in_flight, web_metric


def phases(h: Harness) -> list[str]:
    return [m["phase"] for m in h.status["metricResults"][0]["measurements"]]


async def test_a_run_measures_on_its_interval_and_completes_successful() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(count=3, interval="10s", successCondition="result > 5")]})
    h.provider.script["m"] = [10, 11, 12]

    await h.reconcile()
    assert h.status["phase"] == "Running"
    assert h.status["startedAt"] == "2026-01-01T00:00:00Z"
    assert phases(h) == ["Successful"]
    assert h.ready() == ()  # next measurement in 10 s, not before

    await h.clock.advance(9)
    assert h.ready() == ()
    await h.clock.advance(1.5)
    await h.reconcile_when_ready()
    assert phases(h) == ["Successful", "Successful"]

    await h.clock.advance(10.5)
    await h.reconcile_when_ready()
    status = h.status
    assert status["phase"] == "Successful"
    assert status["completedAt"] == "2026-01-01T00:00:21Z"
    result = status["metricResults"][0]
    assert (result["count"], result["successful"], result["phase"]) == (3, 3, "Successful")
    assert status["runSummary"] == {"count": 1, "successful": 1, "failed": 0, "inconclusive": 0, "error": 0}
    assert h.kube.events() == [
        ("Normal", "MetricSuccessful", "Metric 'm' Completed. Result: Successful"),
        ("Normal", "AnalysisRunSuccessful", "Analysis Completed. Result: Successful"),
    ]
    # completed without a TTL: nothing more is scheduled, and a further reconcile writes nothing
    await h.clock.advance(60)
    assert h.ready() == ()
    writes = len(h.kube.writes())
    await h.reconcile()
    assert len(h.kube.writes()) == writes
    assert [c[0] for c in h.provider.calls] == ["run", "run", "run"]


async def test_status_is_written_through_the_status_subresource_as_a_merge_patch() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(successCondition="result == 1")]})
    h.provider.script["m"] = [1]
    await h.reconcile()
    (write,) = h.kube.writes()
    assert write.verb == "patch" and write.subresource == "status"
    assert set(write.body) == {"status"}
    assert write.body["status"]["phase"] == "Successful"
    assert h.metrics.observed == [("analysis_run", NS, NAME)] and h.metrics.errors == []


async def test_without_a_status_subresource_the_object_is_patched_as_upstream_does() -> None:
    h = Harness()
    h.kube.status_subresource = False
    h.create({"metrics": [web_metric(count=2, interval="5s", successCondition="result == 1")]})
    h.provider.script["m"] = [1, 1]
    await h.reconcile()
    assert [(c.verb, c.subresource) for c in h.kube.writes()] == [("patch", "status"), ("patch", None)]
    assert h.status["phase"] == "Running"
    await h.clock.advance(5.5)
    await h.reconcile_when_ready()
    # learnt: the second write goes straight to the object
    assert [(c.verb, c.subresource) for c in h.kube.writes()][2:] == [("patch", None)]
    assert h.status["phase"] == "Successful"


async def test_a_failing_measurement_fails_the_run_with_upstreams_message_and_warnings() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(successCondition="result > 5")]})
    h.provider.script["m"] = [1]
    await h.reconcile()
    status = h.status
    assert status["phase"] == "Failed"
    assert status["message"] == 'Metric "m" assessed Failed due to failed (1) > failureLimit (0)'
    assert h.kube.events() == [
        ("Warning", "MetricFailed", "Metric 'm' Completed. Result: Failed"),
        ("Warning", "AnalysisRunFailed", "Analysis Completed. Result: Failed"),
    ]


async def test_a_failed_metric_stops_the_other_metrics_on_the_next_pass() -> None:
    h = Harness()
    h.create(
        {
            "metrics": [
                web_metric("bad", successCondition="result > 5"),
                web_metric("slow", count=5, interval="1m", successCondition="result > 5"),
            ]
        }
    )
    h.provider.script = {"bad": [1], "slow": [9]}
    await h.reconcile()
    assert h.status["phase"] == "Running"
    await h.reconcile_when_ready()  # requeued at once: the stop takes effect now
    assert h.status["phase"] == "Failed"
    assert len(h.provider.calls) == 2  # 'slow' was not measured again


async def test_a_dry_run_metric_never_decides_the_run() -> None:
    h = Harness()
    h.create(
        {
            "metrics": [
                web_metric("real", successCondition="result > 5"),
                web_metric("dry", successCondition="result > 5"),
            ],
            "dryRun": [{"metricName": "dry"}],
        }
    )
    h.provider.script = {"real": [10], "dry": [1]}
    await h.reconcile()
    status = h.status
    assert status["phase"] == "Successful"
    dry = next(r for r in status["metricResults"] if r["name"] == "dry")
    assert dry["phase"] == "Failed" and dry["dryRun"] is True
    assert status["dryRunSummary"]["failed"] == 1
    assert status["runSummary"]["successful"] == 1


async def test_a_provider_error_is_retried_after_ten_seconds_whatever_the_interval() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(count=2, interval="5m", successCondition="result > 5")]})
    h.provider.script["m"] = [TransportError("connection refused"), 10, 10]
    await h.reconcile()
    (measurement,) = h.status["metricResults"][0]["measurements"]
    assert measurement["phase"] == "Error" and measurement["message"] == "connection refused"
    assert h.status["metricResults"][0]["consecutiveError"] == 1
    await h.clock.advance(9)
    assert h.ready() == ()
    await h.clock.advance(1.5)
    await h.reconcile_when_ready()
    assert phases(h) == ["Error", "Successful"]
    # after a success the interval applies again
    await h.clock.advance(60)
    assert h.ready() == ()


async def test_consecutive_errors_end_the_run_in_error() -> None:
    h = Harness()
    h.create(
        {"metrics": [web_metric(count=10, interval="1s", consecutiveErrorLimit=1, successCondition="true")]}
    )
    h.provider.script["m"] = [RuntimeError("boom"), RuntimeError("boom again")]
    await h.reconcile()
    await h.clock.advance(10.5)
    await h.reconcile_when_ready()
    assert h.status["phase"] == "Error"
    assert h.status["message"].startswith('Metric "m" assessed Error due to consecutiveErrors (2) > ')
    assert h.kube.events()[-1] == ("Warning", "AnalysisRunError", "Analysis Completed. Result: Error")


async def test_a_metric_without_a_usable_provider_measures_an_error() -> None:
    def nothing(run: object, metric: object) -> object:
        from rollouts.reconcilers.analysisrun import no_provider

        return no_provider(run, metric)  # type: ignore[arg-type]

    h = Harness(lookup=nothing)
    h.create({"metrics": [web_metric()]})
    await h.reconcile()
    (measurement,) = h.status["metricResults"][0]["measurements"]
    assert measurement["phase"] == "Error"
    assert measurement["message"] == "no valid provider in metric 'm'"


async def test_an_in_flight_measurement_is_resumed_at_its_resume_time() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(successCondition="result > 5")]})
    h.provider.script["m"] = [in_flight(h.clock, resume_in=30), 10]
    await h.reconcile()
    assert h.status["phase"] == "Running" and phases(h) == ["Running"]
    await h.clock.advance(29)
    assert h.ready() == ()
    await h.clock.advance(1)
    await h.reconcile_when_ready()
    assert [c[0] for c in h.provider.calls] == ["run", "resume"]
    assert phases(h) == ["Successful"] and h.status["phase"] == "Successful"


async def test_terminate_stops_an_in_flight_measurement_and_completes_the_run() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(successCondition="result > 5")]})
    h.provider.script["m"] = [in_flight(h.clock, resume_in=300)]
    await h.reconcile()
    assert h.status["phase"] == "Running"
    terminated = dict(h.run)
    terminated["spec"] = {**terminated["spec"], "terminate": True}
    h.create(terminated["spec"], terminated["status"])
    await h.reconcile()
    assert [c[0] for c in h.provider.calls] == ["run", "terminate"]
    status = h.status
    assert status["phase"] == "Successful" and status["message"] == "Run Terminated"
    assert status["metricResults"][0]["measurements"][0]["message"] == "Metric Terminated"


async def test_a_completed_run_is_deleted_after_its_ttl_and_requeued_until_then() -> None:
    h = Harness()
    h.create(
        {"metrics": [web_metric(successCondition="result > 5")], "ttlStrategy": {"secondsAfterSuccess": 30}}
    )
    h.provider.script["m"] = [10]
    await h.reconcile()
    assert h.status["phase"] == "Successful"
    await h.clock.advance(30)
    assert h.ready() == ()  # upstream deletes once int(elapsed) > ttl
    await h.clock.advance(1)
    await h.reconcile_when_ready()
    assert [c.verb for c in h.kube.writes()][-1] == "delete"
    assert ("analysisruns", NAME) not in h.kube.objects


async def test_the_failure_ttl_applies_to_failed_runs_and_completion_ttl_to_errors() -> None:
    h = Harness()
    h.create(
        {
            "metrics": [web_metric()],
            "ttlStrategy": {"secondsAfterSuccess": 1000, "secondsAfterFailure": 5},
        },
        {"phase": "Failed", "completedAt": "2026-01-01T00:00:00Z"},
    )
    await h.reconcile()
    assert h.kube.writes() == []
    await h.clock.advance(6)
    await h.reconcile_when_ready()
    assert [c.verb for c in h.kube.writes()] == ["delete"]

    h2 = Harness()
    h2.create(
        {"metrics": [web_metric()], "ttlStrategy": {"secondsAfterSuccess": 1}},
        {"phase": "Error", "completedAt": "2026-01-01T00:00:00Z"},
    )
    await h2.clock.advance(100)
    await h2.reconcile()
    assert h2.kube.writes() == [] and h2.ready() == ()  # no rule for Error: kept


async def test_an_invalid_spec_ends_the_run_in_error_with_upstreams_prefix() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(count=3, successCondition="true")]})
    await h.reconcile()
    status = h.status
    assert status["phase"] == "Error"
    assert status["message"] == "Analysis spec invalid: metrics[0]: interval must be specified when count > 1"
    assert h.provider.calls == []
    assert h.kube.events() == [("Warning", "AnalysisRunError", "Analysis Completed. Result: Error")]
    # an Error run is complete: nothing further happens
    await h.reconcile()
    assert len(h.kube.writes()) == 1


async def test_a_manifest_that_does_not_load_ends_in_error() -> None:
    h = Harness()
    h.create({"metrics": [web_metric()], "bogus": 1})
    await h.reconcile()
    assert h.status["phase"] == "Error"
    assert h.status["message"].startswith("Analysis spec invalid: spec.bogus")


async def test_a_dry_run_rule_matching_nothing_is_an_invalid_spec() -> None:
    h = Harness()
    h.create({"metrics": [web_metric()], "dryRun": [{"metricName": "nope"}]})
    await h.reconcile()
    assert h.status["message"] == "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)"


async def test_arguments_are_substituted_before_the_provider_sees_the_metric() -> None:
    h = Harness()
    metric = web_metric(successCondition="result > {{ args.threshold }}")
    metric["provider"]["web"]["url"] = "http://127.0.0.1:1/{{args.path}}"
    h.create(
        {"metrics": [metric], "args": [{"name": "threshold", "value": "5"}, {"name": "path", "value": 'a"b'}]}
    )
    h.provider.script["m"] = [6]
    await h.reconcile()
    ((_, seen, _),) = h.provider.calls
    assert seen.provider.web.url == 'http://127.0.0.1:1/a"b'
    assert seen.success_condition == "result > 5"
    assert h.status["phase"] == "Successful"


async def test_an_unresolvable_argument_ends_the_run_in_error() -> None:
    h = Harness()
    metric = web_metric()
    metric["provider"]["web"]["url"] = "http://127.0.0.1:1/{{args.missing}}"
    h.create({"metrics": [metric]})
    await h.reconcile()
    assert h.status["phase"] == "Error"
    assert h.status["message"] == "Unable to resolve metric arguments: failed to resolve {{args.missing}}"

    h2 = Harness()
    h2.create({"metrics": [web_metric()], "args": [{"name": "x"}]})
    await h2.reconcile()
    assert h2.status["message"] == 'Unable to resolve metric arguments: argument "x" was not supplied'


SECRET = "s3cr3t-token-value"


async def test_secret_arguments_reach_the_provider_but_never_status_events_or_logs() -> None:
    h = Harness()
    h.add_secret("creds", {"token": SECRET})
    metric = web_metric(successCondition="result > 5")
    metric["provider"]["web"]["headers"] = [{"key": "Authorization", "value": "Bearer {{args.token}}"}]
    h.create(
        {
            "metrics": [metric],
            "args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
        }
    )
    # a provider that echoes what it sent in its message and value
    from rollouts.api.analysis import Measurement

    h.provider.script["m"] = [
        Measurement(
            phase="Error", message=f"401 for Bearer {SECRET}", value=SECRET, metadata={"auth": SECRET}
        )
    ]
    with capture_logs() as logs:
        await h.reconcile()
    ((_, seen, _),) = h.provider.calls
    assert seen.provider.web.headers[0].value == f"Bearer {SECRET}"
    (measurement,) = h.status["metricResults"][0]["measurements"]
    assert measurement["message"] == f"401 for Bearer {REDACTED}"
    assert measurement["value"] == REDACTED and measurement["metadata"] == {"auth": REDACTED}
    everything = json.dumps([h.run, [c.body for c in h.kube.calls], logs], default=str)
    assert SECRET not in everything


async def test_secrets_are_read_only_when_a_measurement_is_due() -> None:
    h = Harness()
    h.add_secret("creds", {"token": SECRET})
    h.create(
        {
            "metrics": [web_metric(count=2, interval="1m", initialDelay="30s", successCondition="true")],
            "args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
        }
    )
    await h.reconcile()
    assert [c for c in h.kube.calls if c.plural == "secrets"] == []
    await h.clock.advance(31)
    await h.reconcile_when_ready()
    assert [c.verb for c in h.kube.calls if c.plural == "secrets"] == ["get"]


@pytest.mark.parametrize(
    ("secret_data", "message"),
    [
        (None, 'Unable to resolve metric arguments: secrets "creds" not found'),
        ({"other": "x"}, "Unable to resolve metric arguments: key 'token' does not exist in secret 'creds'"),
    ],
)
async def test_a_missing_secret_or_key_ends_the_run_in_error(
    secret_data: dict[str, str] | None, message: str
) -> None:
    h = Harness()
    if secret_data is not None:
        h.add_secret("creds", secret_data)
    h.create(
        {
            "metrics": [web_metric()],
            "args": [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
        }
    )
    await h.reconcile()
    assert h.status["phase"] == AnalysisPhase.ERROR
    assert h.status["message"] == message


async def test_informer_events_enqueue_and_a_delete_forgets_the_runs_metrics() -> None:
    h = Harness()
    h.create({"metrics": [web_metric()]})
    (handler,) = h.informer.handlers
    handler.on_add(h.run)
    assert h.ready() == (KEY,)
    handler.on_delete(h.run)
    assert h.metrics.forgotten == [("analysis_run", NS, NAME)]


async def test_a_run_gone_from_the_cache_or_being_deleted_is_left_alone() -> None:
    h = Harness()
    await h.reconcile()  # nothing cached
    h.create({"metrics": [web_metric()]}, deletionTimestamp="2026-01-01T00:00:00Z")
    await h.reconcile()
    assert h.kube.calls == [] and h.provider.calls == []


async def test_a_failed_status_write_counts_a_reconcile_error_and_raises_for_backoff() -> None:
    h = Harness()
    h.create({"metrics": [web_metric(successCondition="true")]})
    h.provider.script["m"] = [1]

    async def refuse(*_: object, **__: object) -> dict[str, object]:
        raise TransportError("connection reset")

    h.kube.patch = refuse  # type: ignore[method-assign]
    with pytest.raises(TransportError):
        await h.reconcile()
    assert h.metrics.errors == [("analysis_run", NS, NAME)]


async def test_measurements_run_concurrently_within_the_bound() -> None:
    import asyncio

    h = Harness()
    names = [f"m{i}" for i in range(6)]
    h.create({"metrics": [web_metric(n, successCondition="true") for n in names]})
    running = 0
    peak = 0

    class Slow:
        async def run(self, run: object, metric: object, now: object) -> object:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1
            from rollouts.api.analysis import Measurement

            return Measurement(phase="Successful", started_at="2026-01-01T00:00:00Z")

    h.controller._providers = fixed_scope(lambda run, metric: Slow())  # type: ignore[arg-type,return-value]
    h.controller._concurrency = 4
    await h.reconcile()
    assert peak == 4
    assert h.status["phase"] == "Successful"


async def test_the_provider_scope_is_opened_only_to_measure_and_closed_after() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    h = Harness()
    h.create({"metrics": [web_metric(count=2, interval="1m", successCondition="result > 5")]})
    h.provider.script["m"] = [10]
    log: list[str] = []

    @asynccontextmanager
    async def scope() -> AsyncIterator[object]:
        log.append("open")
        try:
            yield h._lookup
        finally:
            log.append("close")

    h.controller._providers = scope  # type: ignore[assignment]
    await h.reconcile()
    assert log == ["open", "close"]
    await h.reconcile()  # nothing due: no scope opened
    assert log == ["open", "close"]


async def test_providers_collect_garbage_when_the_history_is_trimmed() -> None:
    h = Harness()
    h.create(
        {
            "metrics": [web_metric(count=4, interval="1s", successCondition="result > 5")],
            "measurementRetention": [{"metricName": "m", "limit": 2}],
        }
    )
    h.provider.script["m"] = [10, 10, 10]
    collected: list[int] = []

    async def garbage_collect(run: object, limit: int) -> None:
        collected.append(limit)

    h.provider.garbage_collect = garbage_collect  # type: ignore[attr-defined]
    await h.reconcile()
    await h.clock.advance(1.5)
    await h.reconcile_when_ready()
    assert collected == []  # two measurements: within the limit
    await h.clock.advance(1.5)
    await h.reconcile_when_ready()
    assert collected == [2]
    assert len(h.status["metricResults"][0]["measurements"]) == 2


async def test_a_requeue_before_the_watch_catches_up_uses_the_written_status() -> None:
    h = Harness()
    h.kube.watch_keeps_up = False
    h.create({"metrics": [web_metric(count=2, interval="1m", successCondition="result > 5")]})
    h.provider.script["m"] = [10, 10]
    await h.reconcile()
    await h.reconcile()  # the cache still holds the run without status
    assert len(h.provider.calls) == 1, "measured again from a stale cache"
    assert len(h.status["metricResults"][0]["measurements"]) == 1
    # once the cache has caught up (a newer resourceVersion), it is read again
    h.kube.put(ANALYSIS_RUNS, h.run)
    await h.clock.advance(61)
    await h.reconcile()
    assert len(h.provider.calls) == 2
    assert h.status["phase"] == "Successful"
