"""Structural sharing between cached objects: equal subtrees are stored once.

Why: a cached ReplicaSet is mostly its pod template, and most of a template repeats — across the
revisions of one Rollout (same env, probes, volumes; only the image and hash differ) and across
Rollouts (the same sidecars everywhere). Cached objects are immutable by contract (see
:mod:`.store`), so equal subtrees can be the *same* dict or list.

How (hash-consing): :class:`SubtreeSharer` rebuilds an object bottom-up. Each dict or list whose
children are already canonical is hashed from its scalar items by value (typed, so ``True``,
``1`` and ``1.0`` never merge) and its container children by identity; the table maps that hash
to the first node seen with it. A hit is confirmed with ``==`` (cheap: canonical children compare
by identity first) *and* a typed key comparison; a collision just leaves the node unshared. Only
the hash is kept, not the key tuple, which would cost more memory than sharing saves. The root and
its direct children (``metadata``, ``spec``, ``status``) are never registered: they are unique to
each object, and a table entry (~70 bytes) for a node that is never shared is pure overhead.

The table must not keep objects alive after the cache drops them: every time it has doubled
since the last sweep, entries referenced only by the table are removed (repeatedly, so a freed
parent releases its children).
"""

from __future__ import annotations

import sys
from typing import Any

Obj = dict[str, Any]

UNSHARED_DEPTH = 2  # the root (0) and its direct children (1)


class SubtreeSharer:
    def __init__(self, *, min_sweep: int = 4096) -> None:
        self._table: dict[int, Any] = {}
        self._min_sweep = min_sweep
        self._sweep_at = min_sweep

    def __call__(self, obj: Obj) -> Obj:
        shared = self._node(obj, 0)
        if len(self._table) >= self._sweep_at:
            self.sweep()
        return shared  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._table)

    def sweep(self) -> int:
        """Drop entries nothing but the table references; returns how many were dropped."""
        dropped = 0
        while True:
            # getrefcount counts the table's value slot and its own argument: 2 means unreferenced.
            table = self._table
            dead = [key for key in table if sys.getrefcount(table[key]) <= 2]
            if not dead:
                break
            for key in dead:
                del self._table[key]
            dropped += len(dead)
        self._sweep_at = max(self._min_sweep, 2 * len(self._table))
        return dropped

    def _node(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is dict:
            rebuilt: Any = {k: self._node(v, depth + 1) for k, v in value.items()}
            key: tuple[Any, ...] = ("d", *((k, _token(v)) for k, v in rebuilt.items()))
        elif kind is list:
            rebuilt = [self._node(v, depth + 1) for v in value]
            key = ("l", *(_token(v) for v in rebuilt))
        elif kind is str:
            return sys.intern(value) if len(value) <= 128 else value
        else:
            return value
        if depth < UNSHARED_DEPTH:
            return rebuilt
        digest = hash(key)
        found = self._table.get(digest)
        if found is not None:
            if type(found) is kind and _typed_key(found) == key:
                return found
            return rebuilt  # a hash collision: correct, merely unshared
        self._table[digest] = rebuilt
        return rebuilt


def _typed_key(node: Any) -> tuple[Any, ...]:
    if type(node) is dict:
        return ("d", *((k, _token(v)) for k, v in node.items()))
    return ("l", *(_token(v) for v in node))


def _token(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value
    if kind is dict or kind is list:
        return id(value)  # children are canonical: identity is deep equality
    return (kind, value)
