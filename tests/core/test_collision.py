"""Creating the new ReplicaSet: adopting our own on AlreadyExists, collisionCount on a real collision."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts.api.rollout import Rollout
from rollouts.core.collision import create_failure, resolve_create_conflict
from rollouts.core.plan import plan_canary
from rollouts.core.pod_defaults import with_pod_defaults
from rollouts.core.pod_hash import pod_template_hash

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TEMPLATE = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {"containers": [{"name": "app", "image": "demo:1"}]},
}


def _rollout(collision_count: int | None = None) -> Rollout:
    doc: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "u1", "generation": 1},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(TEMPLATE),
            "strategy": {"canary": {}},
        },
    }
    if collision_count is not None:
        doc["status"] = {"collisionCount": collision_count}
    return Rollout.from_dict(doc)


def _live(owner_uid: str | None, image: str) -> dict[str, Any]:
    template = with_pod_defaults(TEMPLATE)  # as the API server stores it
    template["metadata"]["labels"]["rollouts-pod-template-hash"] = "abc"
    template["spec"]["containers"][0]["image"] = image
    refs = [{"kind": "Rollout", "name": "demo", "uid": owner_uid, "controller": True}] if owner_uid else []
    return {"metadata": {"name": "demo-abc", "ownerReferences": refs}, "spec": {"template": template}}


@pytest.mark.parametrize(
    ("owner", "image", "collision", "adopt", "count"),
    [
        ("u1", "demo:1", None, True, None),  # ours, same template: the cache just lagged
        ("u1", "demo:9", None, False, 1),  # ours, other template: a real collision
        ("other", "demo:1", 2, False, 3),  # someone else's
        (None, "demo:1", None, False, 1),  # orphan
    ],
)
def test_resolve_create_conflict(
    owner: str | None, image: str, collision: int | None, adopt: bool, count: int | None
) -> None:
    outcome = resolve_create_conflict(_rollout(collision), _live(owner, image))
    assert (outcome.adopt, outcome.collision_count) == (adopt, count)


def test_bumped_collision_count_changes_the_planned_name() -> None:
    first = plan_canary(_rollout(), [], T0).create_replica_set
    bumped = plan_canary(_rollout(collision_count=1), [], T0).create_replica_set
    assert first is not None and bumped is not None
    assert first["metadata"]["name"] == f"demo-{pod_template_hash(TEMPLATE, None)}"
    assert bumped["metadata"]["name"] == f"demo-{pod_template_hash(TEMPLATE, 1)}"
    assert first["metadata"]["name"] != bumped["metadata"]["name"]


def test_create_failure_texts() -> None:
    failure = create_failure("demo-abc", "quota exceeded", T0)
    assert failure.condition.type == "Progressing" and failure.condition.status == "False"
    assert failure.condition.reason == failure.event_reason == "ReplicaSetCreateError"
    assert failure.event_message == 'Failed to create new replica set "demo-abc": quota exceeded'
