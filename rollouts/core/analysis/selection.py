"""Which metrics run in dry-run mode and how many measurements each keeps.

Both spec lists select metrics by a Go regular expression matched anywhere in the name
(unanchored, like ``regexp.MatchString``): ``.*`` selects all, ``^total$`` one. An invalid
pattern selects nothing. A rule that selects no metric at all makes the run invalid
(:func:`selection_error`), as upstream does.
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
    """Measurements kept for the metric: the *last* matching retention entry decides (later
    rules overwrite earlier ones upstream); its limit if positive, else the default 10."""
    entries: Iterable[MeasurementRetention] = spec.measurement_retention or []
    matching = [e for e in entries if _matches(e.metric_name, metric_name)]
    if matching and matching[-1].limit is not None and matching[-1].limit > 0:
        return matching[-1].limit
    return DEFAULT_MEASUREMENT_HISTORY_LIMIT


def selection_error(spec: AnalysisRunSpec) -> str | None:
    """Upstream refuses a run whose dryRun or measurementRetention rule selects no metric."""
    names = [m.name or "" for m in spec.metrics or []]
    rules: list[tuple[str, list[str | None]]] = [
        ("dryRun", [e.metric_name for e in spec.dry_run or []]),
        ("measurementRetention", [e.metric_name for e in spec.measurement_retention or []]),
    ]
    for field, patterns in rules:
        for index, pattern in enumerate(patterns):
            if not any(_matches(pattern, name) for name in names):
                return f"{field}[{index}]: Rule didn't match any metric name(s)"
    return None
