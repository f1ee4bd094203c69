# ruff: noqa: E501  (expected exposition lines are compared verbatim)
"""Metric names, labels and values as scraped through prometheus_client's text exposition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rollouts.metrics import ControllerMetrics
from rollouts.metrics.families import HistogramFamily


class FakeCache:
    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects = list(objects)

    def list(self) -> list[dict[str, Any]]:
        return self.objects


def lines(metrics: ControllerMetrics, prefix: str) -> list[str]:
    return [
        line
        for line in metrics.render().decode().splitlines()
        if line.startswith(prefix + "{") or line.startswith(prefix + " ")
    ]


def rollout(name: str, **spec_status: Any) -> dict[str, Any]:
    return {"metadata": {"namespace": "ns", "name": name}, **spec_status}


def test_rollout_info_from_the_cache() -> None:
    cache = FakeCache(
        rollout(
            "web",
            spec={"replicas": 5, "strategy": {"canary": {"trafficRouting": {"istio": {}}}}},
            status={
                "replicas": 6,
                "availableReplicas": 4,
                "updatedReplicas": 2,
                "conditions": [{"type": "Progressing", "reason": "RolloutPaused"}],
            },
        ),
        rollout(
            "bg",
            spec={"strategy": {"blueGreen": {}}},
            status={"conditions": [{"type": "InvalidSpec", "reason": "InvalidSpec"}]},
        ),
    )
    m = ControllerMetrics("v1.2.3")
    m.bind_caches(rollouts=cache)
    assert lines(m, "rollout_info") == [
        'rollout_info{name="web",namespace="ns",phase="Paused",strategy="canary",traffic_router="Istio"} 1.0',
        'rollout_info{name="bg",namespace="ns",phase="InvalidSpec",strategy="blueGreen",traffic_router=""} 1.0',
    ]
    assert lines(m, "rollout_info_replicas_available") == [
        'rollout_info_replicas_available{name="web",namespace="ns"} 4.0',
        'rollout_info_replicas_available{name="bg",namespace="ns"} 0.0',
    ]
    assert lines(m, "rollout_info_replicas_unavailable")[0] == (
        'rollout_info_replicas_unavailable{name="web",namespace="ns"} 2.0'
    )
    assert lines(m, "rollout_info_replicas_desired") == [
        'rollout_info_replicas_desired{name="web",namespace="ns"} 5.0',
        'rollout_info_replicas_desired{name="bg",namespace="ns"} 1.0',  # unset -> default 1
    ]
    assert (
        lines(m, "rollout_info_replicas_updated")[0]
        == 'rollout_info_replicas_updated{name="web",namespace="ns"} 2.0'
    )
    phases = [line for line in lines(m, "rollout_phase") if 'name="web"' in line]
    assert len(phases) == 6
    assert [line for line in phases if line.endswith(" 1.0")] == [
        'rollout_phase{name="web",namespace="ns",phase="Paused",strategy="canary"} 1.0'
    ]


def test_rollout_phase_follows_the_progressing_reason() -> None:
    cases = {
        "NewReplicaSetAvailable": "Completed",
        "ProgressDeadlineExceeded": "Timeout",
        "RolloutAborted": "Abort",
        "ReplicaSetCreateError": "Error",
        "ReplicaSetUpdated": "Progressing",
    }
    objs = [
        rollout(reason, spec={}, status={"conditions": [{"type": "Progressing", "reason": reason}]})
        for reason in cases
    ]
    m = ControllerMetrics("v")
    m.bind_caches(rollouts=FakeCache(*objs))
    got = lines(m, "rollout_info")
    for reason, phase in cases.items():
        assert (
            f'rollout_info{{name="{reason}",namespace="ns",phase="{phase}",strategy="none",traffic_router=""}} 1.0'
            in got
        )


def test_a_deleted_object_leaves_no_series() -> None:
    cache = FakeCache(rollout("a", spec={}), rollout("b", spec={}))
    m = ControllerMetrics("v")
    m.bind_caches(rollouts=cache)
    assert len(lines(m, "rollout_info")) == 2
    cache.objects.pop()
    assert lines(m, "rollout_info") == [
        'rollout_info{name="a",namespace="ns",phase="Progressing",strategy="none",traffic_router=""} 1.0'
    ]


def test_analysis_run_metrics() -> None:
    run = {
        "metadata": {"namespace": "ns", "name": "run"},
        "spec": {
            "metrics": [
                {"name": "error-rate", "provider": {"prometheus": {"query": "q"}}},
                {"name": "smoke", "provider": {"job": {"spec": {}}}},
                {"name": "odd", "provider": {}},
            ],
            "dryRun": [{"metricName": "error.*"}],
        },
        "status": {"phase": "Running", "metricResults": [{"name": "error-rate", "phase": "Failed"}]},
    }
    m = ControllerMetrics("v")
    m.bind_caches(analysis_runs=FakeCache(run))
    assert lines(m, "analysis_run_info") == [
        'analysis_run_info{name="run",namespace="ns",phase="Running"} 1.0'
    ]
    assert lines(m, "analysis_run_metric_type") == [
        'analysis_run_metric_type{metric="error-rate",name="run",namespace="ns",type="Prometheus"} 1.0',
        'analysis_run_metric_type{metric="smoke",name="run",namespace="ns",type="Job"} 1.0',
        'analysis_run_metric_type{metric="odd",name="run",namespace="ns",type="Unknown Provider"} 1.0',
    ]
    ones = [line for line in lines(m, "analysis_run_metric_phase") if line.endswith(" 1.0")]
    assert ones == [
        'analysis_run_metric_phase{dry_run="true",metric="error-rate",name="run",namespace="ns",phase="Failed",type="Prometheus"} 1.0',
        'analysis_run_metric_phase{dry_run="false",metric="smoke",name="run",namespace="ns",phase="Pending",type="Job"} 1.0',
        'analysis_run_metric_phase{dry_run="false",metric="odd",name="run",namespace="ns",phase="Pending",type="Unknown Provider"} 1.0',
    ]
    assert len(lines(m, "analysis_run_metric_phase")) == 3 * 6
    assert [line for line in lines(m, "analysis_run_phase") if line.endswith(" 1.0")] == [
        'analysis_run_phase{name="run",namespace="ns",phase="Running"} 1.0'
    ]


def test_experiment_metrics_count_an_unset_phase_as_pending() -> None:
    m = ControllerMetrics("v")
    m.bind_caches(experiments=FakeCache({"metadata": {"namespace": "ns", "name": "ex"}, "spec": {}}))
    assert lines(m, "experiment_info") == ['experiment_info{name="ex",namespace="ns",phase=""} 1.0']
    assert [line for line in lines(m, "experiment_phase") if line.endswith(" 1.0")] == [
        'experiment_phase{name="ex",namespace="ns",phase="Pending"} 1.0'
    ]


def test_reconcile_histogram_and_error_counter_use_upstream_names() -> None:
    m = ControllerMetrics("v")
    m.reconcile.observe("rollout", "ns", "web", 0.2)
    m.reconcile.observe("rollout", "ns", "web", 3.0)
    m.reconcile.error("rollout", "ns", "web")
    m.reconcile.error("analysis_run", "ns", "run")
    m.reconcile.event("ns", "web", "Normal", "RolloutUpdated")
    text = m.render().decode()
    assert lines(m, "rollout_reconcile_bucket") == [
        'rollout_reconcile_bucket{le="0.01",name="web",namespace="ns"} 0.0',
        'rollout_reconcile_bucket{le="0.15",name="web",namespace="ns"} 0.0',
        'rollout_reconcile_bucket{le="0.25",name="web",namespace="ns"} 1.0',
        'rollout_reconcile_bucket{le="0.5",name="web",namespace="ns"} 1.0',
        'rollout_reconcile_bucket{le="1",name="web",namespace="ns"} 1.0',
        'rollout_reconcile_bucket{le="+Inf",name="web",namespace="ns"} 2.0',
    ]
    assert lines(m, "rollout_reconcile_count") == ['rollout_reconcile_count{name="web",namespace="ns"} 2.0']
    assert "# TYPE rollout_reconcile histogram" in text
    assert lines(m, "rollout_reconcile_error") == ['rollout_reconcile_error{name="web",namespace="ns"} 1.0']
    assert lines(m, "analysis_run_reconcile_error") == [
        'analysis_run_reconcile_error{name="run",namespace="ns"} 1.0'
    ]
    assert lines(m, "rollout_events_total") == [
        'rollout_events_total{name="web",namespace="ns",reason="RolloutUpdated",type="Normal"} 1.0'
    ]
    assert "# TYPE rollout_events_total counter" in text
    assert "_created" not in text
    m.reconcile.forget("rollout", "ns", "web")
    assert lines(m, "rollout_reconcile_bucket") == []
    assert lines(m, "rollout_reconcile_error") == []
    assert lines(m, "rollout_events_total") == []
    assert lines(m, "analysis_run_reconcile_error") != []


@dataclass
class Record:
    kind: str
    namespace: str | None
    name: str | None
    verb: str
    status_code: int


def test_k8s_request_counter_names_lists_and_replicasets_n_a() -> None:
    m = ControllerMetrics("v")
    m.k8s_requests(Record("rollouts", "ns", "web", "get", 200))
    m.k8s_requests(Record("rollouts", "ns", "web", "get", 200))
    m.k8s_requests(Record("rollouts", "ns", None, "list", 200))
    m.k8s_requests(Record("replicasets", "ns", "web-abc", "update", 409))
    assert lines(m, "controller_clientset_k8s_request_total") == [
        'controller_clientset_k8s_request_total{kind="rollouts",name="web",namespace="ns",status_code="200",verb="get"} 2.0',
        'controller_clientset_k8s_request_total{kind="rollouts",name="N/A",namespace="ns",status_code="200",verb="list"} 1.0',
        'controller_clientset_k8s_request_total{kind="replicasets",name="N/A",namespace="ns",status_code="409",verb="update"} 1.0',
    ]


def test_workqueue_metrics_through_the_provider() -> None:
    m = ControllerMetrics("v")
    p = m.workqueue
    p.depth("rollouts").set(1)
    p.adds("rollouts").inc()
    p.retries("rollouts").inc()
    p.queue_latency("rollouts").observe(0.5)
    p.work_duration("rollouts").observe(0.001)
    p.unfinished_work_seconds("rollouts").set(3.5)
    p.longest_running_processor_seconds("rollouts").set(2.0)
    assert lines(m, "workqueue_depth") == ['workqueue_depth{name="rollouts"} 1.0']
    assert lines(m, "workqueue_adds_total") == ['workqueue_adds_total{name="rollouts"} 1.0']
    assert lines(m, "workqueue_retries_total") == ['workqueue_retries_total{name="rollouts"} 1.0']
    assert lines(m, "workqueue_queue_duration_seconds_count") == [
        'workqueue_queue_duration_seconds_count{name="rollouts"} 1.0'
    ]
    assert 'workqueue_work_duration_seconds_bucket{le="1e-08",name="rollouts"} 0.0' in lines(
        m, "workqueue_work_duration_seconds_bucket"
    )
    assert lines(m, "workqueue_unfinished_work_seconds") == [
        'workqueue_unfinished_work_seconds{name="rollouts"} 3.5'
    ]
    assert lines(m, "workqueue_longest_running_processor_seconds") == [
        'workqueue_longest_running_processor_seconds{name="rollouts"} 2.0'
    ]


def test_build_info() -> None:
    m = ControllerMetrics("v9.9.9", commit="abc")
    assert lines(m, "argo_rollouts_controller_info") == [
        'argo_rollouts_controller_info{version="v9.9.9"} 1.0'
    ]
    (build,) = lines(m, "build_info")
    assert 'version="v9.9.9"' in build and 'commit="abc"' in build


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), max_size=50))
def test_histogram_buckets_are_cumulative_and_count_everything(values: list[float]) -> None:
    family = HistogramFamily("h", "help", ("k",), (0.1, 1.0, 10.0))
    for value in values:
        family.observe(value, "x")
    samples = family.collect().samples
    buckets = [s.value for s in samples if s.name == "h_bucket"]
    if not values:
        assert buckets == []
        return
    assert buckets == sorted(buckets)
    for bound, count in zip((0.1, 1.0, 10.0), buckets, strict=False):
        assert count == sum(1 for v in values if v <= bound)
    assert buckets[-1] == len(values)
