"""Value semantics of expr as Argo uses it, over plain Python data.

Values are ``None`` (nil), ``bool``, ``int`` (Go int64: arithmetic wraps), ``float`` (float64),
``str``, ``list``/``tuple`` (arrays) and ``dict`` (maps). Invariants, following expr:

* there is no truthiness: only bools are conditions, anything else is a type error;
* ints and floats compare and add across kinds (an int meets a float as a float), ``/`` and
  ``**`` always yield floats, ``%`` is integer-only and truncates like Go;
* ``==`` between different kinds is false (never an error); numbers compare by value;
* ``bool`` is not a number, even though Python says ``True == 1``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.expr.errors import ExprRuntimeError

_INT64_MIN = -(2**63)
_INT64_SPAN = 2**64


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_array(value: object) -> bool:
    return isinstance(value, list | tuple)


def wrap_int64(value: int) -> int:
    """Go's int64 overflow: wrap around."""
    return (value - _INT64_MIN) % _INT64_SPAN + _INT64_MIN


def type_name(value: object) -> str:
    """Go's name for the type, as expr prints it in error messages."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if is_array(value):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if callable(value):
        return "func"
    return type(value).__name__


def mismatch(op: str, left: object, right: object) -> ExprRuntimeError:
    return ExprRuntimeError(
        f"invalid operation: {op} (mismatched types {type_name(left)} and {type_name(right)})"
    )


def equal(left: object, right: object) -> bool:
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if is_array(left) and is_array(right):
        assert isinstance(left, Sequence) and isinstance(right, Sequence)
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return False


def compare(op: str, left: object, right: object) -> bool:
    if (is_number(left) and is_number(right)) or (isinstance(left, str) and isinstance(right, str)):
        a: Any = left
        b: Any = right
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    raise mismatch(op, left, right)


def arithmetic(op: str, left: object, right: object) -> object:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if op == "+" and is_array(left) and is_array(right):
        assert isinstance(left, Sequence) and isinstance(right, Sequence)
        return [*left, *right]
    if not (is_number(left) and is_number(right)):
        raise mismatch(op, left, right)
    a: Any = left
    b: Any = right
    both_int = isinstance(a, int) and isinstance(b, int)
    if op == "+":
        return wrap_int64(a + b) if both_int else float(a) + float(b)
    if op == "-":
        return wrap_int64(a - b) if both_int else float(a) - float(b)
    if op == "*":
        return wrap_int64(a * b) if both_int else _float_mul(float(a), float(b))
    if op == "/":
        return _float_div(float(a), float(b))
    if op == "%":
        if not both_int:
            raise mismatch(op, left, right)
        if b == 0:
            raise ExprRuntimeError("integer divide by zero")
        # Go truncates toward zero; the remainder takes the dividend's sign.
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return wrap_int64(a - b * quotient)
    if op == "**":
        return go_pow(float(a), float(b))
    raise ExprRuntimeError(f"unknown operator {op}")


def _float_mul(a: float, b: float) -> float:
    try:
        return a * b
    except OverflowError:  # pragma: no cover - IEEE multiplication does not raise in CPython
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _float_div(a: float, b: float) -> float:
    """IEEE division as Go does it: x/0 is ±Inf, 0/0 is NaN."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def go_pow(a: float, b: float) -> float:
    """``math.Pow``: never raises, NaN for a negative base with a fractional exponent."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf if a > 0 or (float(b).is_integer() and b % 2 == 0) else -math.inf
    except (ValueError, ZeroDivisionError):
        if a == 0.0 and b < 0:
            return math.copysign(math.inf, a) if float(b).is_integer() and b % 2 == 1 else math.inf
        return math.nan


def format_go(value: object) -> str:
    """``fmt.Sprint(value)``, for ``string()`` and messages."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_go_float(value)
    if isinstance(value, str):
        return value
    if is_array(value):
        assert isinstance(value, Sequence)
        return "[" + " ".join(format_go(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = " ".join(f"{format_go(k)}:{format_go(value[k])}" for k in sorted(value, key=str))
        return f"map[{inner}]"
    return str(value)


def format_go_float(value: float) -> str:
    """Go's ``%v`` for float64: shortest digits, exponent form below 1e-4 or from 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0.0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest_digits(abs(value))
    if exponent < -4 or exponent >= 21:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    if len(digits) <= exponent + 1:
        return sign + digits + "0" * (exponent + 1 - len(digits))
    return f"{sign}{digits[: exponent + 1]}.{digits[exponent + 1 :]}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest round-tripping digit string and the decimal exponent of its first digit."""
    text = repr(value)  # Python's repr is the shortest round-tripping form, as Go's is
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    fraction = fraction.rstrip("0") if fraction != "0" else ""
    digits = (whole + fraction).lstrip("0")
    exponent += len(whole) - 1 if whole != "0" else -(len(fraction) - len(fraction.lstrip("0")) + 1)
    return digits.rstrip("0") or "0", exponent
