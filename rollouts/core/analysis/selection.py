"""Which metrics run in dry-run mode and how many measurements each keeps.

Both spec lists select metrics by a Go regular expression matched anywhere in the name
(unanchored, like ``regexp.MatchString``): ``.*`` selects all, ``^total$`` one. An invalid
pattern selects nothing rather than failing the run (validation reports it separately).
"""

from __future__ import annotations

from collections.abc import Iterable

from rollouts.api.analysis import AnalysisRunSpec, DryRun, MeasurementRetention
from rollouts.api.analysis_defaults import DEFAULT_MEASUREMENT_HISTORY_LIMIT
from rollouts.expr import ExprError
from rollouts.expr.regexp import go_regexp


def _matches(pattern: str | None, name: str) -> bool:
    if pattern is None:
        return False
    try:
        return go_regexp(pattern).search(name) is not None
    except ExprError:
        return False


def dry_run_metric_names(spec: AnalysisRunSpec) -> frozenset[str]:
    names = [m.name or "" for m in spec.metrics or []]
    entries: Iterable[DryRun] = spec.dry_run or []
    return frozenset(name for name in names if any(_matches(e.metric_name, name) for e in entries))


def measurement_limit(spec: AnalysisRunSpec, metric_name: str) -> int:
    """Measurements kept for the metric: the first matching retention entry's limit, else 10."""
    entries: Iterable[MeasurementRetention] = spec.measurement_retention or []
    for entry in entries:
        if _matches(entry.metric_name, metric_name) and entry.limit is not None and entry.limit > 0:
            return entry.limit
    return DEFAULT_MEASUREMENT_HISTORY_LIMIT
