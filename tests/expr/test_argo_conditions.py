"""Argo's condition environment and measurement verdict (utils/evaluate in upstream)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from rollouts.expr import ExprError, eval_condition, evaluate_result


@pytest.mark.parametrize(
    ("condition", "result", "expected"),
    [
        ("result[0] >= 0.95", [0.97], True),
        ("result[0] >= 0.95", [0.5, 0.99], False),
        ("result <= 0.01", 0.005, True),
        ("len(result) == 0 || result[0] >= 0.95", [], True),
        ("len(result) == 0", [], True),
        ("all(result, {# < 100})", [1.0, 99.9], True),
        ("all(result, {# < 100})", [1.0, 100.0], False),
        ("all(result, # < 1000)", [], True),
        ("all(result[0].Values, {# <= 0.01})", [{"Values": [0.001, 0.01]}], True),
        ("max(result) < 0.05", [0.01, 0.04], True),
        ("isNaN(result) || result >= 0.95", math.nan, True),
        ("isNaN(result)", 0.5, False),
        ("isInf(result)", math.inf, True),
        ("isNil(result)", None, True),
        ("isNil(result)", 0.0, False),
        # isNil and default look at the result itself, whatever their argument
        ("isNil(1)", None, True),
        ("default(result, 0) > 5", None, False),
        ("default(result, 10) > 5", None, True),
        ("default(result, 0) > 5", 6.0, True),
        ("result.successRate >= 0.95", {"successRate": 0.97}, True),
        ("result.ok && result.successPercent >= 0.90", {"ok": True, "successPercent": 0.93}, True),
        ('result == "I am OK"', "I am OK", True),
        ("result == true", True, True),
        ("result == 1", 1.0, True),
        ("result > 1", 2, True),
        ('asInt(result) == 5', "5", True),
        ('asFloat(result) > 0.5', "0.75", True),
        ("asFloat(result) == 2", 2, True),
        ("asInt(result) == 2", 2.9, True),
        ('all(result, asFloat(.value) >= 9900)', [{"value": "9950"}, {"value": "9901.5"}], True),
        ("result.missing == nil", {}, True),
        ("result['with-dash'] == 1", {"with-dash": 1}, True),
    ],
)
def test_conditions(condition: str, result: Any, expected: bool) -> None:
    assert eval_condition(result, condition) is expected


@pytest.mark.parametrize(
    ("condition", "result", "message"),
    [
        ("result", 1.5, "expected bool, but got float64"),
        ("result", None, "expected bool, but got <nil>"),
        ("result[0] > 1", None, "cannot fetch 0 from <nil>"),
        ("result[0] >= 0.95", [], "index out of range: 0 (array length is 0)"),
        # the arguments are still evaluated: a nil result has no fields
        ("default(result.x, 3) == 3", None, "cannot fetch x from <nil>"),
        ("result > 1", None, "invalid operation: > (mismatched types nil and int)"),
        ("result > 1", "high", "invalid operation: > (mismatched types string and int)"),
        ("asInt(result) > 1", "1.5", 'strconv.ParseInt: parsing "1.5": invalid syntax'),
        ("asFloat(result) > 1", "abc", 'strconv.ParseFloat: parsing "abc": invalid syntax'),
        ("asFloat(result) > 1", None, "asFloat() not supported on nil <nil>"),
        ("isNaN(result)", "x", "cannot use string as argument (type float64) to call isNaN"),
        ("result >", 1, "unexpected token EOF"),
    ],
)
def test_condition_errors(condition: str, result: Any, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        eval_condition(result, condition)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("success", "failure", "result", "phase"),
    [
        (None, None, 1.0, "Successful"),
        ("result > 1", None, 2.0, "Successful"),
        ("result > 1", None, 0.5, "Failed"),
        (None, "result > 1", 2.0, "Failed"),
        (None, "result > 1", 0.5, "Successful"),
        ("result > 10", "result < 1", 5.0, "Inconclusive"),
        ("result > 10", "result < 1", 50.0, "Successful"),
        ("result > 10", "result < 1", 0.5, "Failed"),
        ("result > 0", "result > 0", 1.0, "Failed"),  # failure wins
        ("", "", 1.0, "Successful"),
    ],
)
def test_verdict(success: str | None, failure: str | None, result: Any, phase: str) -> None:
    verdict = evaluate_result(result, success, failure)
    assert verdict.phase == phase
    assert verdict.message is None


def test_verdict_error_carries_the_bare_message() -> None:
    verdict = evaluate_result(None, "result[0] > 1", None)
    assert verdict.phase == "Error"
    assert verdict.message == "cannot fetch 0 from <nil>"


def test_verdict_error_in_failure_condition() -> None:
    verdict = evaluate_result(1.0, "result > 0", "result >")
    assert (verdict.phase, verdict.message) == ("Error", "unexpected token EOF")


def test_unknown_names_fail_even_in_branches_never_taken() -> None:
    with pytest.raises(ExprError) as caught:
        eval_condition(1.0, "result > 0 || reslt > 0")
    assert caught.value.message == "unknown name reslt"
    assert caught.value.line_column == (1, 14)
    with pytest.raises(ExprError, match="unknown func nope"):
        eval_condition(1.0, "true || nope(result)")


def test_let_bound_names_and_builtins_are_known() -> None:
    assert eval_condition([1.0, 2.0], "let total = sum(result); total == 3 && all(result, # > 0)") is True
