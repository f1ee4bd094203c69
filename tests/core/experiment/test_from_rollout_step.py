"""The Rollout's side of a canary ``experiment`` step (rollouts.core.experiment.rollout_step):
the planner's outcome, which Experiment to create / keep / terminate / delete, collisions,
weights. Tables after upstream's rollout/experiment.go and utils/experiment/filter.go."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.rollout import Rollout
from rollouts.core.experiment.rollout_step import (
    adopt_existing,
    collision_name,
    experiment_weight_destinations,
    experiments_to_delete,
    step_experiment_actions,
    step_outcome,
    with_current_experiment,
    with_experiment_weights,
)
from rollouts.core.plan import StepOutcome
from rollouts.core.pod_defaults import with_pod_defaults
from rollouts.core.pod_hash import pod_template_hash, steps_hash

TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "web", "image": "web:2"}]},
}
NEW_HASH = pod_template_hash(TEMPLATE)
STABLE_HASH = "stablehash"
STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {
        "experiment": {
            "duration": "10s",
            "templates": [
                {"name": "baseline", "specRef": "stable"},
                {"name": "canary", "specRef": "canary", "weight": 5},
            ],
        }
    },
    {"setWeight": 50},
]
EX_NAME = f"web-{NEW_HASH}-2-1"


def _rollout(**status: Any) -> Rollout:
    base_status: dict[str, Any] = {
        "currentPodHash": NEW_HASH,
        "currentStepHash": steps_hash(STEPS),
        "stableRS": STABLE_HASH,
        "currentStepIndex": 1,
        "canary": {"currentExperiment": EX_NAME},
    }
    base_status.update(status)
    return Rollout.from_dict(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {
                "name": "web",
                "namespace": "ns",
                "uid": "uid-web",
                "annotations": {"rollout.argoproj.io/revision": "2"},
            },
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": TEMPLATE,
                "strategy": {"canary": {"steps": STEPS}},
            },
            "status": {k: v for k, v in base_status.items() if v is not None},
        }
    )


def _experiment(
    name: str = EX_NAME, phase: str = "Running", pod_hash: str = NEW_HASH, **spec: Any
) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "labels": {"rollouts-pod-template-hash": pod_hash},
            "ownerReferences": [{"kind": "Rollout", "uid": "uid-web", "controller": True}],
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {"templates": [], **spec},
        "status": {"phase": phase, "message": f"{phase} message"} if phase else {},
    }


def _rs(pod_hash: str, image: str) -> dict[str, Any]:
    labels = {"app": "web", "rollouts-pod-template-hash": pod_hash}
    return {
        "metadata": {"name": f"web-{pod_hash}", "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


REPLICA_SETS = [_rs(NEW_HASH, "web:2"), _rs(STABLE_HASH, "web:1")]


def _planned(ro: Rollout, **changes: Any) -> dict[str, Any]:
    status = ro.status.to_dict() if ro.status else {}
    status.update(changes)
    return status


# -- the planner's outcome ------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["", "Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"])
def test_the_named_experiment_of_this_revision_and_step_is_the_outcome(phase: str) -> None:
    outcome = step_outcome(_rollout(), [_experiment(phase=phase)], REPLICA_SETS)
    message = f"{phase} message" if phase else ""
    assert outcome == StepOutcome("experiment", EX_NAME, phase, message)


@pytest.mark.parametrize(
    ("status", "owned", "why"),
    [
        ({"currentStepIndex": 0}, [_experiment()], "the current step is a setWeight"),
        ({"currentStepIndex": 3}, [_experiment()], "all steps done"),
        ({"canary": {}}, [_experiment()], "no experiment is named"),
        ({}, [_experiment(name="other")], "the named experiment is not owned / not cached"),
        ({}, [_experiment(pod_hash="oldhash")], "the experiment is of another revision"),
        ({"currentPodHash": "oldhash"}, [_experiment()], "the template changed: steps restart"),
        ({"currentStepHash": "x"}, [_experiment()], "the steps changed: steps restart"),
    ],
)
def test_no_outcome_when_the_experiment_does_not_belong_to_the_current_step(
    status: dict[str, Any], owned: list[dict[str, Any]], why: str
) -> None:
    assert step_outcome(_rollout(**status), owned, REPLICA_SETS) is None, why


# -- create / keep / terminate -----------------------------------------------------------------------


def test_the_step_experiment_is_created_from_the_canary_and_stable_replica_sets() -> None:
    ro = _rollout(canary={})
    actions = step_experiment_actions(ro, _planned(ro), [], REPLICA_SETS)
    assert actions.current is None and actions.terminate == () and actions.waiting == ""
    assert actions.create is not None
    meta, spec = actions.create["metadata"], actions.create["spec"]
    assert meta["name"] == EX_NAME  # <rollout>-<podHash>-<revision>-<stepIndex>
    assert meta["labels"]["rollouts-pod-template-hash"] == NEW_HASH
    assert meta["ownerReferences"][0]["uid"] == "uid-web"
    images = {t["name"]: t["template"]["spec"]["containers"][0]["image"] for t in spec["templates"]}
    assert images == {"baseline": "web:1", "canary": "web:2"}
    assert spec["duration"] == "10s"


def test_the_step_s_scale_down_delay_and_dry_run_reach_the_experiment() -> None:
    ro = _rollout(canary={})
    assert ro.canary is not None and ro.canary.steps is not None
    step = ro.canary.steps[1].experiment
    assert step is not None
    extra = {"scaleDownDelaySeconds": 0, "dryRun": [{"metricName": "m"}]}
    ro.canary.steps[1].experiment = type(step).model_validate({**step.to_dict(), **extra})
    actions = step_experiment_actions(ro, _planned(ro), [], REPLICA_SETS)
    assert actions.create is not None
    assert actions.create["spec"]["scaleDownDelaySeconds"] == 0
    assert actions.create["spec"]["dryRun"] == [{"metricName": "m"}]


def test_a_running_current_experiment_is_kept_and_nothing_else_is_created() -> None:
    ro = _rollout()
    actions = step_experiment_actions(ro, _planned(ro), [_experiment()], REPLICA_SETS)
    assert (actions.create, actions.current, actions.terminate) == (None, EX_NAME, ())


@pytest.mark.parametrize(
    ("planned", "stored", "why"),
    [
        ({"abort": True}, {}, "the rollout aborted (user or a failed analysis)"),
        ({"currentStepIndex": 2}, {}, "promoted past the step"),
        ({"currentStepIndex": 3}, {}, "promoted to the end"),
        ({}, {"promoteFull": True}, "promote --full"),
        ({"promoteFull": True}, {}, "promote --full, seen in the planned status"),
    ],
)
def test_the_running_experiment_is_terminated_when_the_rollout_leaves_its_step(
    planned: dict[str, Any], stored: dict[str, Any], why: str
) -> None:
    ro = _rollout(**stored)
    actions = step_experiment_actions(ro, _planned(ro, **planned), [_experiment()], REPLICA_SETS)
    assert actions.terminate == (EX_NAME,), why
    assert actions.current is None and actions.create is None


def test_a_new_revision_terminates_the_old_revision_s_experiment_and_starts_its_own() -> None:
    newer = {**TEMPLATE, "spec": {"containers": [{"name": "web", "image": "web:3"}]}}
    newer_hash = pod_template_hash(newer)
    ro = _rollout()
    ro.spec.template = newer
    planned = _planned(ro, currentPodHash=newer_hash, currentStepIndex=1)
    old = _experiment()
    waiting = step_experiment_actions(ro, planned, [old], REPLICA_SETS)
    assert waiting.terminate == (EX_NAME,) and waiting.create is None
    assert "not both cached" in waiting.waiting
    ready = step_experiment_actions(ro, planned, [old], [*REPLICA_SETS, _rs(newer_hash, "web:3")])
    assert ready.terminate == (EX_NAME,)
    assert ready.create is not None and ready.create["metadata"]["name"] == f"web-{newer_hash}-2-1"


def test_finished_and_already_terminating_experiments_are_not_patched_again() -> None:
    ro = _rollout(canary={})
    owned = [
        _experiment("a", "Successful"),
        _experiment("b", "Failed"),
        _experiment("c", "Running", terminate=True),
        _experiment("d", "Running"),
    ]
    actions = step_experiment_actions(ro, _planned(ro, abort=True), owned, REPLICA_SETS)
    assert actions.terminate == ("d",)


def test_a_finished_experiment_stays_current_while_the_rollout_is_held_on_its_step() -> None:
    # e.g. spec.paused: the planner did not act on Successful; no second experiment is created
    ro = _rollout()
    actions = step_experiment_actions(ro, _planned(ro), [_experiment(phase="Successful")], REPLICA_SETS)
    assert (actions.create, actions.current, actions.terminate) == (None, EX_NAME, ())


def test_an_inconclusive_experiment_is_rerun_only_once_the_user_resumes() -> None:
    ro = _rollout()
    inconclusive = [_experiment(phase="Inconclusive")]
    pause = [{"reason": "InconclusiveExperiment", "startTime": "2026-01-01T00:00:00Z"}]
    paused = step_experiment_actions(ro, _planned(ro, pauseConditions=pause), inconclusive, REPLICA_SETS)
    assert paused.create is None and paused.current is None and "inconclusive" in paused.waiting
    resumed = step_experiment_actions(ro, _planned(ro), inconclusive, REPLICA_SETS)
    assert resumed.create is not None and resumed.create["metadata"]["name"] == EX_NAME
    # the create collides with the inconclusive one, which is finished: not adopted
    assert not adopt_existing(inconclusive[0], resumed.create, "uid-web")


def test_no_experiment_before_a_stable_replica_set_exists() -> None:
    ro = _rollout(canary={})
    actions = step_experiment_actions(ro, _planned(ro), [], [REPLICA_SETS[0]])
    assert actions.create is None and actions.waiting


# -- collisions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "uid", "adopt"),
    [
        (_experiment(phase="Running"), "uid-web", True),
        (_experiment(phase=""), "uid-web", True),
        (_experiment(phase="Running", terminate=True), "uid-web", True),
        (_experiment(phase="Successful"), "uid-web", False),
        (_experiment(phase="Running"), "uid-other", False),
        (_experiment(phase="Running", duration="1h"), "uid-web", False),
    ],
)
def test_an_existing_experiment_is_adopted_only_when_it_is_ours_and_running(
    existing: dict[str, Any], uid: str, adopt: bool
) -> None:
    assert adopt_existing(existing, _experiment(), uid) is adopt
    assert collision_name(EX_NAME, 2) == f"{EX_NAME}-2"


# -- status -----------------------------------------------------------------------------------------


def test_current_experiment_is_recorded_and_cleared_without_touching_the_input() -> None:
    status = {"canary": {"weights": {"canary": {"weight": 5}}}, "abort": False}
    recorded = with_current_experiment(status, "ex")
    assert recorded["canary"] == {"weights": {"canary": {"weight": 5}}, "currentExperiment": "ex"}
    assert with_current_experiment(recorded, None)["canary"] == {"weights": {"canary": {"weight": 5}}}
    assert "currentExperiment" not in status["canary"]


# -- history ----------------------------------------------------------------------------------------


def _aged(name: str, phase: str, second: int, pod_hash: str = NEW_HASH) -> dict[str, Any]:
    ex = _experiment(name, phase, pod_hash)
    ex["metadata"]["creationTimestamp"] = f"2026-01-01T00:00:{second:02d}Z"
    return ex


def test_old_experiments_are_deleted_beyond_the_history_limits_and_with_their_replica_set() -> None:
    no_label = _aged("no-label", "Successful", 9)
    del no_label["metadata"]["labels"]
    exs = [
        _aged("s1", "Successful", 1),
        _aged("s2", "Successful", 2),
        _aged("s3", "Successful", 3),
        _aged("f1", "Failed", 4),
        _aged("i1", "Inconclusive", 5),
        _aged("e1", "Error", 6),
        _aged("run", "Running", 7),
        _aged("gone", "Successful", 8, pod_hash="deletedhash"),
        no_label,
    ]
    deleting = _rs("dyinghash", "x")
    deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    exs.append(_aged("dying", "Failed", 10, pod_hash="dyinghash"))
    doomed = experiments_to_delete(exs, [*REPLICA_SETS, deleting], limit_successful=2, limit_unsuccessful=1)
    assert sorted(doomed) == ["dying", "f1", "gone", "i1", "no-label", "s1"]


# -- traffic ----------------------------------------------------------------------------------------


def test_weighted_templates_of_the_running_experiment_get_traffic() -> None:
    ex = _experiment()
    ex["status"]["templateStatuses"] = [
        {"name": "baseline", "serviceName": "svc-b", "podTemplateHash": "hb"},
        {"name": "canary", "serviceName": "svc-c", "podTemplateHash": "hc"},
    ]
    (dest,) = experiment_weight_destinations(_rollout(), ex)
    assert (dest.service_name, dest.pod_template_hash, dest.weight) == ("svc-c", "hc", 5)
    # later steps still route to the experiment while it runs (upstream looks back)
    assert len(experiment_weight_destinations(_rollout(currentStepIndex=2), ex)) == 1
    finished = copy.deepcopy(ex)
    finished["status"]["phase"] = "Successful"
    assert experiment_weight_destinations(_rollout(), finished) == []
    assert experiment_weight_destinations(_rollout(currentStepIndex=0), ex) == []
    assert experiment_weight_destinations(_rollout(currentStepIndex=3), ex) == []


def test_experiment_destinations_are_listed_in_the_status_weights_and_taken_from_the_stable() -> None:
    status = {
        "canary": {
            "weights": {
                "canary": {"weight": 20, "podTemplateHash": "c"},
                "stable": {"weight": 80, "podTemplateHash": "s"},
            }
        }
    }
    ex = _experiment()
    ex["status"]["templateStatuses"] = [{"name": "canary", "serviceName": "svc-c", "podTemplateHash": "hc"}]
    weighted = with_experiment_weights(status, experiment_weight_destinations(_rollout(), ex))
    weights = weighted["canary"]["weights"]
    assert weights["additional"] == [{"weight": 5, "serviceName": "svc-c", "podTemplateHash": "hc"}]
    assert (weights["canary"]["weight"], weights["stable"]["weight"]) == (20, 75)
    assert with_experiment_weights(weighted, experiment_weight_destinations(_rollout(), ex)) == weighted
    assert with_experiment_weights(weighted, []) == status  # the experiment's share goes back
    assert with_experiment_weights({"phase": "Healthy"}, []) == {"phase": "Healthy"}


# -- invariants ---------------------------------------------------------------------------------------

FINISHED = {"Successful", "Failed", "Error", "Inconclusive"}
_phases = st.sampled_from(["", "Pending", "Running", *sorted(FINISHED)])


@given(
    owned=st.lists(
        st.tuples(st.sampled_from([EX_NAME, "a", "b", "c"]), _phases, st.booleans(), st.booleans()),
        unique_by=lambda t: t[0],
        max_size=4,
    ),
    index=st.integers(min_value=0, max_value=3),
    abort=st.booleans(),
    promote_full=st.booleans(),
    named=st.sampled_from([EX_NAME, "a", None]),
)
def test_invariants_of_the_actions(
    owned: list[tuple[str, str, bool, bool]], index: int, abort: bool, promote_full: bool, named: str | None
) -> None:
    experiments = [
        _experiment(name, phase, NEW_HASH if same_hash else "oldhash", terminate=term)
        for name, phase, same_hash, term in owned
    ]
    ro = _rollout(canary={"currentExperiment": named} if named else {})
    planned = _planned(ro, currentStepIndex=index, abort=abort, promoteFull=promote_full)
    actions = step_experiment_actions(ro, planned, experiments, REPLICA_SETS)
    by_name = {e["metadata"]["name"]: e for e in experiments}
    # the current experiment is never stopped or deleted, and there is at most one of current/create
    assert actions.current not in actions.terminate and actions.current not in actions.delete
    assert actions.current is None or actions.create is None
    # only running experiments not yet asked to stop are terminated
    for name in actions.terminate:
        assert by_name[name]["status"].get("phase", "") not in FINISHED
        assert not by_name[name]["spec"].get("terminate")
    # an aborted or fully promoted rollout, or one not on an experiment step, keeps none running
    if abort or promote_full or index != 1:
        assert actions.current is None and actions.create is None
        running = {n for n, e in by_name.items() if e["status"].get("phase", "") not in FINISHED}
        assert set(actions.terminate) == {n for n in running if not by_name[n]["spec"].get("terminate")}


def test_the_outcome_follows_a_replica_set_found_by_its_template_under_another_hash() -> None:
    # e.g. a ReplicaSet created by another controller version: found by template equality, as the
    # planner finds it, so its hash (not the computed one) is the Rollout's current pod hash
    legacy = with_pod_defaults(TEMPLATE)  # as the API server stores it
    legacy["metadata"]["labels"]["rollouts-pod-template-hash"] = "legacyhash"
    legacy_rs = {
        "metadata": {"name": "web-legacyhash", "labels": {"rollouts-pod-template-hash": "legacyhash"}},
        "spec": {"template": legacy},
    }
    ro = _rollout(currentPodHash="legacyhash")
    owned = [_experiment(pod_hash="legacyhash", phase="Successful")]
    assert step_outcome(ro, owned, [legacy_rs, REPLICA_SETS[1]]) is not None
    assert step_outcome(ro, owned, REPLICA_SETS) is None  # the template's own hash: a new revision
