"""expr's predicate builtins: ``all any none one filter map count sum find findIndex findLast
findLastIndex groupBy sortBy reduce``. Each walks an array (a map is walked by its values, nil
is empty) and runs its closure with ``#`` bound to the element, ``#index`` to its position
and, in ``reduce``, ``#acc`` to the accumulator. Predicates must return bools.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rollouts.expr import nodes as n
from rollouts.expr.errors import ExprRuntimeError
from rollouts.expr.values import arithmetic, is_array, is_number, mismatch, type_name

if TYPE_CHECKING:
    from rollouts.expr.evaluator import Evaluator

Predicate = Callable[["Evaluator", n.Call], Any]


def _elements(ev: Evaluator, node: n.Call, low: int, high: int) -> tuple[Sequence[Any], n.Node | None]:
    if not low <= len(node.args) <= high:
        qualifier = "not enough" if len(node.args) < low else "too many"
        raise ExprRuntimeError(f"{qualifier} arguments to call {node.name}")
    value = ev.eval(node.args[0])
    if value is None:
        items: Sequence[Any] = []
    elif isinstance(value, Mapping):
        items = list(value.values())
    elif is_array(value):
        items = value
    else:
        raise ExprRuntimeError(f"cannot iterate over {type_name(value)} in {node.name}")
    ev.budget.spend(len(items))
    return items, (node.args[1] if len(node.args) > 1 else None)


def _test(ev: Evaluator, node: n.Call, closure: n.Node, item: Any, index: int) -> bool:
    result = ev.run_predicate(closure, item, index)
    if not isinstance(result, bool):
        raise ExprRuntimeError(f"predicate of {node.name} should return bool, got {type_name(result)}")
    return result


def _required(node: n.Call, closure: n.Node | None) -> n.Node:
    if closure is None:
        raise ExprRuntimeError(f"not enough arguments to call {node.name}")
    return closure


def p_all(ev: Evaluator, node: n.Call) -> bool:
    items, closure = _elements(ev, node, 2, 2)
    return all(_test(ev, node, _required(node, closure), item, i) for i, item in enumerate(items))


def p_any(ev: Evaluator, node: n.Call) -> bool:
    items, closure = _elements(ev, node, 2, 2)
    return any(_test(ev, node, _required(node, closure), item, i) for i, item in enumerate(items))


def p_none(ev: Evaluator, node: n.Call) -> bool:
    return not p_any(ev, node)


def p_one(ev: Evaluator, node: n.Call) -> bool:
    return p_count(ev, node) == 1


def p_count(ev: Evaluator, node: n.Call) -> int:
    items, closure = _elements(ev, node, 1, 2)
    if closure is None:  # count(array) counts the true elements
        return sum(1 for item in items if item is True)
    return sum(1 for i, item in enumerate(items) if _test(ev, node, closure, item, i))


def p_filter(ev: Evaluator, node: n.Call) -> list[Any]:
    items, closure = _elements(ev, node, 2, 2)
    return [item for i, item in enumerate(items) if _test(ev, node, _required(node, closure), item, i)]


def p_map(ev: Evaluator, node: n.Call) -> list[Any]:
    items, closure = _elements(ev, node, 2, 2)
    return [ev.run_predicate(_required(node, closure), item, i) for i, item in enumerate(items)]


def p_sum(ev: Evaluator, node: n.Call) -> Any:
    items, closure = _elements(ev, node, 1, 2)
    total: Any = 0
    for i, item in enumerate(items):
        value = item if closure is None else ev.run_predicate(closure, item, i)
        if not is_number(value):
            raise mismatch("+", total, value)
        total = arithmetic("+", total, value)
    return total


def _find(ev: Evaluator, node: n.Call, *, last: bool) -> tuple[int, Any]:
    items, closure = _elements(ev, node, 2, 2)
    order = range(len(items) - 1, -1, -1) if last else range(len(items))
    for i in order:
        if _test(ev, node, _required(node, closure), items[i], i):
            return i, items[i]
    return -1, None


def p_find(ev: Evaluator, node: n.Call) -> Any:
    return _find(ev, node, last=False)[1]


def p_find_index(ev: Evaluator, node: n.Call) -> int:
    return _find(ev, node, last=False)[0]


def p_find_last(ev: Evaluator, node: n.Call) -> Any:
    return _find(ev, node, last=True)[1]


def p_find_last_index(ev: Evaluator, node: n.Call) -> int:
    return _find(ev, node, last=True)[0]


def p_group_by(ev: Evaluator, node: n.Call) -> dict[Any, list[Any]]:
    items, closure = _elements(ev, node, 2, 2)
    groups: dict[Any, list[Any]] = {}
    for i, item in enumerate(items):
        key = ev.run_predicate(_required(node, closure), item, i)
        if not (isinstance(key, str | int | float | bool) or key is None):
            raise ExprRuntimeError(f"cannot use {type_name(key)} as a groupBy key")
        groups.setdefault(key, []).append(item)
    return groups


def p_sort_by(ev: Evaluator, node: n.Call) -> list[Any]:
    if len(node.args) == 3:
        order = ev.eval(node.args[2])
        if order not in ("asc", "desc"):
            raise ExprRuntimeError(f"unknown order {order}, use asc or desc")
        node = n.Call(node.pos, node.name, node.args[:2])
    else:
        order = "asc"
    items, closure = _elements(ev, node, 2, 2)
    keyed = [(ev.run_predicate(_required(node, closure), item, i), item) for i, item in enumerate(items)]
    keys = [k for k, _ in keyed]
    if not (all(is_number(k) for k in keys) or all(isinstance(k, str) for k in keys)):
        raise ExprRuntimeError("sortBy: keys must all be numbers or all strings")
    ev.budget.spend(len(keyed) * max(1, len(keyed).bit_length()))
    ordered = sorted(keyed, key=lambda pair: pair[0], reverse=order == "desc")
    return [item for _, item in ordered]


def p_reduce(ev: Evaluator, node: n.Call) -> Any:
    if len(node.args) == 3:
        acc = ev.eval(node.args[2])
        start = 0
        items, closure = _elements(ev, n.Call(node.pos, node.name, node.args[:2]), 2, 2)
    else:
        items, closure = _elements(ev, node, 2, 2)
        if not items:
            raise ExprRuntimeError("reduce of empty array with no initial value")
        acc, start = items[0], 1
    for i in range(start, len(items)):
        acc = ev.run_predicate(_required(node, closure), items[i], i, acc)
    return acc





PREDICATES: dict[str, Predicate] = {
    "all": p_all,
    "any": p_any,
    "none": p_none,
    "one": p_one,
    "count": p_count,
    "filter": p_filter,
    "map": p_map,
    "sum": p_sum,
    "find": p_find,
    "findIndex": p_find_index,
    "findLast": p_find_last,
    "findLastIndex": p_find_last_index,
    "groupBy": p_group_by,
    "sortBy": p_sort_by,
    "reduce": p_reduce,
}
