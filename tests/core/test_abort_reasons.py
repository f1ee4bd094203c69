"""Abort reasons: upstream's texts after "Rollout aborted update to revision N", and progressDeadlineAbort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollouts.core import abort
from rollouts.core.plan import Plan, StepOutcome
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)
METRIC_FAILED = 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)'


def _updated_canary(steps: list[dict[str, Any]], **spec: Any) -> SimCluster:
    """A healthy canary whose image was changed and walked to its second step."""
    sim = SimCluster(rollout_doc({"canary": {"steps": steps}}, **spec), T0)
    sim.settle()
    sim.set_image("demo:2")
    for _ in range(4):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    return sim


def _progressing(plan: Plan) -> dict[str, Any]:
    return next(c for c in plan.status["conditions"] if c["type"] == "Progressing")


def _aborted_events(plan: Plan) -> list[str]:
    return [e.message for e in plan.events if e.reason == "RolloutAborted" and e.type == "Warning"]


@pytest.mark.parametrize(
    ("kind", "phase", "run_message", "suffix"),
    [
        ("analysis", "Failed", METRIC_FAILED, f"Step-based analysis phase error/failed: {METRIC_FAILED}"),
        ("analysis", "Error", "", "Step-based analysis phase error/failed"),
        ("experiment", "Failed", "", "Experiment analysis phase is error/failed"),
        ("experiment", "Error", "boom", "Experiment analysis phase is error/failed: boom"),
    ],
)
def test_failed_step_run_aborts_with_its_reason(kind: str, phase: str, run_message: str, suffix: str) -> None:
    step: dict[str, Any] = (
        {"analysis": {"templates": [{"templateName": "t"}]}}
        if kind == "analysis"
        else {"experiment": {"templates": [{"name": "c", "specRef": "canary"}]}}
    )
    sim = _updated_canary([{"setWeight": 50}, step])
    assert sim.rollout["status"]["currentStepIndex"] == 1
    plan = sim.plan(StepOutcome(kind, "run", phase, run_message))
    expected = f"Rollout aborted update to revision 2: {suffix}"
    assert plan.status["abort"] is True and "abortedAt" in plan.status
    assert _progressing(plan)["reason"] == "RolloutAborted"
    assert _progressing(plan)["message"] == expected
    assert plan.status["message"] == f"RolloutAborted: {expected}"
    assert _aborted_events(plan) == [expected]
    # Later passes know no reason; the stored condition keeps it and no event repeats.
    sim.apply(plan)
    again = sim.plan()
    assert _progressing(again)["message"] == expected
    assert _aborted_events(again) == []


def test_user_abort_has_no_reason() -> None:
    sim = _updated_canary([{"setWeight": 50}, {"pause": {}}])
    sim.rollout["status"]["abort"] = True
    plan = sim.plan()
    assert _progressing(plan)["message"] == "Rollout aborted update to revision 2"
    assert _aborted_events(plan) == ["Rollout aborted update to revision 2"]


def test_background_analysis_failure_aborts_and_inconclusive_pauses() -> None:
    sim = _updated_canary([{"setWeight": 50}, {"pause": {}}])
    sim.background = StepOutcome("analysis", "bg", "Inconclusive")
    paused = sim.plan()
    assert [p["reason"] for p in paused.status["pauseConditions"]] == [
        "CanaryPauseStep",
        "InconclusiveAnalysisRun",
    ]
    sim.background = StepOutcome("analysis", "bg", "Failed", METRIC_FAILED)
    plan = sim.plan()
    assert _progressing(plan)["message"] == (
        f"Rollout aborted update to revision 2: Background analysis phase error/failed: {METRIC_FAILED}"
    )
    assert "pauseConditions" not in plan.status


def test_background_analysis_is_ignored_once_promoted() -> None:
    sim = SimCluster(rollout_doc({"canary": {"steps": [{"setWeight": 50}]}}), T0)
    sim.settle()
    sim.background = StepOutcome("analysis", "bg", "Failed")
    plan = sim.plan()
    assert "abort" not in plan.status and plan.status["phase"] == "Healthy"


def _bluegreen_waiting_for(stage: str) -> SimCluster:
    strategy = {
        "blueGreen": {
            "activeService": "active",
            "previewService": "preview",
            f"{stage}PromotionAnalysis": {"templates": [{"templateName": "t"}]},
        }
    }
    services = {
        n: {"metadata": {"name": n}, "spec": {"selector": {"app": "demo"}}} for n in ("active", "preview")
    }
    sim = SimCluster(rollout_doc(strategy), T0, services=services)
    sim.settle()
    sim.set_image("demo:2")
    if stage == "post":
        sim.pre_promotion = "Successful"
    for _ in range(6):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
    return sim


@pytest.mark.parametrize(
    ("stage", "phase", "run_message", "suffix"),
    [
        (
            "pre",
            "Failed",
            METRIC_FAILED,
            f"Blue/green pre-promotion analysis phase error/failed: {METRIC_FAILED}",
        ),
        ("pre", "Error", "", "Blue/green pre-promotion analysis phase error/failed"),
        ("post", "Failed", "", "Blue/green post-promotion analysis phase error/failed"),
        ("post", "Error", "timeout", "Blue/green post-promotion analysis phase error/failed: timeout"),
    ],
)
def test_blue_green_analysis_failure_reasons(stage: str, phase: str, run_message: str, suffix: str) -> None:
    sim = _bluegreen_waiting_for(stage)
    if stage == "pre":
        sim.pre_promotion, sim.pre_promotion_message = phase, run_message
    else:
        assert sim.selected_hash("active") == sim.rollout["status"]["currentPodHash"]  # cut over, not stable
        sim.post_promotion, sim.post_promotion_message = phase, run_message
    plan = sim.plan()
    expected = f"Rollout aborted update to revision 2: {suffix}"
    assert plan.status["abort"] is True
    assert _progressing(plan)["message"] == expected
    assert _aborted_events(plan) == [expected]


def _stuck_canary(**spec: Any) -> tuple[SimCluster, str]:
    """An update whose canary pods never become ready, so it stops progressing at its first step."""
    sim = SimCluster(rollout_doc({"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}, **spec), T0)
    sim.settle()
    sim.set_image("demo:2")
    for _ in range(3):
        sim.apply(sim.plan())
    new_name = next(n for n, rs in sim.replica_sets.items() if rs["status"]["availableReplicas"] == 0)
    return sim, new_name


def test_progress_deadline_abort() -> None:
    sim, new_name = _stuck_canary(progressDeadlineSeconds=60, progressDeadlineAbort=True)
    sim.now += timedelta(seconds=30)
    early = sim.plan()
    assert "abort" not in early.status
    sim.apply(early)
    sim.now += timedelta(seconds=31)  # 61 s after the last progress
    plan = sim.plan()
    timed_out = abort.progress_deadline_reason(new_name)
    assert timed_out == f'ReplicaSet "{new_name}" has timed out progressing.'
    expected = f"Rollout aborted update to revision 2: {timed_out}"
    assert plan.status["abort"] is True and plan.status["phase"] == "Degraded"
    assert _progressing(plan)["message"] == expected
    assert _aborted_events(plan) == [timed_out, expected]
    sim.apply(plan)
    final = sim.settle(rounds=10)
    assert final.status["abort"] is True  # stays aborted until retried


def test_progress_deadline_without_abort_only_times_out() -> None:
    sim, new_name = _stuck_canary(progressDeadlineSeconds=60)
    sim.now += timedelta(seconds=61)
    plan = sim.plan()
    assert "abort" not in plan.status
    assert _progressing(plan)["reason"] == "ProgressDeadlineExceeded"
    assert _progressing(plan)["message"] == f'ReplicaSet "{new_name}" has timed out progressing.'


def test_progress_deadline_abort_spares_indefinite_steps() -> None:
    sim = _updated_canary(
        [{"setWeight": 50}, {"pause": {}}], progressDeadlineSeconds=60, progressDeadlineAbort=True
    )
    assert sim.rollout["status"]["currentStepIndex"] == 1
    sim.now += timedelta(seconds=600)
    plan = sim.plan()
    assert "abort" not in plan.status and plan.status["phase"] == "Paused"


def test_step_plugin_reason_is_one_based() -> None:
    assert abort.step_plugin_failed_reason(0, "p", "bad") == "Step Plugin 1 (p) failed: bad"
