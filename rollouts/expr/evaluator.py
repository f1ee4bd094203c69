"""A tree-walking evaluator over :mod:`rollouts.expr.nodes`.

No Python ``eval``/``exec``: each node kind has one small method. Work is bounded by a
:class:`~rollouts.expr.budget.Budget` charged per node and per element a builtin touches. Any
failure surfaces as an :class:`~rollouts.expr.errors.ExprRuntimeError` carrying the position of
the node that failed. Environment callables (Argo's ``asInt``, ``isNaN``, …) take evaluated
arguments; raising ``ExprError``, ``ValueError`` or ``TypeError`` from one becomes a runtime error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.expr import nodes as n
from rollouts.expr.budget import Budget
from rollouts.expr.builtins import BUILTINS
from rollouts.expr.errors import ExprError, ExprRuntimeError
from rollouts.expr.predicates import PREDICATES
from rollouts.expr.regexp import go_regexp
from rollouts.expr.values import arithmetic, compare, equal, is_array, is_number, mismatch, type_name


@dataclass(slots=True)
class _Frame:
    """The element a predicate is looking at."""

    element: Any
    index: int
    acc: Any = None


class _ShortCircuit(Exception):
    """Raised by ``?.`` on nil; caught by the enclosing :class:`~rollouts.expr.nodes.Chain`."""


def evaluate(node: n.Node, env: Mapping[str, Any], source: str, budget: Budget | None = None) -> Any:
    evaluator = Evaluator(env, source, budget or Budget())
    return evaluator.eval(node)


class Evaluator:
    def __init__(self, env: Mapping[str, Any], source: str, budget: Budget) -> None:
        self.env = env
        self.source = source
        self.budget = budget
        self.frames: list[_Frame] = []
        self.scopes: list[dict[str, Any]] = []

    def eval(self, node: n.Node) -> Any:
        self.budget.spend()
        try:
            return _DISPATCH[type(node)](self, node)
        except ExprError as exc:
            if exc.position is None:  # the innermost node that failed names the position
                raise type(exc)(exc.message, source=self.source, position=node.pos) from None
            raise

    # -- leaves ----------------------------------------------------------------------------
    def literal(self, node: n.Literal) -> Any:
        return node.value

    def array(self, node: n.ArrayLit) -> list[Any]:
        return [self.eval(item) for item in node.items]

    def mapping(self, node: n.MapLit) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.pairs:
            key = self.eval(key_node)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ExprRuntimeError(f"cannot use {type_name(key)} as a map key")
            out[key] = self.eval(value_node)
        return out

    def ident(self, node: n.Ident) -> Any:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name in self.env:
            return self.env[node.name]
        raise ExprRuntimeError(f"unknown name {node.name}")

    def pointer(self, node: n.Pointer) -> Any:
        if not self.frames:
            raise ExprRuntimeError("cannot use pointer accessor outside predicate")
        frame = self.frames[-1]
        if node.name == "index":
            return frame.index
        if node.name == "acc":
            return frame.acc
        return frame.element

    # -- access ----------------------------------------------------------------------------
    def member(self, node: n.Member) -> Any:
        obj = self.eval(node.obj)
        if obj is None and node.optional:
            raise _ShortCircuit
        return fetch(obj, self.eval(node.key))

    def slice(self, node: n.Slice) -> Any:
        obj = self.eval(node.obj)
        if not (is_array(obj) or isinstance(obj, str)):
            raise ExprRuntimeError(f"cannot slice {type_name(obj)}")
        length = len(obj)
        low = self._slice_bound(node.low, 0, length)
        high = self._slice_bound(node.high, length, length)
        if low > high:
            low = high
        self.budget.spend(high - low)
        return obj[low:high] if isinstance(obj, str) else list(obj[low:high])

    def _slice_bound(self, node: n.Node | None, default: int, length: int) -> int:
        if node is None:
            return default
        value = self.eval(node)
        if not is_number(value):
            raise ExprRuntimeError(f"non-integer slice index of type {type_name(value)}")
        index = int(value)
        if index < 0:
            index += length
        return min(max(index, 0), length)

    def chain(self, node: n.Chain) -> Any:
        try:
            return self.eval(node.inner)
        except _ShortCircuit:
            return None

    # -- operators -------------------------------------------------------------------------
    def unary(self, node: n.Unary) -> Any:
        value = self.eval(node.operand)
        if node.op == "not":
            if not isinstance(value, bool):
                raise ExprRuntimeError(f"invalid operation: ! (mismatched type {type_name(value)})")
            return not value
        if not is_number(value):
            raise ExprRuntimeError(f"invalid operation: {node.op} (mismatched type {type_name(value)})")
        if node.op == "-":
            return arithmetic("-", 0, value) if isinstance(value, int) else -value
        return value

    def binary(self, node: n.Binary) -> Any:
        op = node.op
        if op in ("and", "or"):
            return self._logical(node)
        left = self.eval(node.left)
        if op == "??":
            return left if left is not None else self.eval(node.right)
        if op == "?:":
            return left if _present(left) else self.eval(node.right)
        right = self.eval(node.right)
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        if op in ("<", "<=", ">", ">="):
            return compare(op, left, right)
        if op in ("+", "-", "*", "/", "%", "**"):
            result = arithmetic(op, left, right)
            if isinstance(result, str):
                self.budget.check_string(len(result))
            elif isinstance(result, list):
                self.budget.check_collection(len(result))
            return result
        if op == "in":
            return self._in(left, right)
        if op == "..":
            return self._range(left, right)
        return self._string_op(op, left, right)

    def _logical(self, node: n.Binary) -> bool:
        left = self.eval(node.left)
        if not isinstance(left, bool):
            raise mismatch(node.op, left, True)
        if (node.op == "and" and not left) or (node.op == "or" and left):
            return left
        right = self.eval(node.right)
        if not isinstance(right, bool):
            raise mismatch(node.op, True, right)
        return right

    def _in(self, needle: Any, haystack: Any) -> bool:
        if haystack is None:
            return False
        if isinstance(haystack, Mapping):
            return _hashable(needle) and needle in haystack
        if is_array(haystack):
            self.budget.spend(len(haystack))
            return any(equal(needle, item) for item in haystack)
        raise ExprRuntimeError(f"operator in not defined on {type_name(haystack)}")

    def _range(self, low: Any, high: Any) -> list[int]:
        if not (type(low) is int and type(high) is int):
            raise mismatch("..", low, high)
        self.budget.check_collection(max(high - low + 1, 0))
        return list(range(low, high + 1))

    def _string_op(self, op: str, left: Any, right: Any) -> bool:
        if not (isinstance(left, str) and isinstance(right, str)):
            raise mismatch(op, left, right)
        if op == "contains":
            return right in left
        if op == "startsWith":
            return left.startswith(right)
        if op == "endsWith":
            return left.endswith(right)
        # matches: RE2, as Go's regexp is — linear time in the input, so no pattern can hang us.
        self.budget.spend(len(left))
        return go_regexp(right).search(left) is not None

    def conditional(self, node: n.Conditional) -> Any:
        cond = self.eval(node.cond)
        if not isinstance(cond, bool):
            raise ExprRuntimeError(f"non-bool expression (type {type_name(cond)}) used as condition")
        return self.eval(node.then if cond else node.otherwise)

    def let(self, node: n.Let) -> Any:
        value = self.eval(node.value)
        self.scopes.append({node.name: value})
        try:
            return self.eval(node.body)
        finally:
            self.scopes.pop()

    def closure(self, node: n.Closure) -> Any:
        raise ExprRuntimeError("a closure can only be an argument of a predicate builtin")

    # -- calls -----------------------------------------------------------------------------
    def call(self, node: n.Call) -> Any:
        env_fn = self.env.get(node.name)
        if callable(env_fn):
            args = [self.eval(arg) for arg in node.args]
            return _call_env_function(node.name, env_fn, args)
        if node.name in PREDICATES:
            return PREDICATES[node.name](self, node)
        builtin = BUILTINS.get(node.name)
        if builtin is None:
            raise ExprRuntimeError(f"unknown func {node.name}")
        return builtin([self.eval(arg) for arg in node.args], self.budget)

    def run_predicate(self, closure: n.Node, element: Any, index: int, acc: Any = None) -> Any:
        self.frames.append(_Frame(element, index, acc))
        try:
            body = closure.body if isinstance(closure, n.Closure) else closure
            return self.eval(body)
        finally:
            self.frames.pop()


def fetch(obj: Any, key: Any) -> Any:
    """``obj.key`` / ``obj[key]`` with expr's rules: a missing map key is nil; arrays and strings
    take integer indices, negative ones counting from the end."""
    if isinstance(obj, Mapping):
        return obj.get(key) if _hashable(key) else None
    if is_array(obj) or isinstance(obj, str):
        if not is_number(key):
            raise ExprRuntimeError(f"cannot fetch {key} from {type_name(obj)}")
        index = int(key)
        if index < 0:
            index += len(obj)
        if not 0 <= index < len(obj):
            raise ExprRuntimeError(f"index out of range: {int(key)} (array length is {len(obj)})")
        return obj[index]
    shown = "<nil>" if obj is None else type_name(obj)
    raise ExprRuntimeError(f"cannot fetch {key} from {shown}")


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _present(value: Any) -> bool:
    """For the Elvis operator: nil, false, zero and empty count as absent."""
    if value is None or value is False:
        return False
    if is_number(value):
        return bool(value)
    if isinstance(value, str | Mapping) or is_array(value):
        return len(value) > 0
    return True


def _call_env_function(name: str, fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return fn(*args)
    except ExprError:
        raise
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ExprRuntimeError(f"{name}: {exc}") from None


_DISPATCH: dict[type, Callable[[Evaluator, Any], Any]] = {
    n.Literal: Evaluator.literal,
    n.ArrayLit: Evaluator.array,
    n.MapLit: Evaluator.mapping,
    n.Ident: Evaluator.ident,
    n.Pointer: Evaluator.pointer,
    n.Member: Evaluator.member,
    n.Slice: Evaluator.slice,
    n.Chain: Evaluator.chain,
    n.Unary: Evaluator.unary,
    n.Binary: Evaluator.binary,
    n.Conditional: Evaluator.conditional,
    n.Let: Evaluator.let,
    n.Closure: Evaluator.closure,
    n.Call: Evaluator.call,
}
