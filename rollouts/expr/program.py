"""Compiled expressions: parse once per text, run many times.

``compile_expr`` keeps a bounded LRU of parsed programs keyed by source text, because the
same few conditions are evaluated for every measurement of every run. Parse errors are not
cached (they are cheap to reproduce and must not evict good programs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rollouts.expr import nodes as n
from rollouts.expr.budget import Budget
from rollouts.expr.evaluator import evaluate
from rollouts.expr.parser import parse

PROGRAM_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Program:
    source: str
    tree: n.Node

    def run(self, env: Mapping[str, Any], budget: Budget | None = None) -> Any:
        """Evaluate against ``env`` (names to values and callables); raises only ExprError."""
        return evaluate(self.tree, env, self.source, budget)


@lru_cache(maxsize=PROGRAM_CACHE_SIZE)
def compile_expr(source: str) -> Program:
    """Parse ``source``; raises :class:`~rollouts.expr.errors.ExprSyntaxError` with a position."""
    return Program(source, parse(source))
