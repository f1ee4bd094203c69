"""The demo's watcher line: the weight shown for a canary without a traffic router."""

import importlib.util
from pathlib import Path
from typing import Any

_SCRIPT = Path(__file__).parents[1] / "hack/watch_rollout.py"
_spec = importlib.util.spec_from_file_location("watch_rollout", _SCRIPT)
assert _spec and _spec.loader
watch_rollout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(watch_rollout)

STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 40}, {"pause": {"duration": "10s"}}]


def rollout(step: int, current: str, stable: str) -> dict[str, Any]:
    return {
        "spec": {"strategy": {"canary": {"steps": STEPS}}},
        "status": {
            "currentStepIndex": step, "currentPodHash": current, "stableRS": stable, "phase": "Paused",
        },
    }


def rs(pod_hash: str, ready: int, desired: int) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"rollouts-pod-template-hash": pod_hash}},
        "spec": {"replicas": desired},
        "status": {"readyReplicas": ready},
    }


def test_weight_is_the_last_set_weight_in_force() -> None:
    key, _ = watch_rollout.describe(rollout(1, "new", "old"), [rs("new", 1, 1), rs("old", 4, 4)])
    assert key == "step=1/4 weight=20 canary=1/1 stable=4/4 phase=Paused"
    key, _ = watch_rollout.describe(rollout(3, "new", "old"), [rs("new", 2, 2), rs("old", 3, 3)])
    assert key == "step=3/4 weight=40 canary=2/2 stable=3/3 phase=Paused"


def test_fully_promoted_rollout_shows_full_weight_and_no_canary() -> None:
    key, _ = watch_rollout.describe(rollout(4, "new", "new"), [rs("new", 5, 5)])
    assert key == "step=4/4 weight=100 canary=- stable=5/5 phase=Paused"
