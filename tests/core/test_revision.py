"""Revisions of the new ReplicaSet and of the Rollout: bump on rollback, history, copied annotations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts.core.replica_sets import ReplicaSetView
from rollouts.core.revision import (
    copied_rollout_annotations,
    existing_new_replica_set_annotations,
    next_revision,
    rollout_revision_change,
)
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)
REV = "rollout.argoproj.io/revision"
HISTORY = "rollout.argoproj.io/revision-history"


def _rs(**annotations: str) -> ReplicaSetView:
    return ReplicaSetView({"metadata": {"name": "rs", "annotations": annotations}})


def test_next_revision_is_one_past_the_highest() -> None:
    assert next_revision([]) == 1
    assert next_revision([_rs(**{REV: "3"}), _rs(**{REV: "7"}), _rs(**{REV: "junk"})]) == 8


@pytest.mark.parametrize(
    ("annotations", "rollout_annotations", "revision", "expected"),
    [
        # Up to date: nothing to write.
        ({REV: "4"}, {}, 4, {}),
        # Never bumped down.
        ({REV: "5"}, {}, 4, {}),
        # A rollback to an older ReplicaSet: bumped, previous revision recorded.
        ({REV: "2"}, {}, 5, {REV: "5", HISTORY: "2"}),
        ({REV: "2", HISTORY: "1"}, {}, 5, {REV: "5", HISTORY: "1,2"}),
        # No revision yet (adopted): set, no history.
        ({}, {}, 3, {REV: "3"}),
        # Unreadable revision: left alone entirely.
        ({REV: "x"}, {"team": "a"}, 3, {}),
        # Copied Rollout annotations; upstream then also records the current revision.
        (
            {REV: "4"},
            {"team": "a", REV: "9", "notified.notifications.argoproj.io": "{}"},
            4,
            {"team": "a", HISTORY: "4"},
        ),
    ],
)
def test_existing_new_replica_set_annotations(
    annotations: dict[str, str], rollout_annotations: dict[str, str], revision: int, expected: dict[str, str]
) -> None:
    assert existing_new_replica_set_annotations(_rs(**annotations), rollout_annotations, revision) == expected


def test_copied_annotations_skip_controller_and_kubectl_keys() -> None:
    source = {
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        REV: "1",
        HISTORY: "1",
        "rollout.argoproj.io/desired-replicas": "3",
        "notified.notifications.argoproj.io": "{}",
        "owner": "team-a",
    }
    assert copied_rollout_annotations(source) == {"owner": "team-a"}
    assert copied_rollout_annotations(None) == {}


def test_rollout_revision_change() -> None:
    assert rollout_revision_change(None, 1) == {REV: "1"}
    assert rollout_revision_change({REV: "1"}, 1) == {}
    assert rollout_revision_change({REV: "1"}, 2) == {REV: "2"}


def _rollout(image: str = "demo:1", steps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = rollout_doc({"canary": {"steps": steps or [{"setWeight": 50}]}}, image=image)
    doc["metadata"]["annotations"] = {"owner": "a"}
    return doc


def _revisions(sim: SimCluster) -> dict[str, tuple[str, str]]:
    """image -> (revision, revision-history) of each ReplicaSet."""
    out = {}
    for rs in sim.replica_sets.values():
        image = rs["spec"]["template"]["spec"]["containers"][0]["image"]
        annotations = rs["metadata"]["annotations"]
        out[image] = (annotations[REV], annotations.get(HISTORY, ""))
    return out


def test_created_replica_set_carries_the_rollout_annotations() -> None:
    sim = SimCluster(_rollout(), T0)
    plan = sim.plan()
    assert plan.create_replica_set is not None
    assert plan.create_replica_set["metadata"]["annotations"]["owner"] == "a"


def test_rollback_to_an_older_replica_set_bumps_its_revision() -> None:
    sim = SimCluster(_rollout(), T0)
    sim.settle()
    sim.set_image("demo:2")
    sim.settle()
    sim.set_image("demo:3")
    sim.settle()
    assert _revisions(sim) == {"demo:1": ("1", ""), "demo:2": ("2", ""), "demo:3": ("3", "")}
    assert sim.rollout["metadata"]["annotations"][REV] == "3"
    sim.set_image("demo:1")  # undo to revision 1: no new ReplicaSet, the old one becomes revision 4
    plan = sim.plan()
    assert plan.create_replica_set is None
    assert plan.rollout_annotations == {REV: "4"}
    assert [e.message for e in plan.events if e.reason == "RolloutUpdated"] == [
        "Rollout updated to revision 4"
    ]
    sim.apply(plan)
    assert _revisions(sim)["demo:1"] == ("4", "1")
    final = sim.settle()
    assert final.status["phase"] == "Healthy"
    assert sim.rollout["metadata"]["annotations"][REV] == "4"
    # Once synchronised, nothing is rewritten and nothing re-announced.
    again = sim.plan()
    assert again.rollout_annotations == {} and not again.events and not again.scales
    sim.set_image("demo:2")
    sim.settle()
    assert _revisions(sim)["demo:2"] == ("5", "2")
    assert sim.rollout["metadata"]["annotations"][REV] == "5"


def test_rollback_to_stable_skips_steps_and_bumps_the_stable_revision() -> None:
    sim = SimCluster(_rollout(steps=[{"setWeight": 50}, {"pause": {}}]), T0)
    sim.settle()
    sim.set_image("demo:2")
    for _ in range(3):
        sim.apply(sim.plan())
        for name in sim.replica_sets:
            sim.make_ready(name, 10)
    assert sim.rollout["status"]["currentStepIndex"] == 1  # paused mid-update
    sim.set_image("demo:1")
    plan = sim.plan()
    assert [(e.reason, e.message) for e in plan.events][:2] == [
        ("RolloutUpdated", "Rollout updated to revision 3"),
        ("SkipSteps", "Rollback to stable ReplicaSets"),
    ]
    assert plan.status["currentStepIndex"] == 2
    sim.apply(plan)
    assert _revisions(sim)["demo:1"] == ("3", "1")
