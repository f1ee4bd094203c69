"""Go-compatible regular expressions (RE2: Go's syntax, linear-time matching), compiled once.

Used by ``matches`` and by the analysis spec's metric-name selectors (dryRun,
measurementRetention), which upstream matches with Go's ``regexp``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import re2  # type: ignore[import-untyped]

from rollouts.expr.errors import ExprRuntimeError

#: Regular expressions longer than this are refused.
MAX_PATTERN_LENGTH = 1_000

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is reported through ExprError, not stderr


class Pattern(Protocol):
    def search(self, text: str) -> object | None: ...


@lru_cache(maxsize=256)
def go_regexp(pattern: str) -> Pattern:
    """The compiled pattern; raises :class:`ExprRuntimeError` (Go's wording) when invalid."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ExprRuntimeError(f"regular expression longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled: Pattern = re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ExprRuntimeError(f"error parsing regexp: {reason}") from None
    return compiled
