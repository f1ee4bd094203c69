"""``undo``: which ReplicaSet holds the revision to go back to, and whether that changes anything.

Pure functions over plain JSON (the Rollout and its ReplicaSets as listed). A ReplicaSet belongs
to the Rollout when its controller ownerReference carries the Rollout's uid; its revision is the
``rollout.argoproj.io/revision`` annotation (absent: 0; unparsable: not a revision).
"""

from __future__ import annotations

import copy
from typing import Any

REVISION_ANNOTATION = "rollout.argoproj.io/revision"
POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def owned_by(replica_set: dict[str, Any], owner_uid: str) -> bool:
    for ref in _dict(replica_set.get("metadata")).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller") is True and ref.get("uid") == owner_uid:
            return True
    return False


def revision_of(replica_set: dict[str, Any]) -> int | None:
    annotations = _dict(_dict(replica_set.get("metadata")).get("annotations"))
    value = annotations.get(REVISION_ANNOTATION)
    if value is None:
        return 0
    try:
        return int(str(value))
    except ValueError:
        return None


def replica_set_for_revision(
    replica_sets: list[dict[str, Any]], to_revision: int, rollout_name: str
) -> dict[str, Any]:
    """The ReplicaSet of ``to_revision``; 0 means the one before the newest. ValueError otherwise."""
    numbered = [(rev, rs) for rs in replica_sets if (rev := revision_of(rs)) is not None]
    if to_revision > 0:
        for rev, rs in numbered:
            if rev == to_revision:
                return rs
        raise ValueError(f"unable to find specified revision {to_revision} in history")
    # the second-highest revision; the first ReplicaSet seen wins a tie, as upstream's scan does
    ordered = sorted(enumerate(numbered), key=lambda item: (-item[1][0], item[0]))
    distinct: list[tuple[int, dict[str, Any]]] = []
    for _, (rev, rs) in ordered:
        if not distinct or rev != distinct[-1][0]:
            distinct.append((rev, rs))
    if len(distinct) < 2:
        raise ValueError(f'no revision found for rollout "{rollout_name}"')
    return distinct[1][1]


def template_without_hash(template: Any) -> dict[str, Any]:
    """A pod template with the controller's pod-template-hash label removed."""
    copied = copy.deepcopy(_dict(template))
    labels = _dict(copied.get("metadata")).get("labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH_LABEL, None)
    return copied


def derives(partial: Any, full: Any) -> bool:
    """apimachinery's DeepDerivative on JSON: whatever ``partial`` leaves empty is ignored."""
    if isinstance(partial, dict):
        if not partial:
            return True
        if not isinstance(full, dict) or len(partial) > len(full):
            return False
        return all(key in full and derives(value, full[key]) for key, value in partial.items())
    if isinstance(partial, list):
        return (
            isinstance(full, list)
            and len(partial) == len(full)
            and all(derives(a, b) for a, b in zip(partial, full, strict=True))
        )
    if partial is None or partial == "":
        return True
    return bool(partial == full)


def template_matches(rollout: dict[str, Any], replica_set: dict[str, Any]) -> bool:
    """Whether the Rollout's template already is the ReplicaSet's (ignoring the hash label)."""
    ro_template = _dict(rollout.get("spec")).get("template")
    if not isinstance(ro_template, dict):
        return False
    rs_template = _dict(replica_set.get("spec")).get("template")
    return derives(template_without_hash(ro_template), template_without_hash(rs_template))
