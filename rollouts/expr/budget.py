"""Bounded work per evaluation: a step counter and limits on what one evaluation may build.

Every node visit and every element a builtin touches costs one step; collections and strings
an evaluation creates are capped, so no condition text can make the controller spin or
allocate without bound (expr has a similar memory budget).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rollouts.expr.errors import ExprBudgetError

DEFAULT_MAX_STEPS = 200_000
#: The largest array a range, ``map``, ``repeat``… may produce.
DEFAULT_MAX_COLLECTION = 100_000
#: The longest string concatenation, ``repeat`` or ``join`` may produce (characters).
DEFAULT_MAX_STRING = 1_000_000


@dataclass(slots=True)
class Budget:
    max_steps: int = DEFAULT_MAX_STEPS
    max_collection: int = DEFAULT_MAX_COLLECTION
    max_string: int = DEFAULT_MAX_STRING
    steps: int = field(default=0)

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.max_steps:
            raise ExprBudgetError(f"evaluation exceeded its budget of {self.max_steps} steps")

    def check_collection(self, size: int) -> None:
        if size > self.max_collection:
            raise ExprBudgetError(
                f"collection of {size} elements exceeds the limit of {self.max_collection}"
            )
        self.spend(size)

    def check_string(self, size: int) -> None:
        if size > self.max_string:
            raise ExprBudgetError(f"string of {size} characters exceeds the limit of {self.max_string}")
