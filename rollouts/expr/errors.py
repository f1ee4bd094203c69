"""Errors of the expression language: every failure is an :class:`ExprError`.

Callers (the measurement code) turn any ExprError into a measurement in phase Error, so
nothing else may escape from parsing or evaluation. ``message`` is the bare reason (what
upstream puts in a measurement message, which drops expr's position decoration); ``str()``
adds the position and a caret under the offending column for humans.
"""

from __future__ import annotations


class ExprError(Exception):
    """Base of all expression errors."""

    def __init__(self, message: str, *, source: str = "", position: int | None = None) -> None:
        self.message = message
        self.source = source
        self.position = position
        super().__init__(self._render())

    @property
    def line_column(self) -> tuple[int, int] | None:
        """1-based line and 0-based column of ``position`` (expr's convention: ``(1:5)``)."""
        if self.position is None:
            return None
        before = self.source[: self.position]
        line = before.count("\n") + 1
        column = self.position - (before.rfind("\n") + 1)
        return line, column

    def _render(self) -> str:
        where = self.line_column
        if where is None:
            return self.message
        line, column = where
        source_line = self.source.split("\n")[line - 1] if self.source else ""
        return f"{self.message} ({line}:{column + 1})\n | {source_line}\n | {'.' * column}^"


class ExprSyntaxError(ExprError):
    """The text is not a well-formed expression."""


class ExprRuntimeError(ExprError):
    """Evaluation failed: a type mismatch, a missing field on nil, an out-of-range index, …"""


class ExprBudgetError(ExprRuntimeError):
    """Evaluation exceeded its step, collection-size or string-size budget."""
