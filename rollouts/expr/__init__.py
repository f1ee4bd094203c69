"""The expression language of analysis success/failure conditions (pure).

Compatible with the subset of expr-lang/expr (v1.17) that Argo Rollouts conditions use, and
most of the rest: literals, arithmetic with Go's int/float rules, comparisons, logic, ``in``,
``matches``, string operators, ranges, ternary, ``??``, ``?.``, member/index/slice access,
pipes, ``let``, closures with ``#``, and expr's builtins minus the time functions.

Design, one concept per module: :mod:`.lexer` → :mod:`.parser` (Pratt, positions on every
node) → :mod:`.nodes`; :mod:`.evaluator` walks the tree under a :mod:`.budget`, with
:mod:`.values` (the semantics of operators), :mod:`.builtins` and :mod:`.predicates`;
:mod:`.program` caches parsed texts; :mod:`.names` rejects names the environment lacks
before running; :mod:`.argo` is Argo's environment and verdict. Safe by
construction: no Python ``eval``/``exec``, bounded work, and every failure is an
:class:`ExprError`.
"""

from rollouts.expr.argo import Verdict, condition_env, eval_condition, evaluate_result
from rollouts.expr.budget import Budget
from rollouts.expr.errors import ExprBudgetError, ExprError, ExprRuntimeError, ExprSyntaxError
from rollouts.expr.program import Program, compile_expr

__all__ = [
    "Budget",
    "ExprBudgetError",
    "ExprError",
    "ExprRuntimeError",
    "ExprSyntaxError",
    "Program",
    "Verdict",
    "compile_expr",
    "condition_env",
    "eval_condition",
    "evaluate_result",
]
