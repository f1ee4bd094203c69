"""JSON merge patches (RFC 7386) computed from a current and a desired document.

Invariant: ``apply(current, merge_patch(current, desired)) == desired`` for the keys compared; lists
are replaced whole (merge patch has no list semantics), removed keys become ``null``.
"""

from __future__ import annotations

from typing import Any


def merge_patch(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The smallest merge patch turning ``current`` into ``desired`` (empty: nothing to do)."""
    patch: dict[str, Any] = {}
    for key in current.keys() - desired.keys():
        patch[key] = None
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            sub = merge_patch(have, want)
            if sub:
                patch[key] = sub
        elif key not in current or have != want:
            patch[key] = want
    return patch


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 application, for tests and for checking a patch locally."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result
