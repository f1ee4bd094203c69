"""Shared applier steps: read-or-none, and patch an object only where it differs from the desired one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rollouts.k8s.errors import is_not_found
from rollouts.k8s.resources import Resource
from rollouts.trafficrouting.patching import merge_patch
from rollouts.trafficrouting.router import RouterClient


async def get_or_none(
    client: RouterClient, res: Resource, name: str, namespace: str
) -> dict[str, Any] | None:
    try:
        return await client.get(res, name, namespace)
    except Exception as err:
        if is_not_found(err):
            return None
        raise


async def patch_towards(
    client: RouterClient,
    res: Resource,
    current: dict[str, Any],
    desired: dict[str, Any],
    namespace: str,
    *,
    sections: tuple[str, ...],
) -> bool:
    """Merge-patch ``current`` so that its ``sections`` (``spec``, ``metadata.annotations`` …) equal
    ``desired``'s; returns whether a request was made (no request when already equal).

    The patch carries ``current``'s resourceVersion: merge patches replace lists whole, so a
    change made by someone else since our read must fail (409) rather than be overwritten.
    """
    have: dict[str, Any] = {}
    want: dict[str, Any] = {}
    for section in sections:
        _copy_path(current, have, section)
        _copy_path(desired, want, section)
    patch = merge_patch(have, want)
    if not patch:
        return False
    meta = current.get("metadata") or {}
    name = meta.get("name", "")
    if meta.get("resourceVersion"):
        patch.setdefault("metadata", {})["resourceVersion"] = meta["resourceVersion"]
    await client.patch(res, name, patch, namespace, patch_type="merge")
    return True


def _copy_path(source: dict[str, Any], target: dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    src: Any = source
    dst = target
    for part in parents:
        src = (src or {}).get(part) if isinstance(src, dict) else None
        dst = dst.setdefault(part, {})
    value = src.get(leaf) if isinstance(src, dict) else None
    dst[leaf] = value if value is not None else ({} if leaf in {"annotations", "labels"} else None)
    if dst[leaf] is None:
        del dst[leaf]


async def transform_object(
    client: RouterClient,
    res: Resource,
    name: str,
    namespace: str,
    transform: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    sections: tuple[str, ...],
) -> bool:
    """Read one object, compute its desired form, patch the difference in ``sections``; whether a
    patch was sent."""
    current = await client.get(res, name, namespace)
    return await patch_towards(client, res, current, transform(current), namespace, sections=sections)
