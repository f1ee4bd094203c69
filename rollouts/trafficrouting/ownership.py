"""The controller owner reference objects created for a Rollout carry (garbage-collected with it)."""

from __future__ import annotations

from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.core.ownership import rollout_owner_reference

__all__ = ["controlled_by", "rollout_owner_reference"]


def controlled_by(obj: dict[str, Any], rollout: Rollout) -> bool:
    """Whether ``obj``'s controller reference names this Rollout (by uid when both have one)."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if not ref.get("controller") or ref.get("kind") != "Rollout":
            continue
        if rollout.metadata.uid and ref.get("uid"):
            return bool(ref.get("uid") == rollout.metadata.uid)
        return bool(ref.get("name") == rollout.name)
    return False
