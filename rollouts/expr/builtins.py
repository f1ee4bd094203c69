"""expr's non-predicate builtin functions (v1.17 names and behaviour), over plain values.

Left out on purpose: the time functions (``now``, ``duration``, ``date``, ``timezone``) because
the pure layers have no clock and Argo's conditions never need them, and the bitwise
functions. A builtin receives evaluated arguments and the evaluation's :class:`Budget`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from rollouts.expr.budget import Budget
from rollouts.expr.errors import ExprRuntimeError
from rollouts.expr.values import (
    compare,
    equal,
    format_go,
    is_array,
    is_number,
    type_name,
    wrap_int64,
)

Builtin = Callable[[list[Any], Budget], Any]


def _arity(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if len(args) < low:
        raise ExprRuntimeError(f"not enough arguments to call {name}")
    if len(args) > high:
        raise ExprRuntimeError(f"too many arguments to call {name}")


def _want(name: str, value: Any, check: Callable[[Any], bool], expected: str) -> Any:
    if not check(value):
        raise ExprRuntimeError(f"invalid argument for {name} (type {type_name(value)}, expected {expected})")
    return value


def _string(name: str, value: Any) -> str:
    result: str = _want(name, value, lambda v: isinstance(v, str), "string")
    return result


def _array(name: str, value: Any) -> Sequence[Any]:
    result: Sequence[Any] = _want(name, value, is_array, "array")
    return result


def _number(name: str, value: Any) -> int | float:
    result: int | float = _want(name, value, is_number, "number")
    return result


def _int(name: str, value: Any) -> int:
    if is_number(value):
        return int(value)
    raise ExprRuntimeError(f"invalid argument for {name} (type {type_name(value)}, expected int)")


def builtin_len(args: list[Any], budget: Budget) -> int:
    _arity("len", args, 1)
    value = args[0]
    if isinstance(value, str | Mapping) or is_array(value):
        return len(value)
    raise ExprRuntimeError(f"invalid argument for len (type {type_name(value)})")


def builtin_abs(args: list[Any], budget: Budget) -> int | float:
    _arity("abs", args, 1)
    value = _number("abs", args[0])
    return wrap_int64(abs(value)) if isinstance(value, int) else abs(value)


def _float_fn(name: str, fn: Callable[[float], float]) -> Builtin:
    def call(args: list[Any], budget: Budget) -> float:
        _arity(name, args, 1)
        value = float(_number(name, args[0]))
        if math.isnan(value) or math.isinf(value):
            return value
        return float(fn(value))

    return call


def _go_round(value: float) -> float:
    """``math.Round``: half away from zero (Python's ``round`` is half to even)."""
    return math.copysign(math.floor(abs(value) + 0.5), value)


def builtin_int(args: list[Any], budget: Budget) -> int:
    _arity("int", args, 1)
    value = args[0]
    if isinstance(value, bool):
        raise ExprRuntimeError("invalid operation: int(bool)")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return -(2**63)  # what Go's conversion yields on amd64
        return wrap_int64(int(value))
    if isinstance(value, str):
        try:
            return wrap_int64(int(value.strip(), 10))
        except ValueError:
            raise ExprRuntimeError(f'strconv.Atoi: parsing "{value}": invalid syntax') from None
    raise ExprRuntimeError(f"invalid operation: int({type_name(value)})")


def builtin_float(args: list[Any], budget: Budget) -> float:
    _arity("float", args, 1)
    value = args[0]
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        return parse_go_float(value)
    raise ExprRuntimeError(f"invalid operation: float({type_name(value)})")


def parse_go_float(text: str) -> float:
    """``strconv.ParseFloat(text, 64)``, with Go's error text."""
    lowered = text.lower()
    if lowered in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if lowered in ("-inf", "-infinity"):
        return -math.inf
    if lowered == "nan":
        return math.nan
    if text != text.strip() or "_" in text or lowered.startswith(("0x", "-0x", "+0x")):
        raise ExprRuntimeError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    try:
        return float(text)
    except ValueError:
        raise ExprRuntimeError(f'strconv.ParseFloat: parsing "{text}": invalid syntax') from None


def builtin_string(args: list[Any], budget: Budget) -> str:
    _arity("string", args, 1)
    return format_go(args[0])


def builtin_trim(args: list[Any], budget: Budget) -> str:
    _arity("trim", args, 1, 2)
    text = _string("trim", args[0])
    return text.strip(_string("trim", args[1])) if len(args) == 2 else text.strip(" \t\n\r\v\f")


def builtin_trim_prefix(args: list[Any], budget: Budget) -> str:
    _arity("trimPrefix", args, 1, 2)
    text = _string("trimPrefix", args[0])
    return text.removeprefix(_string("trimPrefix", args[1]) if len(args) == 2 else " ")


def builtin_trim_suffix(args: list[Any], budget: Budget) -> str:
    _arity("trimSuffix", args, 1, 2)
    text = _string("trimSuffix", args[0])
    return text.removesuffix(_string("trimSuffix", args[1]) if len(args) == 2 else " ")


def builtin_upper(args: list[Any], budget: Budget) -> str:
    _arity("upper", args, 1)
    return _string("upper", args[0]).upper()


def builtin_lower(args: list[Any], budget: Budget) -> str:
    _arity("lower", args, 1)
    return _string("lower", args[0]).lower()


def builtin_split(args: list[Any], budget: Budget) -> list[str]:
    _arity("split", args, 2, 3)
    text, sep = _string("split", args[0]), _string("split", args[1])
    limit = _int("split", args[2]) if len(args) == 3 else -1
    if limit == 0:
        return []
    if sep == "":
        parts = list(text)
        if limit > 0 and len(parts) > limit:
            parts = [*parts[: limit - 1], "".join(parts[limit - 1 :])]
    else:
        parts = text.split(sep, limit - 1) if limit > 0 else text.split(sep)
    budget.check_collection(len(parts))
    return parts


def builtin_replace(args: list[Any], budget: Budget) -> str:
    _arity("replace", args, 3)
    text, old, new = (_string("replace", a) for a in args)
    estimated = len(text) + (len(new) - len(old)) * (text.count(old) if old else len(text) + 1)
    budget.check_string(max(estimated, 0))
    return text.replace(old, new)


def builtin_repeat(args: list[Any], budget: Budget) -> str:
    _arity("repeat", args, 2)
    text, times = _string("repeat", args[0]), _int("repeat", args[1])
    if times < 0:
        raise ExprRuntimeError("strings: negative Repeat count")
    budget.check_string(len(text) * times)
    return text * times


def builtin_index_of(args: list[Any], budget: Budget) -> int:
    _arity("indexOf", args, 2)
    return _string("indexOf", args[0]).find(_string("indexOf", args[1]))


def builtin_last_index_of(args: list[Any], budget: Budget) -> int:
    _arity("lastIndexOf", args, 2)
    return _string("lastIndexOf", args[0]).rfind(_string("lastIndexOf", args[1]))


def builtin_has_prefix(args: list[Any], budget: Budget) -> bool:
    _arity("hasPrefix", args, 2)
    return _string("hasPrefix", args[0]).startswith(_string("hasPrefix", args[1]))


def builtin_has_suffix(args: list[Any], budget: Budget) -> bool:
    _arity("hasSuffix", args, 2)
    return _string("hasSuffix", args[0]).endswith(_string("hasSuffix", args[1]))


def _flatten_numbers(name: str, args: list[Any], budget: Budget) -> list[int | float]:
    numbers: list[int | float] = []
    stack = list(reversed(args))
    while stack:
        item = stack.pop()
        budget.spend()
        if is_array(item):
            stack.extend(reversed(item))
        elif is_number(item):
            numbers.append(item)
        else:
            raise ExprRuntimeError(f"invalid argument for {name} (type {type_name(item)})")
    return numbers


def _extreme(name: str, pick_left: str) -> Builtin:
    def call(args: list[Any], budget: Budget) -> Any:
        if not args:
            raise ExprRuntimeError(f"not enough arguments to call {name}")
        numbers = _flatten_numbers(name, args, budget)
        if not numbers:
            return None
        best = numbers[0]
        for value in numbers[1:]:
            if isinstance(value, float) and math.isnan(value):
                return value
            if compare(pick_left, value, best):
                best = value
        return best

    return call


def builtin_mean(args: list[Any], budget: Budget) -> float:
    numbers = _flatten_numbers("mean", args, budget)
    return math.fsum(numbers) / len(numbers) if numbers else 0.0


def builtin_median(args: list[Any], budget: Budget) -> float:
    numbers = sorted(_flatten_numbers("median", args, budget))
    if not numbers:
        return 0.0
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return float(numbers[middle])
    return (numbers[middle - 1] + numbers[middle]) / 2


def builtin_first(args: list[Any], budget: Budget) -> Any:
    _arity("first", args, 1)
    items = _array("first", args[0]) if args[0] is not None else []
    return items[0] if items else None


def builtin_last(args: list[Any], budget: Budget) -> Any:
    _arity("last", args, 1)
    items = _array("last", args[0]) if args[0] is not None else []
    return items[-1] if items else None


def builtin_get(args: list[Any], budget: Budget) -> Any:
    """Like indexing, but nil instead of an error when the key or index is missing."""
    _arity("get", args, 2)
    container, key = args
    if isinstance(container, Mapping):
        return container.get(key)
    if (is_array(container) or isinstance(container, str)) and is_number(key):
        index = int(key)
        index = index + len(container) if index < 0 else index
        return container[index] if 0 <= index < len(container) else None
    return None


def builtin_take(args: list[Any], budget: Budget) -> list[Any]:
    _arity("take", args, 2)
    return list(_array("take", args[0])[: max(_int("take", args[1]), 0)])


def builtin_keys(args: list[Any], budget: Budget) -> list[Any]:
    _arity("keys", args, 1)
    mapping = _want("keys", args[0], lambda v: isinstance(v, Mapping), "map")
    budget.check_collection(len(mapping))
    return list(mapping.keys())


def builtin_values(args: list[Any], budget: Budget) -> list[Any]:
    _arity("values", args, 1)
    mapping = _want("values", args[0], lambda v: isinstance(v, Mapping), "map")
    budget.check_collection(len(mapping))
    return list(mapping.values())


def builtin_sort(args: list[Any], budget: Budget) -> list[Any]:
    _arity("sort", args, 1, 2)
    items = list(_array("sort", args[0]))
    order = _string("sort", args[1]) if len(args) == 2 else "asc"
    if order not in ("asc", "desc"):
        raise ExprRuntimeError(f"unknown order {order}, use asc or desc")
    budget.spend(len(items) * max(1, len(items).bit_length()))
    if not (all(is_number(v) for v in items) or all(isinstance(v, str) for v in items)):
        raise ExprRuntimeError("sort: items must all be numbers or all strings")
    return sorted(items, reverse=order == "desc")


def builtin_reverse(args: list[Any], budget: Budget) -> list[Any]:
    _arity("reverse", args, 1)
    return list(reversed(_array("reverse", args[0])))


def builtin_uniq(args: list[Any], budget: Budget) -> list[Any]:
    _arity("uniq", args, 1)
    out: list[Any] = []
    for item in _array("uniq", args[0]):
        budget.spend(len(out) + 1)
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def builtin_concat(args: list[Any], budget: Budget) -> list[Any]:
    out: list[Any] = []
    for item in args:
        out.extend(_array("concat", item))
    budget.check_collection(len(out))
    return out


def builtin_flatten(args: list[Any], budget: Budget) -> list[Any]:
    _arity("flatten", args, 1)
    out: list[Any] = []
    stack: list[Iterator[Any]] = [iter(_array("flatten", args[0]))]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            continue
        budget.spend()
        if is_array(item):
            stack.append(iter(cast(Sequence[Any], item)))
        else:
            out.append(item)
    budget.check_collection(len(out))
    return out


_END = object()


def builtin_join(args: list[Any], budget: Budget) -> str:
    _arity("join", args, 1, 2)
    items = _array("join", args[0])
    sep = _string("join", args[1]) if len(args) == 2 else ""
    strings = [_string("join", item) for item in items]
    budget.check_string(sum(len(s) for s in strings) + len(sep) * max(len(strings) - 1, 0))
    return sep.join(strings)


#: expr's ``type()`` names, by the Go type name :func:`type_name` reports.
_EXPR_TYPE_NAMES = {
    "nil": "nil", "bool": "bool", "int": "int", "float64": "float", "string": "string",
    "[]interface {}": "array", "map[string]interface {}": "map",
}


def builtin_type(args: list[Any], budget: Budget) -> str:
    _arity("type", args, 1)
    return _EXPR_TYPE_NAMES.get(type_name(args[0]), "unknown")


def builtin_to_json(args: list[Any], budget: Budget) -> str:
    _arity("toJSON", args, 1)
    try:
        text = json.dumps(args[0], indent="  ", ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ExprRuntimeError(f"json: unsupported value: {exc}") from None
    budget.check_string(len(text))
    return text


def builtin_from_json(args: list[Any], budget: Budget) -> Any:
    _arity("fromJSON", args, 1)
    text = _string("fromJSON", args[0])
    budget.spend(len(text) // 16 + 1)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ExprRuntimeError(f"fromJSON: {exc}") from None


def builtin_to_base64(args: list[Any], budget: Budget) -> str:
    _arity("toBase64", args, 1)
    return base64.b64encode(_string("toBase64", args[0]).encode()).decode()


def builtin_from_base64(args: list[Any], budget: Budget) -> str:
    _arity("fromBase64", args, 1)
    try:
        return base64.b64decode(_string("fromBase64", args[0]), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ExprRuntimeError(f"fromBase64: {exc}") from None


BUILTINS: dict[str, Builtin] = {
    "len": builtin_len,
    "abs": builtin_abs,
    "ceil": _float_fn("ceil", math.ceil),
    "floor": _float_fn("floor", math.floor),
    "round": _float_fn("round", _go_round),
    "int": builtin_int,
    "float": builtin_float,
    "string": builtin_string,
    "trim": builtin_trim,
    "trimPrefix": builtin_trim_prefix,
    "trimSuffix": builtin_trim_suffix,
    "upper": builtin_upper,
    "lower": builtin_lower,
    "split": builtin_split,
    "replace": builtin_replace,
    "repeat": builtin_repeat,
    "indexOf": builtin_index_of,
    "lastIndexOf": builtin_last_index_of,
    "hasPrefix": builtin_has_prefix,
    "hasSuffix": builtin_has_suffix,
    "max": _extreme("max", ">"),
    "min": _extreme("min", "<"),
    "mean": builtin_mean,
    "median": builtin_median,
    "first": builtin_first,
    "last": builtin_last,
    "get": builtin_get,
    "take": builtin_take,
    "keys": builtin_keys,
    "values": builtin_values,
    "sort": builtin_sort,
    "reverse": builtin_reverse,
    "uniq": builtin_uniq,
    "concat": builtin_concat,
    "flatten": builtin_flatten,
    "join": builtin_join,
    "type": builtin_type,
    "toJSON": builtin_to_json,
    "fromJSON": builtin_from_json,
    "toBase64": builtin_to_base64,
    "fromBase64": builtin_from_base64,
}
