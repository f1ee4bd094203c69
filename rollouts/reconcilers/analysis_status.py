"""The AnalysisRun status write: a JSON merge patch of only what changed.

This project's CRD gives AnalysisRun a status subresource; upstream's has none (its controller
patches the object). The reconciler therefore patches ``/status`` and falls back to the object
when ``/status`` does not exist. The patch itself is :func:`rollouts.reconcilers.merge_patch.merge_diff`
of the two statuses with their nulls removed first (an unset Go field is omitted, never null —
also inside the ``metricResults`` list, which a merge patch replaces whole).
"""

from __future__ import annotations

from typing import Any

from rollouts.reconcilers.merge_patch import merge_diff


def without_nulls(value: Any) -> Any:
    """A JSON value with every ``null`` member removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def status_patch(old_status: dict[str, Any] | None, new_status: dict[str, Any]) -> dict[str, Any] | None:
    """``{"status": …}`` to send, or None when the status did not change."""
    diff = merge_diff(without_nulls(old_status or {}), without_nulls(new_status))
    return {"status": diff} if diff else None
