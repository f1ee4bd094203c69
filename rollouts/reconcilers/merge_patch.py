"""JSON merge patches (RFC 7386) computed from two states, so that only what changed is sent.

Invariant: applying ``merge_diff(old, new)`` to ``old`` with merge-patch semantics gives ``new``
(lists are replaced whole, a key missing from ``new`` is sent as null). ``None`` values inside
``new`` cannot be expressed by a merge patch and are treated as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest merge patch turning ``old`` into ``new`` ({} when they are equal)."""
    patch: dict[str, Any] = {}
    for key, value in new.items():
        if value is None:
            if old.get(key) is not None:
                patch[key] = None
            continue
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            nested = merge_diff(before, value)
            if nested:
                patch[key] = nested
        elif before != value:
            patch[key] = _without_nulls(value)
    for key, before in old.items():
        if key not in new and before is not None:
            patch[key] = None
    return patch


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value
