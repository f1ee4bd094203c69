"""Rollout analysis: outcomes for the plans, status entries, Events, InvalidSpec references,
argument values and template merging errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.rollout import Rollout
from rollouts.api.steps import AnalysisRunArgument
from rollouts.core.analysis_templates import ResolvedTemplates, run_spec
from rollouts.core.plan import StepOutcome
from rollouts.core.rollout_analysis import (
    RunKind,
    outcomes,
    run_status_events,
    template_reference_errors,
    with_run_statuses,
)
from rollouts.core.rollout_analysis.args import ArgumentValueError, go_value, rollout_run_args
from tests.core.rollout_analysis_world import bluegreen_rollout, canary_rollout, run, template


def _with_phase(name: str, kind: str, phase: str | None, message: str = "") -> dict[str, Any]:
    out = run(name, kind, phase=phase)
    if message:
        out["status"]["message"] = message
    return out


def test_outcomes_carry_phase_and_message_and_a_fresh_run_is_pending() -> None:
    current = {
        RunKind.STEP: _with_phase("s", "Step", "Failed", "metric m failed"),
        RunKind.BACKGROUND: _with_phase("b", "Background", None),
    }
    got = outcomes(current)
    assert got.step == StepOutcome("analysis", "s", "Failed", "metric m failed")
    assert got.background == StepOutcome("analysis", "b", "Pending", "")
    assert got.pre_promotion_phase is None and got.post_promotion_phase is None
    bg = outcomes({RunKind.POST_PROMOTION: _with_phase("p", "PostPromotion", "Error", "boom")})
    assert (bg.post_promotion_phase, bg.post_promotion_message) == ("Error", "boom")
    assert bg.step is None


def test_status_entries_follow_the_current_runs() -> None:
    stored = {"currentPodHash": "h", "currentStepIndex": 1, "canary": {"weights": {"x": 1}}}
    planned = {
        "currentPodHash": "h",
        "currentStepIndex": 1,
        "canary": {"weights": {"x": 1}, "currentBackgroundAnalysisRunStatus": {"name": "gone", "status": ""}},
    }
    current = {RunKind.STEP: _with_phase("s", "Step", "Running", "m running")}
    out = with_run_statuses(planned, stored, current)
    assert out["canary"] == {
        "weights": {"x": 1},
        "currentStepAnalysisRunStatus": {"name": "s", "status": "Running", "message": "m running"},
    }
    # the plan moved to the next step: the step's entry goes
    moved = with_run_statuses({**planned, "currentStepIndex": 2}, stored, current)
    assert "currentStepAnalysisRunStatus" not in moved["canary"]
    # a new update: every entry goes
    reset = with_run_statuses({**planned, "currentPodHash": "other"}, stored, current)
    assert "currentStepAnalysisRunStatus" not in reset["canary"]
    fresh = with_run_statuses({}, {}, {RunKind.PRE_PROMOTION: _with_phase("p", "PrePromotion", None)})
    assert fresh == {"blueGreen": {"prePromotionAnalysisRunStatus": {"name": "p", "status": ""}}}


@pytest.mark.parametrize(
    ("previous", "phase", "expected"),
    [
        (
            None,
            "Running",
            (
                "Normal",
                "AnalysisRunRunning",
                "Step Analysis Run 's' Status New: 'Running' Previous: 'NoPreviousStatus'",
            ),
        ),
        (
            {"name": "s", "status": "Running"},
            "Failed",
            (
                "Warning",
                "AnalysisRunFailed",
                "Step Analysis Run 's' Status New: 'Failed' Previous: 'Running'",
            ),
        ),
        (
            {"name": "s", "status": "Running"},
            "Successful",
            (
                "Normal",
                "AnalysisRunSuccessful",
                "Step Analysis Run 's' Status New: 'Successful' Previous: 'Running'",
            ),
        ),
        ({"name": "s", "status": "Running"}, "Running", None),
        ({"name": "other", "status": "Running"}, "Failed", None),  # upstream only compares the same run
        (None, None, None),  # no phase yet: nothing to say
    ],
)
def test_a_phase_change_is_an_event(
    previous: dict[str, Any] | None, phase: str | None, expected: Any
) -> None:
    stored = {"canary": {"currentStepAnalysisRunStatus": previous}} if previous else {}
    events = run_status_events(stored, {RunKind.STEP: _with_phase("s", "Step", phase)})
    assert [(e.type, e.reason, e.message) for e in events] == ([expected] if expected else [])


STEP_PATH = "spec.strategy.canary.steps[1].analysis.templates"


@pytest.mark.parametrize(
    ("analysis", "templates", "cluster", "message"),
    [
        ({"templates": [{"templateName": "t"}]}, {"t": template("t", ["m"])}, {}, None),
        (
            {"templates": [{"templateName": "missing"}]},
            {},
            {},
            f"{STEP_PATH}: Invalid value: \"missing\": AnalysisTemplate 'missing' not found",
        ),
        (
            {"templates": [{"templateName": "c", "clusterScope": True}]},
            {},
            {},
            f"{STEP_PATH}: Invalid value: \"c\": ClusterAnalysisTemplate 'c' not found",
        ),
        (
            {"templates": [{"templateName": "t"}]},
            {"t": template("t", ["m"], templates=[{"templateName": "inner"}])},
            {},
            "spec.templates: Invalid value: \"inner\": AnalysisTemplate 'inner' not found",
        ),
        (
            {"templates": [{"templateName": "t"}]},
            {"t": template("t", ["m"], args=[{"name": "x"}])},
            {},
            f'{STEP_PATH}: Invalid value: "templateNames: [t]": args.x was not resolved',
        ),
        (
            {
                "templates": [{"templateName": "t"}],
                "args": [{"name": "x", "valueFrom": {"podTemplateHashValue": "Latest"}}],
            },
            {"t": template("t", ["m"], args=[{"name": "x"}])},
            {},
            None,
        ),
        (
            {"templates": [{"templateName": "t"}]},
            {"t": template("t", [{"name": "m", "interval": "1m"}])},
            {},
            f'{STEP_PATH}: Invalid value: "t": AnalysisTemplate t has metric m which runs indefinitely. '
            "Invalid value for count: <nil>",
        ),
        (
            {"templates": [{"templateName": "t"}]},
            {
                "t": template(
                    "t",
                    [{"name": "m", "interval": "1m", "count": "{{args.n}}"}],
                    args=[{"name": "n", "value": "0"}],
                )
            },
            {},
            f'{STEP_PATH}: Invalid value: "t": AnalysisTemplate t has metric m which runs indefinitely. '
            "Invalid value for count: 0",
        ),
        (
            {"templates": [{"templateName": "t"}]},
            {"t": template("t", [{"name": "m", "interval": "1m", "count": 3}])},
            {},
            None,
        ),
        (
            {"templates": [{"templateName": "a"}, {"templateName": "b", "clusterScope": True}]},
            {"a": template("a", ["m"])},
            {"b": template("b", ["m"])},
            f"{STEP_PATH}: Invalid value: \"templateNames: [a b]\": two metrics have the same name 'm'",
        ),
    ],
)
def test_template_references_are_checked_as_upstream_reports_them(
    analysis: dict[str, Any], templates: dict[str, Any], cluster: dict[str, Any], message: str | None
) -> None:
    ro = Rollout.from_dict(canary_rollout([{"setWeight": 10}, {"analysis": analysis}]))
    errors = template_reference_errors(ro, templates, cluster)
    assert [str(e) for e in errors] == ([message] if message else [])


def test_a_background_analysis_may_run_indefinitely() -> None:
    indefinite = {"t": template("t", [{"name": "m", "interval": "1m"}])}
    ro = Rollout.from_dict(
        canary_rollout([{"setWeight": 10}], analysis={"templates": [{"templateName": "t"}]})
    )
    assert template_reference_errors(ro, indefinite, {}) == []


def test_blue_green_references_are_checked_pre_then_post() -> None:
    ro = Rollout.from_dict(
        bluegreen_rollout(
            prePromotionAnalysis={"templates": [{"templateName": "pre"}]},
            postPromotionAnalysis={"templates": [{"templateName": "post"}]},
        )
    )
    assert [str(e) for e in template_reference_errors(ro, {}, {})] == [
        'spec.strategy.blueGreen.prePromotionAnalysis.templates: Invalid value: "pre": '
        "AnalysisTemplate 'pre' not found"
    ]


ROLLOUT_JSON: dict[str, Any] = {
    "metadata": {"name": "demo", "namespace": "ns", "uid": "u1", "labels": {"b": "2", "a": "1"}},
    "spec": {
        "replicas": 1000000,
        "paused": False,
        "template": {"spec": {"containers": [{"image": "img:1"}]}},
    },
    "status": {"ratio": 0.5},
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("metadata.name", "demo"),
        ("metadata.namespace", "ns"),
        ("metadata.uid", "u1"),
        ("metadata.labels['a']", "1"),
        ("metadata.labels", 'a="1"\nb="2"'),
        ("spec.template.spec.containers[0].image", "img:1"),
        ("spec.replicas", "1e+06"),
        ("spec.paused", "false"),
        ("status.ratio", "0.5"),
    ],
)
def test_field_refs_read_the_rollout_as_upstream(path: str, value: str) -> None:
    arg = AnalysisRunArgument.model_validate({"name": "x", "valueFrom": {"fieldRef": {"fieldPath": path}}})
    assert rollout_run_args([arg], ROLLOUT_JSON, new_hash="n", stable_hash="s") == [
        {"name": "x", "value": value}
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("spec.template", "path spec.template in rollout must terminate in a primitive value"),
        ("spec.nothing", "invalid path spec.nothing in rollout"),
        ("spec.template.spec.containers[3]", "index 3 out of range"),
        ("spec.template.spec.containers.x", "invalid index 'x'"),
        ("metadata.generation", "unsupported fieldPath: metadata.generation"),
    ],
)
def test_bad_field_refs_are_errors(path: str, message: str) -> None:
    arg = AnalysisRunArgument.model_validate({"name": "x", "valueFrom": {"fieldRef": {"fieldPath": path}}})
    with pytest.raises(ArgumentValueError, match=message):
        rollout_run_args([arg], ROLLOUT_JSON, new_hash="n", stable_hash="s")


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "0"),
        (3, "3"),
        (-2.5, "-2.5"),
        (123456, "123456"),
        (1234567, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1e21, "1e+21"),
        (True, "true"),
    ],
)
def test_numbers_print_as_gos_percent_v_of_a_json_float(number: Any, text: str) -> None:
    assert go_value(number) == text


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e30, max_value=1e30))
def test_go_float_text_reads_back_as_the_same_number(number: float) -> None:
    assert float(go_value(number)) == number


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (
            [{"args": [{"name": "a", "value": "1"}]}, {"args": [{"name": "a", "value": "2"}]}],
            "Argument `a` specified multiple times with different values: '1', '2'",
        ),
        (
            [{"dryRun": [{"metricName": "m"}]}, {"dryRun": [{"metricName": "m"}]}],
            "two Dry-Run metric rules have the same name 'm'",
        ),
        (
            [
                {"measurementRetention": [{"metricName": "m", "limit": 1}]},
                {"measurementRetention": [{"metricName": "m", "limit": 2}]},
            ],
            "two Measurement Retention metric rules have the same name 'm'",
        ),
    ],
)
def test_templates_that_do_not_combine_are_errors(specs: list[dict[str, Any]], message: str) -> None:
    resolved = ResolvedTemplates(
        tuple({"metadata": {"name": f"t{i}"}, "spec": s} for i, s in enumerate(specs)), ()
    )
    with pytest.raises(ValueError, match=message):
        run_spec(resolved)


def test_a_valued_template_arg_is_not_replaced_by_a_valueless_one() -> None:
    specs = [{"args": [{"name": "a", "value": "1"}]}, {"args": [{"name": "a"}]}]
    resolved = ResolvedTemplates(
        tuple({"metadata": {"name": f"t{i}"}, "spec": s} for i, s in enumerate(specs)), ()
    )
    assert run_spec(resolved)["args"] == [{"name": "a", "value": "1"}]
