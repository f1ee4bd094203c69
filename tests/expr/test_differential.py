"""Differential test against the real Go engine (expr-lang v1.17.8 via enchanter-golem).

The oracle runs expressions without Python-side functions and returns scalars only, so the
generated expressions are closed (no ``result``) and scalar-valued. Known, deliberate
differences: the binding's build does integer ``/`` as integer division, while expr (and Argo)
yield a float — ``/`` is left out of the generated operators and covered by table tests; the
binding refuses NaN/Inf results; expr folds constants when compiling, so ``0 % 0`` in a branch
never taken is a compile error there and fine here, and likewise a type mismatch between
literals (``0 % 0.0``) in an untaken branch: we check types when evaluating, as expr does for
``result`` (whose type it cannot know when compiling Argo's conditions).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollouts.expr import ExprError, compile_expr

golem = pytest.importorskip("golem")
_ENGINE = golem.Engine()
_STATIC_ONLY = re.compile(r"divide by zero|mismatched types")


def _oracle(source: str) -> tuple[str, Any]:
    try:
        return "ok", _ENGINE.eval(source, {})
    except golem.GolemError as exc:
        return "error", str(exc)


def _ours(source: str) -> tuple[str, Any]:
    try:
        return "ok", compile_expr(source).run({})
    except ExprError:
        return "error", None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(
    "source",
    [
        "1 + 2 * 3", "7 % 3", "-7 % 3", "2 ** 10", "2 ^ 3 ^ 2", "-2 ** 2", "1 == 1.0", "1 < 1.5",
        "'a' + 'b'", "'abc' contains 'b'", "'abc' matches '^a'", "not true == false", "1 < 2 == true",
        "2 in [1, 2]", "4 not in [1, 2]", "len(1..10)", "nil ?? 3", "true ? 1 : 2", "[1, 2, 3][-1]",
        "{a: 1}.b == nil", "{a: {b: 2}}.a.b", "all([1, 2], # < 3)", "any([1, 2], # > 1)",
        "none([1], # > 1)", "one([1, 2], # > 1)", "count([1, 2, 3], # > 1)", "sum([1, 2, 3])",
        "len(filter(1..10, # % 2 == 0))", "find([1, 2, 3], # > 1)", "findIndex([1, 2, 3], # > 1)",
        "reduce(1..4, #acc + #)", "abs(-3)", "ceil(1.2)", "floor(-1.2)", "round(2.5)", "round(-2.5)",
        "max(1, 2.5)", "min(3, 1)", "int(2.9)", "int('12')", "float('1.5')", "string(1.0)",
        "string(1e21)", "string(0.000012)", "trim('  x ')", "upper('ab')", "indexOf('abcb', 'b')",
        "hasPrefix('abc', 'a')", "first([7, 8])", "last([7, 8])", "join(['a', 'b'], '-')",
        "replace('aaa', 'a', 'b')", "repeat('ab', 3)", "'abcdef'[1:3]", "len('héllo')",
        "let x = 2; x * x", "[1, 2] | len()", "1 < 'a'", "[1][5]", "1 % 0", "!1", "1 && true",
        "mean([1, 2, 3, 4])", "median([3, 1, 2])", "9223372036854775807 + 1", "0x1F + 0b101",
        "1_000 * 2", "'\\u00e9' == 'é'", "{a: nil}.a?.b ?? 7", "type(1.5)", "1.5 % 2",
    ],
)
def test_table_agrees_with_go_expr(source: str) -> None:
    expected = _oracle(source)
    actual = _ours(source)
    assert actual[0] == expected[0], (source, actual, expected)
    if actual[0] == "ok":
        assert _same(actual[1], expected[1]), (source, actual, expected)


_NUMBERS = st.one_of(
    st.integers(-20, 20).map(str),
    st.floats(-100, 100, allow_nan=False).map(lambda f: repr(float(f))),
)
_BOOL_OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
_ARITH = st.sampled_from(["+", "-", "*", "%", "**"])


@st.composite
def _numeric(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(_NUMBERS)
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return f"({draw(_numeric(depth - 1))} {draw(_ARITH)} {draw(_numeric(depth - 1))})"
    if kind == 1:
        return f"{draw(st.sampled_from(['abs', 'ceil', 'floor', 'round']))}({draw(_numeric(depth - 1))})"
    if kind == 2:
        return f"-{draw(_numeric(depth - 1))}"
    return f"({draw(_boolean(depth - 1))} ? {draw(_numeric(depth - 1))} : {draw(_numeric(depth - 1))})"


@st.composite
def _boolean(draw: st.DrawFn, depth: int = 3) -> str:
    kind = draw(st.integers(0, 3 if depth > 0 else 0))
    if kind == 0:
        return f"({draw(_numeric(max(depth - 1, 0)))} {draw(_BOOL_OPS)} {draw(_numeric(max(depth - 1, 0)))})"
    if kind == 1:
        op = draw(st.sampled_from(["&&", "||", "and", "or"]))
        return f"({draw(_boolean(depth - 1))} {op} {draw(_boolean(depth - 1))})"
    if kind == 2:
        return f"!{draw(_boolean(depth - 1))}"
    return f"all([{draw(_numeric(0))}, {draw(_numeric(0))}], # {draw(_BOOL_OPS)} {draw(_numeric(0))})"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.one_of(_numeric(), _boolean()))
def test_generated_expressions_agree_with_go_expr(source: str) -> None:
    expected = _oracle(source)
    actual = _ours(source)
    if actual[0] == "ok" and isinstance(actual[1], float) and not math.isfinite(actual[1]):
        return  # the binding refuses NaN/Inf results, which expr itself returns
    if actual[0] == "ok" and expected[0] == "error" and _STATIC_ONLY.search(str(expected[1])):
        return  # expr type-checks and folds constants when compiling; see the module docstring
    assert actual[0] == expected[0], (source, actual, expected)
    if actual[0] == "ok":
        assert _same(actual[1], expected[1]), (source, actual, expected)
