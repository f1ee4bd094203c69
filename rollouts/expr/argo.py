"""Argo Rollouts' condition environment and the measurement verdict built on it.

Upstream evaluates ``successCondition`` / ``failureCondition`` with an environment holding
``result`` and six helpers. Two of them look at the *result*, not at their argument:
``isNil(x)`` is "the result is nil" and ``default(x, d)`` is "the result, or ``d`` when the
result is nil" — kept here because conditions in the wild rely on it. A condition must yield
a bool; anything else is an error.

Verdict (upstream's ``EvaluateResult``): no conditions → Successful; only a success condition
→ Failed when it is false; only a failure condition → Successful when it is false; both →
Failed if failure holds, Successful if success holds, Inconclusive if neither does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rollouts.expr.builtins import parse_go_float
from rollouts.expr.errors import ExprError, ExprRuntimeError
from rollouts.expr.names import check_names
from rollouts.expr.program import compile_expr
from rollouts.expr.values import format_go, is_number, type_name, wrap_int64

SUCCESSFUL = "Successful"
FAILED = "Failed"
INCONCLUSIVE = "Inconclusive"
ERROR = "Error"

_GO_INT = re.compile(r"[+-]?\d+")


def as_int(value: Any) -> int:
    """``asInt``: numbers truncate, strings must be base-10 integers."""
    if is_number(value):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return -(2**63)
        return wrap_int64(int(value))
    if isinstance(value, str):
        if not _GO_INT.fullmatch(value):
            raise ExprRuntimeError(f'strconv.ParseInt: parsing "{value}": invalid syntax')
        number = int(value)
        if not -(2**63) <= number < 2**63:
            raise ExprRuntimeError(f'strconv.ParseInt: parsing "{value}": value out of range')
        return number
    raise ExprRuntimeError(f"asInt() not supported on {type_name(value)} {format_go(value)}")


def as_float(value: Any) -> float:
    """``asFloat``: numbers convert, strings must parse as Go floats."""
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        return parse_go_float(value)
    raise ExprRuntimeError(f"asFloat() not supported on {type_name(value)} {format_go(value)}")


def _float_argument(name: str, value: Any) -> float:
    if not is_number(value):
        raise ExprRuntimeError(f"cannot use {type_name(value)} as argument (type float64) to call {name}")
    return float(value)


def is_nan(value: Any) -> bool:
    return math.isnan(_float_argument("isNaN", value))


def is_inf(value: Any) -> bool:
    return math.isinf(_float_argument("isInf", value))


def condition_env(result: Any) -> dict[str, Any]:
    """The names a condition can use, bound to one measurement's ``result``."""

    def is_nil(_ignored: Any = None) -> bool:
        return result is None

    def default(_ignored: Any, fallback: Any) -> Any:
        return fallback if result is None else result

    functions: dict[str, Callable[..., Any]] = {
        "asInt": as_int,
        "asFloat": as_float,
        "isNaN": is_nan,
        "isInf": is_inf,
        "isNil": is_nil,
        "default": default,
    }
    return {"result": result, **functions}


def eval_condition(result: Any, condition: str) -> bool:
    """Evaluate one condition; raises :class:`ExprError` (syntax, runtime or non-bool result)."""
    program = compile_expr(condition)
    env = condition_env(result)
    check_names(program.tree, condition, env)
    output = program.run(env)
    if not isinstance(output, bool):
        raise ExprRuntimeError(f"expected bool, but got {_go_dynamic_type(output)}")
    return output


def _go_dynamic_type(value: Any) -> str:
    return "<nil>" if value is None else type_name(value)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A measurement's phase from its conditions; ``message`` is set when the phase is Error."""

    phase: str
    message: str | None = None


def evaluate_result(result: Any, success_condition: str | None, failure_condition: str | None) -> Verdict:
    """Upstream's ``EvaluateResult``: the phase of one measurement whose provider returned ``result``."""
    success = failure = False
    try:
        if success_condition:
            success = eval_condition(result, success_condition)
        if failure_condition:
            failure = eval_condition(result, failure_condition)
    except ExprError as exc:
        return Verdict(ERROR, exc.message)
    if not success_condition and not failure_condition:
        return Verdict(SUCCESSFUL)
    if not failure_condition:
        failure = not success
    elif not success_condition:
        success = not failure
    if failure:
        return Verdict(FAILED)
    return Verdict(SUCCESSFUL if success else INCONCLUSIVE)
