"""The controller owner reference a Rollout puts on what it creates (ReplicaSets, AnalysisRuns,
traffic objects), so that they are garbage-collected with it and their events lead back to it."""

from __future__ import annotations

from typing import Any

from rollouts.api.rollout import Rollout


def rollout_owner_reference(rollout: Rollout) -> dict[str, Any]:
    return {
        "apiVersion": Rollout.API_VERSION,
        "kind": "Rollout",
        "name": rollout.name,
        "uid": rollout.metadata.uid or "",
        "controller": True,
        "blockOwnerDeletion": True,
    }
