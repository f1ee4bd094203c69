"""The syntax tree. Immutable, and every node knows its source offset for error messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: object


@dataclass(frozen=True, slots=True)
class ArrayLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLit(Node):
    pairs: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Ident(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Pointer(Node):
    """``#`` (the current element of a predicate), ``#index`` or ``#acc``."""

    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``obj.name``, ``obj[key]``, ``obj?.name``; ``optional`` short-circuits the chain on nil."""

    obj: Node
    key: Node
    optional: bool


@dataclass(frozen=True, slots=True)
class Slice(Node):
    obj: Node
    low: Node | None
    high: Node | None


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """Root of a member chain containing ``?.``: a nil met by ``?.`` makes the whole chain nil."""

    inner: Node


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    cond: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Closure(Node):
    body: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Let(Node):
    name: str
    value: Node
    body: Node
