"""RolloutInfo JSON from the same fixture objects the ``get rollout`` goldens are drawn from.

tests/cli/trees/canary.rollout.txt is the tree these objects render to; every value checked here
is one that tree shows, so the page and the terminal cannot drift apart.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from rollouts.dashboard.info import rollout_info
from tests.cli.conftest import rollout
from tests.cli.test_tree import objects


def canary_info() -> dict[str, Any]:
    o = objects("canary")
    return rollout_info(
        o["Rollout"][0], o.get("ReplicaSet", []), o.get("Pod", []), o.get("Experiment", []), o["AnalysisRun"]
    )


def test_header_matches_the_tree() -> None:
    info = canary_info()
    assert info["objectMeta"]["name"] == "shop"
    assert info["objectMeta"]["namespace"] == "prod"
    assert (info["status"], info["message"], info["icon"]) == (
        "Progressing",
        "more replicas need to be updated",
        "◌",
    )
    assert (info["strategy"], info["step"], info["setWeight"], info["actualWeight"]) == (
        "Canary",
        "2/4",
        "25",
        "0",
    )
    assert info["currentStepIndex"] == 2
    assert len(info["steps"]) == 4
    assert [info[k] for k in ("desired", "current", "updated", "ready", "available")] == [4, 5, 1, 4, 4]


def test_revisions_pods_and_tags_match_the_tree() -> None:
    info = canary_info()
    replica_sets = info["replicaSets"]
    assert [(rs["objectMeta"]["name"], rs["revision"], rs["status"]) for rs in replica_sets] == [
        ("shop-c3", 3, "Progressing"),
        ("shop-b2", 2, "Healthy"),
        ("shop-a1", 1, "ScaledDown"),
    ]
    assert [rs["canary"] for rs in replica_sets] == [True, False, False]
    assert [rs["stable"] for rs in replica_sets] == [False, True, False]
    assert replica_sets[2]["scaleDownDeadline"]  # "delay:30s" in the tree
    pods = [(p["objectMeta"]["name"], p["status"], p["icon"]) for p in replica_sets[0]["pods"]]
    assert pods == [("shop-c3-x1", "CrashLoopBackOff", "✖")]
    # a pod owned by someone else is nowhere
    assert "someone-else" not in orjson.dumps(info).decode()


def test_experiments_and_analysis_results() -> None:
    info = canary_info()
    [experiment] = info["experiments"]
    assert (experiment["objectMeta"]["name"], experiment["status"]) == ("shop-c3-3-1", "Successful")
    assert [rs["objectMeta"]["name"] for rs in experiment["replicaSets"]] == ["shop-c3-3-1-baseline"]

    runs = {run["objectMeta"]["name"]: run for run in info["analysisRuns"]}
    assert list(runs) == ["shop-c3-3-smoke", "shop-b2-2-success-rate"]
    failed = runs["shop-b2-2-success-rate"]
    assert [failed[k] for k in ("status", "successful", "failed", "inconclusive", "error")] == [
        "Failed",
        7,
        3,
        1,
        2,
    ]
    [metric] = failed["metrics"]
    assert (metric["name"], metric["phase"], metric["latest"]) == (
        "success-rate",
        "Failed",
        {"phase": "Failed", "value": "0.5"},
    )
    smoke = runs["shop-c3-3-smoke"]
    assert [(j["objectMeta"]["name"], j["status"]) for j in smoke["jobs"]] == [
        ("shop-c3-3-smoke.1", "Successful"),
        ("shop-c3-3-smoke.2", "Running"),
    ]
    assert smoke["metrics"][0]["latest"]["phase"] == "Running"


def test_the_info_is_plain_json_and_the_inputs_are_not_touched() -> None:
    o = objects("canary")
    before = copy.deepcopy(o)
    info = rollout_info(o["Rollout"][0], o["ReplicaSet"], o["Pod"], o["Experiment"], o["AnalysisRun"])
    assert orjson.loads(orjson.dumps(info)) == info
    assert o == before


@given(
    steps=st.lists(
        st.sampled_from([{"setWeight": 10}, {"pause": {}}, {"setWeight": 50}]), min_size=1, max_size=6
    ),
    index=st.one_of(st.none(), st.integers(min_value=0, max_value=6)),
)
def test_current_step_is_the_index_the_step_text_names(
    steps: list[dict[str, Any]], index: int | None
) -> None:
    status: dict[str, Any] = {} if index is None else {"currentStepIndex": min(index, len(steps))}
    info = rollout_info(rollout(steps=steps, status=status), [], [], [], [])
    if index is None:
        assert (info["step"], info["currentStepIndex"]) == ("", None)
    else:
        shown, total = info["step"].split("/")
        assert (int(shown), int(total)) == (info["currentStepIndex"], len(steps))
    assert info["steps"] == steps


def test_a_blue_green_rollout_has_no_steps() -> None:
    info = rollout_info(rollout(blue_green=True, status={"phase": "Healthy"}), [], [], [], [])
    assert (info["strategy"], info["steps"], info["currentStepIndex"], info["setWeight"]) == (
        "BlueGreen",
        [],
        None,
        "",
    )
