"""Names an expression refers to, checked before running it.

expr compiles against a known environment, so a misspelt name (``reslt``) fails the
condition even inside a branch that would never run. :func:`check_names` gives the same
early, position-carrying error for the names the environment lacks.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import fields

from rollouts.expr import nodes as n
from rollouts.expr.builtins import BUILTINS
from rollouts.expr.errors import ExprSyntaxError
from rollouts.expr.predicates import PREDICATES


def _children(node: n.Node) -> Iterator[n.Node]:
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, n.Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, n.Node):
                    yield item
                elif isinstance(item, tuple):  # map literal pairs
                    yield from (part for part in item if isinstance(part, n.Node))


def check_names(tree: n.Node, source: str, env: Container[str]) -> None:
    """Raise for the first identifier or function that neither ``env``, a ``let`` in scope,
    nor expr's builtins define."""
    stack: list[tuple[n.Node, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, n.Ident) and node.name not in bound and node.name not in env:
            raise ExprSyntaxError(f"unknown name {node.name}", source=source, position=node.pos)
        if isinstance(node, n.Call) and node.name not in env and node.name not in BUILTINS \
                and node.name not in PREDICATES:
            raise ExprSyntaxError(f"unknown func {node.name}", source=source, position=node.pos)
        if isinstance(node, n.Let):
            stack.append((node.value, bound))
            stack.append((node.body, bound | {node.name}))
            continue
        stack.extend((child, bound) for child in _children(node))
