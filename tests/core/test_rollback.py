"""Rollbacks: rollbackWindow and the blue-green fast rollback within the scale-down delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollouts.core.plan import Plan
from rollouts.core.replica_sets import ReplicaSetView
from rollouts.core.rollback import rollback_within_window
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _rs(name: str, minute: int, experiment: bool = False) -> ReplicaSetView:
    annotations = {"experiment.argoproj.io/name": "ex"} if experiment else {}
    return ReplicaSetView(
        {
            "metadata": {
                "name": name,
                "creationTimestamp": f"2026-01-01T00:{minute:02d}:00Z",
                "annotations": annotations,
            }
        }
    )


OLD, MID, EXP, STABLE, NEWER = (
    _rs("old", 1),
    _rs("mid", 2),
    _rs("exp", 3, experiment=True),
    _rs("stable", 4),
    _rs("newer", 5),
)
ALL = [OLD, MID, EXP, STABLE, NEWER]


@pytest.mark.parametrize(
    ("revisions", "new", "stable", "expected"),
    [
        (None, OLD, STABLE, False),  # no window
        (0, OLD, STABLE, False),
        (1, MID, STABLE, True),  # nothing in between
        (1, OLD, STABLE, False),  # "mid" in between (the Experiment's ReplicaSet does not count)
        (2, OLD, STABLE, True),
        (5, NEWER, STABLE, False),  # newer than stable: not a rollback
        (5, OLD, None, False),
    ],
)
def test_rollback_within_window(
    revisions: int | None, new: ReplicaSetView, stable: ReplicaSetView | None, expected: bool
) -> None:
    assert rollback_within_window(revisions, new, stable, ALL) is expected


def _canary(window: int) -> dict[str, Any]:
    steps = [{"setWeight": 50}, {"pause": {}}]
    return rollout_doc({"canary": {"steps": steps}}, rollbackWindow={"revisions": window})


def _drive(sim: SimCluster, rounds: int = 12) -> list[Plan]:
    """Apply plans with every pod becoming ready, but never promoting a pause."""
    plans = []
    for _ in range(rounds):
        plan = sim.plan()
        plans.append(plan)
        sim.apply(plan)
        for name in sim.replica_sets:
            sim.make_ready(name, 100)
        sim.now += timedelta(seconds=31)
    return plans


def _three_revisions(rollout: dict[str, Any]) -> SimCluster:
    sim = SimCluster(rollout, T0)
    for image in ("demo:1", "demo:2", "demo:3"):
        sim.set_image(image)
        sim.settle()
        sim.now += timedelta(minutes=1)
    return sim


def test_canary_rollback_within_window_skips_steps_and_pauses() -> None:
    sim = _three_revisions(_canary(window=2))
    sim.set_image("demo:1")  # revision 1: one ReplicaSet (revision 2) lies between it and stable
    plans = _drive(sim)
    assert plans[0].create_replica_set is None
    assert plans[0].status["currentStepIndex"] == 2
    completed = [e.message for p in plans for e in p.events if e.reason == "RolloutCompleted"]
    assert len(completed) == 1 and completed[0].endswith(": Rollback within window")
    assert sim.rollout["status"]["phase"] == "Healthy"


def test_canary_rollback_outside_window_walks_the_steps() -> None:
    sim = _three_revisions(_canary(window=1))
    sim.set_image("demo:1")
    plans = _drive(sim)
    assert plans[-1].status["phase"] == "Paused" and plans[-1].status["currentStepIndex"] == 1


def test_canary_rollback_to_stable_announces_skip_steps() -> None:
    sim = _three_revisions(_canary(window=2))
    sim.set_image("demo:4")
    _drive(sim, rounds=4)  # paused at 50%: demo:4 has pods, demo:3 is stable
    sim.set_image("demo:3")  # back to stable
    assert [e.message for e in sim.plan().events if e.reason == "SkipSteps"] == [
        "Rollback to stable ReplicaSets"
    ]


def _bluegreen() -> dict[str, Any]:
    strategy = {"activeService": "active", "autoPromotionEnabled": False, "scaleDownDelaySeconds": 600}
    return rollout_doc({"blueGreen": strategy})


def test_blue_green_fast_rollback_within_the_scale_down_delay() -> None:
    services = {"active": {"metadata": {"name": "active"}, "spec": {"selector": {"app": "demo"}}}}
    sim = SimCluster(_bluegreen(), T0, services=services)
    sim.settle()
    sim.now += timedelta(minutes=1)
    sim.set_image("demo:2")
    sim.settle(rounds=20)  # settle() resumes the BlueGreenPause
    assert sim.selected_hash("active") == sim.rollout["status"]["stableRS"]
    # demo:1's ReplicaSet still has its pods (600 s scale-down delay): going back skips the pause.
    sim.set_image("demo:1")
    plans = _drive(sim, rounds=4)
    assert all("pauseConditions" not in p.status for p in plans)
    completed = [e.message for p in plans for e in p.events if e.reason == "RolloutCompleted"]
    assert len(completed) == 1 and completed[0].endswith(": Fast rollback")
    assert sim.rollout["status"]["phase"] == "Healthy"
