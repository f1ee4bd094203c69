"""Bounded work and error containment: no input text or data escapes as another exception."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.expr import Budget, ExprBudgetError, ExprError, compile_expr, eval_condition


@pytest.mark.parametrize(
    "source",
    [
        "1..1000000000",
        "repeat('x', 100000000)",
        "map(1..100000, map(1..100000, #))",
        "len(map(1..90000, 1..50))",
        "reduce(1..100000, #acc + #) > 0 && all(1..100000, all(1..100000, true))",
    ],
)
def test_runaway_expressions_hit_the_budget(source: str) -> None:
    with pytest.raises(ExprBudgetError):
        compile_expr(source).run({})


def test_step_budget_is_configurable() -> None:
    program = compile_expr("all(1..50, # > 0)")
    assert program.run({}, Budget(max_steps=1000)) is True
    with pytest.raises(ExprBudgetError, match="budget of 20 steps"):
        program.run({}, Budget(max_steps=20))


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(ExprError, match="nested deeper"):
        compile_expr("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExprError, match="nested deeper"):
        compile_expr("-" * 500 + "1")


def test_no_python_evaluation_reaches_the_interpreter() -> None:
    with pytest.raises(ExprError, match="unknown func __import__"):
        compile_expr("__import__('os')").run({})
    with pytest.raises(ExprError):
        compile_expr("result.__class__").run({"result": 1})


_TEXT = st.text(alphabet=st.sampled_from(list("0123456789.+-*/%<>=!&|?:#()[]{},'\" \\abnoteirsul_^`")),
                max_size=40)
_RESULTS: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(source=_TEXT, result=_RESULTS)
def test_any_text_either_evaluates_or_raises_expr_error(source: str, result: Any) -> None:
    try:
        outcome = eval_condition(result, source)
    except ExprError:
        return
    assert isinstance(outcome, bool)


_ATOMS = st.sampled_from(["result", "1", "2.5", "'a'", "nil", "true", "[1, 2]", "{a: 1}", "#", "len(result)"])
_OPS = st.sampled_from(["+", "-", "*", "/", "%", "**", "==", "<", "and", "or", "in", "??", "..", "matches"])


@st.composite
def _expressions(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(_ATOMS)
    left = draw(_expressions(depth - 1))
    right = draw(_expressions(depth - 1))
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return f"({left} {draw(_OPS)} {right})"
    if shape == 1:
        return f"all({left}, {{{right}}})"
    if shape == 2:
        return f"{left}[{right}]"
    return f"({left} ? {right} : {left})"


@settings(max_examples=200, deadline=None)
@given(source=_expressions(), result=_RESULTS)
def test_well_formed_expressions_never_escape_as_other_exceptions(source: str, result: Any) -> None:
    with contextlib.suppress(ExprError):
        compile_expr(source).run({"result": result})


def test_matches_runs_in_linear_time_on_backtracking_bombs() -> None:
    # Catastrophic for a backtracking engine; RE2 (what Go's regexp is) answers at once.
    assert compile_expr("result matches '(a+)+$'").run({"result": "a" * 5000 + "!"}) is False


def test_regexp_syntax_is_re2s() -> None:
    with pytest.raises(ExprError, match="error parsing regexp: invalid escape sequence"):
        compile_expr("'aa' matches '(a)\\\\1'").run({})
