"""``--instance-id``: which objects this controller handles.

Upstream's rule: with an instance id, only objects labelled
``argo-rollouts.argoproj.io/controller-instance-id=<id>``; without one, only objects that do NOT
carry the label at all (so two controllers, one default and one with an id, never share an object).
The same rule is offered as a server-side label selector (for the informers' list/watch) and as a
predicate (for objects reached otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


def instance_id_selector(instance_id: str) -> str:
    """The label selector for the informers of the Rollout/AnalysisRun/Experiment kinds."""
    return f"{INSTANCE_ID_LABEL}={instance_id}" if instance_id else f"!{INSTANCE_ID_LABEL}"


def handles(obj: Mapping[str, Any], instance_id: str) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    if instance_id:
        return bool(labels.get(INSTANCE_ID_LABEL) == instance_id)
    return INSTANCE_ID_LABEL not in labels
