"""Which AnalysisRuns a Rollout needs, their manifests, and what becomes of the others
(rollouts.core.rollout_analysis), table-tested against upstream's rollout/analysis.go rules."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.core.rollout_analysis import RunKind
from tests.core.rollout_analysis_world import (
    NEW_HASH,
    OLD_HASH,
    bluegreen_rollout,
    canary_rollout,
    decide,
    run,
    template,
)

ANALYSIS_STEP = {"analysis": {"templates": [{"templateName": "t"}]}}
STEPS = [{"setWeight": 20}, ANALYSIS_STEP, {"setWeight": 50}]
STEP_NAME = f"demo-{NEW_HASH}-2-1"
BACKGROUND_NAME = f"demo-{NEW_HASH}-2"


def _step_status(name: str = STEP_NAME, phase: str = "Running") -> dict[str, Any]:
    return {"canary": {"currentStepAnalysisRunStatus": {"name": name, "status": phase}}}


# -- manifests -------------------------------------------------------------------------------


def test_a_step_run_is_named_labelled_annotated_and_owned_as_upstream() -> None:
    step = {
        "analysis": {
            "templates": [{"templateName": "t"}],
            "analysisRunMetadata": {"labels": {"team": "a", "app": "overridden"}, "annotations": {"x": "y"}},
        }
    }
    ro = canary_rollout([{"setWeight": 20}, step], {"currentStepIndex": 1})
    ro["metadata"]["labels"] = {"argo-rollouts.argoproj.io/controller-instance-id": "blue"}
    decision = decide(ro)
    assert [c.kind for c in decision.create] == [RunKind.STEP]
    manifest = decision.create[0].manifest
    assert manifest["apiVersion"] == "argoproj.io/v1alpha1" and manifest["kind"] == "AnalysisRun"
    meta = manifest["metadata"]
    assert meta["name"] == STEP_NAME
    assert meta["namespace"] == "ns"
    assert meta["labels"] == {
        "rollouts-pod-template-hash": NEW_HASH,
        "rollout-type": "Step",
        "step-index": "1",
        "argo-rollouts.argoproj.io/controller-instance-id": "blue",
        "team": "a",
        "app": "demo",  # the Rollout's selector labels win over analysisRunMetadata
    }
    assert meta["annotations"] == {"rollout.argoproj.io/revision": "2", "x": "y"}
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "name": "demo",
            "uid": "uid-demo",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert decision.current == {} and decision.terminate == [] and decision.delete == []


def test_templates_nested_and_cluster_scoped_merge_with_the_rollouts_args_dry_run_and_retention() -> None:
    templates = {
        "top": template(
            "top",
            ["a"],
            args=[
                {"name": "svc"},
                {"name": "hash"},
                {"name": "stable"},
                {"name": "img"},
                {"name": "d", "value": "1"},
            ],
            templates=[{"templateName": "shared", "clusterScope": True}, {"templateName": "inner"}],
            dryRun=[{"metricName": "a"}],
        ),
        "inner": template("inner", ["b"], templates=[{"templateName": "top"}]),  # a cycle ends here
    }
    cluster = {"shared": template("shared", ["c"], measurementRetention=[{"metricName": "c", "limit": 2}])}
    analysis = {
        "templates": [{"templateName": "top"}],
        "args": [
            {"name": "svc", "value": "demo.ns"},
            {"name": "hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
            {"name": "stable", "valueFrom": {"podTemplateHashValue": "Stable"}},
            {
                "name": "img",
                "valueFrom": {"fieldRef": {"fieldPath": "spec.template.spec.containers[0].image"}},
            },
            {"name": "unused", "value": "dropped"},
        ],
        "dryRun": [{"metricName": "b"}],
        "measurementRetention": [{"metricName": "a", "limit": 1}],
    }
    ro = canary_rollout([{"setWeight": 20}, {"analysis": analysis}], {"currentStepIndex": 1})
    spec = decide(ro, templates=templates, cluster_templates=cluster).create[0].manifest["spec"]
    # namespaced templates first (top, inner), then cluster templates (shared)
    assert [m["name"] for m in spec["metrics"]] == ["a", "b", "c"]
    assert spec["args"] == [
        {"name": "svc", "value": "demo.ns"},
        {"name": "hash", "value": NEW_HASH},
        {"name": "stable", "value": OLD_HASH},
        {"name": "img", "value": "demo:2"},
        {"name": "d", "value": "1"},
    ]
    assert spec["dryRun"] == [{"metricName": "b"}, {"metricName": "a"}]  # the Rollout's first
    assert spec["measurementRetention"] == [{"metricName": "a", "limit": 1}, {"metricName": "c", "limit": 2}]


def test_background_and_blue_green_runs_have_their_names_and_types() -> None:
    background = canary_rollout(STEPS, analysis={"templates": [{"templateName": "t"}]})
    created = decide(background).create
    assert [(c.kind, c.manifest["metadata"]["name"]) for c in created] == [
        (RunKind.BACKGROUND, BACKGROUND_NAME)
    ]
    assert created[0].manifest["metadata"]["labels"]["rollout-type"] == "Background"
    assert "step-index" not in created[0].manifest["metadata"]["labels"]

    pre = bluegreen_rollout(
        {"blueGreen": {"activeSelector": OLD_HASH}},
        prePromotionAnalysis={"templates": [{"templateName": "t"}]},
    )
    created = decide(pre).create
    assert [(c.kind, c.manifest["metadata"]["name"]) for c in created] == [
        (RunKind.PRE_PROMOTION, f"demo-{NEW_HASH}-2-pre")
    ]
    post = bluegreen_rollout(
        {"blueGreen": {"activeSelector": NEW_HASH}},
        postPromotionAnalysis={"templates": [{"templateName": "t"}]},
    )
    created = decide(post).create
    assert [(c.kind, c.manifest["metadata"]["name"]) for c in created] == [
        (RunKind.POST_PROMOTION, f"demo-{NEW_HASH}-2-post")
    ]
    assert created[0].manifest["metadata"]["labels"]["rollout-type"] == "PostPromotion"


@pytest.mark.parametrize(
    ("active", "kind", "wanted"),
    [
        (OLD_HASH, "prePromotionAnalysis", True),  # new RS saturated, not yet active
        ("", "prePromotionAnalysis", False),  # nothing active yet: first deploy
        (NEW_HASH, "prePromotionAnalysis", False),  # already switched
        (OLD_HASH, "postPromotionAnalysis", False),  # not switched yet
        (NEW_HASH, "postPromotionAnalysis", True),
    ],
)
def test_blue_green_runs_wait_for_their_window(active: str, kind: str, wanted: bool) -> None:
    ro = bluegreen_rollout(
        {"blueGreen": {"activeSelector": active}}, **{kind: {"templates": [{"templateName": "t"}]}}
    )
    assert bool(decide(ro).create) is wanted


@pytest.mark.parametrize(
    ("deadline", "fast"), [("2026-01-01T00:10:00Z", True), ("2026-01-01T00:01:00Z", False)]
)
def test_a_blue_green_rollback_inside_the_scale_down_delay_runs_no_analysis(
    deadline: str, fast: bool
) -> None:
    from datetime import UTC, datetime

    from tests.core.rollout_analysis_world import OLD_TEMPLATE, TEMPLATE, replica_set

    # back to the older template (NEW_HASH here, revision 1) while it waits out its scale-down delay
    older = replica_set(NEW_HASH, TEMPLATE, revision="1")
    older["metadata"]["annotations"]["scale-down-deadline"] = deadline
    newer = replica_set(OLD_HASH, OLD_TEMPLATE, revision="2")
    ro = bluegreen_rollout(
        {"blueGreen": {"activeSelector": OLD_HASH}},
        prePromotionAnalysis={"templates": [{"templateName": "t"}]},
    )
    now = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    decision = decide(ro, replica_sets=[older, newer], now=now)
    assert (decision.create == []) is fast


def test_pre_promotion_waits_for_a_saturated_new_replica_set() -> None:
    from tests.core.rollout_analysis_world import OLD_TEMPLATE, TEMPLATE, replica_set

    ro = bluegreen_rollout(
        {"blueGreen": {"activeSelector": OLD_HASH}},
        prePromotionAnalysis={"templates": [{"templateName": "t"}]},
    )
    half = replica_set(NEW_HASH, TEMPLATE)
    half["status"]["availableReplicas"] = 2
    replica_sets = [replica_set(OLD_HASH, OLD_TEMPLATE, revision="1"), half]
    assert decide(ro, replica_sets=replica_sets).create == []
    # once started, a dip in availability does not cancel it
    status = {
        "blueGreen": {
            "activeSelector": OLD_HASH,
            "prePromotionAnalysisRunStatus": {"name": "p", "status": "Running"},
        }
    }
    ro = bluegreen_rollout(status, prePromotionAnalysis={"templates": [{"templateName": "t"}]})
    decision = decide(ro, replica_sets=replica_sets, runs=[run("p", "PrePromotion", phase="Running")])
    assert list(decision.current) == [RunKind.PRE_PROMOTION] and decision.terminate == []


@pytest.mark.parametrize(
    ("starting_step", "index", "wanted"),
    [(None, 0, True), (1, 0, False), (1, 1, True), (2, 3, True)],
)
def test_background_analysis_starts_at_its_starting_step(
    starting_step: int | None, index: int, wanted: bool
) -> None:
    analysis: dict[str, Any] = {"templates": [{"templateName": "t"}]}
    if starting_step is not None:
        analysis["startingStep"] = starting_step
    ro = canary_rollout(STEPS, {"currentStepIndex": index}, analysis=analysis)
    created = [c.kind for c in decide(ro).create if c.kind is RunKind.BACKGROUND]
    assert created == ([RunKind.BACKGROUND] if wanted else [])


# -- name collisions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "expected_create", "reused"),
    [
        ([run(STEP_NAME, owner="someone-else")], f"{STEP_NAME}.1", False),
        ([run(STEP_NAME, phase="Successful")], f"{STEP_NAME}.1", False),  # ours but completed
        ([run(STEP_NAME, spec={"metrics": [{"name": "other"}]})], f"{STEP_NAME}.1", False),
        ([run(STEP_NAME, owner="x"), run(f"{STEP_NAME}.1", owner="y")], f"{STEP_NAME}.2", False),
        ([run(STEP_NAME, phase="Running")], None, True),  # our own create, seen late: reused
    ],
)
def test_a_taken_name_gets_the_next_collision_suffix_unless_the_run_is_ours(
    existing: list[dict[str, Any]], expected_create: str | None, reused: bool
) -> None:
    ro = canary_rollout(STEPS, {"currentStepIndex": 1})
    decision = decide(ro, runs=existing)
    assert [c.manifest["metadata"]["name"] for c in decision.create] == (
        [expected_create] if expected_create else []
    )
    assert (RunKind.STEP in decision.current) is reused


# -- lifecycle ---------------------------------------------------------------------------------


def test_a_running_step_run_stays_current_and_nothing_else_happens() -> None:
    ro = canary_rollout(STEPS, {"currentStepIndex": 1, **_step_status()})
    current = run(STEP_NAME, phase="Running")
    decision = decide(ro, runs=[current])
    assert decision.current == {RunKind.STEP: current}
    assert decision.create == decision.terminate == decision.delete == []


@pytest.mark.parametrize(
    ("status", "case"),
    [
        ({"abort": True, "abortedAt": "2026-01-01T00:00:00Z"}, "aborted"),
        ({"promoteFull": True}, "promote-full"),
        ({"stableRS": NEW_HASH}, "fully promoted"),
        ({"currentPodHash": "elsewhere"}, "a new update starts"),
    ],
)
def test_current_canary_runs_are_terminated_and_dropped_when_the_update_ends(
    status: dict[str, Any], case: str
) -> None:
    ro = canary_rollout(
        STEPS,
        {
            "currentStepIndex": 1,
            "canary": {
                "currentStepAnalysisRunStatus": {"name": STEP_NAME, "status": "Running"},
                "currentBackgroundAnalysisRunStatus": {"name": BACKGROUND_NAME, "status": "Running"},
            },
            **status,
        },
        analysis={"templates": [{"templateName": "t"}]},
    )
    runs = [run(STEP_NAME, phase="Running"), run(BACKGROUND_NAME, "Background", phase="Running")]
    decision = decide(ro, runs=runs)
    assert sorted(decision.terminate) == sorted([STEP_NAME, BACKGROUND_NAME]), case
    assert decision.current == {} and decision.create == [], case


def test_blue_green_keeps_naming_its_runs_once_stable() -> None:
    status = {
        "stableRS": NEW_HASH,
        "blueGreen": {
            "activeSelector": NEW_HASH,
            "postPromotionAnalysisRunStatus": {"name": "p", "status": "Successful"},
        },
    }
    ro = bluegreen_rollout(status, postPromotionAnalysis={"templates": [{"templateName": "t"}]})
    done = run("p", "PostPromotion", phase="Successful")
    decision = decide(ro, runs=[done])
    assert decision.current == {RunKind.POST_PROMOTION: done}
    assert decision.terminate == [] and decision.create == []


def test_a_promoted_step_terminates_the_previous_steps_run() -> None:
    # promote skipped the analysis step: the index moved past it while its run still runs
    steps = [ANALYSIS_STEP, ANALYSIS_STEP]
    ro = canary_rollout(steps, {"currentStepIndex": 1, **_step_status(f"demo-{NEW_HASH}-2-0")})
    old = run(f"demo-{NEW_HASH}-2-0", phase="Running", step_index=0)
    decision = decide(ro, runs=[old])
    assert decision.terminate == [f"demo-{NEW_HASH}-2-0"]
    assert decision.current == {} and decision.create == []  # the next pass creates step 1's run


def test_nothing_changes_for_the_step_while_paused() -> None:
    status = {
        "currentStepIndex": 1,
        "pauseConditions": [{"reason": "InconclusiveAnalysisRun", "startTime": "2026-01-01T00:00:00Z"}],
        "controllerPause": True,
        **_step_status(phase="Inconclusive"),
    }
    inconclusive = run(STEP_NAME, phase="Inconclusive")
    decision = decide(canary_rollout(STEPS, status), runs=[inconclusive])
    assert decision.current == {RunKind.STEP: inconclusive} and decision.create == []


def test_a_resume_after_an_inconclusive_run_starts_a_new_run() -> None:
    # promote cleared the pause conditions; controllerPause is still set from the pause
    status = {"currentStepIndex": 1, "controllerPause": True, **_step_status(phase="Inconclusive")}
    decision = decide(canary_rollout(STEPS, status), runs=[run(STEP_NAME, phase="Inconclusive")])
    assert [c.manifest["metadata"]["name"] for c in decision.create] == [f"{STEP_NAME}.1"]


def test_a_retry_starts_new_runs_while_aborted_at_is_still_recorded() -> None:
    status = {"currentStepIndex": 1, "abortedAt": "2026-01-01T00:00:00Z", **_step_status(phase="Failed")}
    decision = decide(canary_rollout(STEPS, status), runs=[run(STEP_NAME, phase="Failed")])
    assert [c.manifest["metadata"]["name"] for c in decision.create] == [f"{STEP_NAME}.1"]


def test_nothing_is_created_before_the_new_replica_set_exists_or_on_the_initial_deploy() -> None:
    from tests.core.rollout_analysis_world import OLD_TEMPLATE, replica_set

    ro = canary_rollout(STEPS, {"currentStepIndex": 1})
    assert decide(ro, replica_sets=[replica_set(OLD_HASH, OLD_TEMPLATE, revision="1")]).create == []
    initial = canary_rollout(STEPS, {"currentStepIndex": 1, "stableRS": None})
    assert decide(initial).create == []


def test_other_runs_are_terminated_and_old_finished_ones_deleted_past_the_history_limits() -> None:
    ro = canary_rollout(STEPS, {"currentStepIndex": 0})
    ro["spec"]["analysis"] = {"successfulRunHistoryLimit": 1}
    runs = [
        run("running-other", phase="Running", created="2026-01-01T00:00:09Z"),
        run("ok-new", phase="Successful", created="2026-01-01T00:00:08Z"),
        run("ok-old", phase="Successful", created="2026-01-01T00:00:07Z"),
        run("failed", phase="Failed", created="2026-01-01T00:00:06Z"),
        run("no-rs", phase="Successful", pod_hash="gone", created="2026-01-01T00:00:05Z"),
        run("cancelled", terminate=True, created="2026-01-01T00:00:04Z"),
    ]
    decision = decide(ro, runs=runs)
    assert decision.terminate == ["running-other"]
    assert decision.delete == ["ok-old", "no-rs"]


@pytest.mark.parametrize(
    ("limit_ok", "limit_bad", "deleted"),
    [
        (5, 5, []),
        (0, 5, ["s2", "s1"]),
        (1, 1, ["s1", "e1", "i1"]),
        (5, 0, ["f2", "e1", "i1"]),
    ],
)
def test_history_limits_count_successful_and_unsuccessful_runs_separately(
    limit_ok: int, limit_bad: int, deleted: list[str]
) -> None:
    from rollouts.core.rollout_analysis.history import runs_to_delete
    from tests.core.rollout_analysis_world import TEMPLATE, replica_set

    runs = [
        run("s2", phase="Successful", created="2026-01-01T00:00:09Z"),
        run("f2", phase="Failed", created="2026-01-01T00:00:08Z"),
        run("s1", phase="Successful", created="2026-01-01T00:00:07Z"),
        run("e1", phase="Error", created="2026-01-01T00:00:06Z"),
        run("i1", phase="Inconclusive", created="2026-01-01T00:00:05Z"),
        run("r1", phase="Running", created="2026-01-01T00:00:04Z"),
    ]
    assert runs_to_delete(runs, [replica_set(NEW_HASH, TEMPLATE)], limit_ok, limit_bad) == deleted


def test_a_missing_template_or_bad_args_do_not_create_a_run_and_say_why() -> None:
    ro = canary_rollout(STEPS, {"currentStepIndex": 1})
    decision = decide(ro, templates={})
    assert decision.create == [] and decision.errors == ["AnalysisTemplate 't' not found"]
    needs_arg = {"t": template("t", ["m"], args=[{"name": "x"}])}
    decision = decide(ro, templates=needs_arg)
    assert decision.create == [] and decision.errors == ["args.x was not resolved"]
