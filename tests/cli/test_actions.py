"""Each mutating command through the real command tree: the exact requests and the output."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import (
    ANALYSIS_RUNS,
    ANALYSIS_TEMPLATES,
    DEPLOYMENTS,
    EXPERIMENTS,
    REPLICASETS,
    ROLLOUTS,
)
from tests.cli.conftest import Invoke, rollout
from tests.cli.fake import Call, FakeClient


def patches(fake: FakeClient) -> list[tuple[object, str | None]]:
    return [(c.body, c.subresource) for c in fake.writes() if c.verb == "patch"]


def test_promote_paused_step_clears_pause_conditions(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(
        ROLLOUTS,
        rollout(
            status={
                "currentStepIndex": 1,
                "controllerPause": True,
                "pauseConditions": [{"reason": "CanaryPauseStep"}],
            }
        ),
    )
    result = invoke("promote", "guestbook")
    assert result.exit_code == 0, result.output
    assert result.output == "rollout 'guestbook' promoted\n"
    assert patches(fake) == [({"status": {"pauseConditions": None}}, "status")]


def test_promote_manually_paused_sends_status_then_spec(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(
        ROLLOUTS,
        rollout(
            paused=True, status={"currentStepIndex": 1, "pauseConditions": [{"reason": "CanaryPauseStep"}]}
        ),
    )
    assert invoke("promote", "guestbook").exit_code == 0
    assert patches(fake) == [
        ({"status": {"pauseConditions": None}}, "status"),
        ({"spec": {"paused": False}}, None),
    ]
    assert fake.stored(ROLLOUTS, "guestbook")["spec"]["paused"] is False


def test_promote_mid_analysis_step_skips_it(fake: FakeClient, invoke: Invoke) -> None:
    steps = [{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "t"}]}}, {"pause": {}}]
    fake.add(ROLLOUTS, rollout(steps=steps, status={"currentStepIndex": 1}))
    assert invoke("promote", "guestbook").exit_code == 0
    assert patches(fake) == [({"status": {"pauseConditions": None, "currentStepIndex": 2}}, "status")]


def test_promote_inconclusive_step_analysis_leaves_the_step(fake: FakeClient, invoke: Invoke) -> None:
    steps = [{"analysis": {"templates": [{"templateName": "t"}]}}, {"pause": {}}]
    status = {
        "currentStepIndex": 0,
        "controllerPause": True,
        "pauseConditions": [{"reason": "InconclusiveAnalysisRun"}],
        "canary": {"currentStepAnalysisRunStatus": {"name": "ar", "status": "Inconclusive"}},
    }
    fake.add(ROLLOUTS, rollout(steps=steps, status=status))
    assert invoke("promote", "guestbook").exit_code == 0
    assert patches(fake) == [
        ({"status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 1}}, "status")
    ]


def test_promote_after_last_step_keeps_the_index(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout(status={"currentStepIndex": 2}))
    assert invoke("promote", "guestbook").exit_code == 0
    assert patches(fake) == [({"status": {"pauseConditions": None, "currentStepIndex": 2}}, "status")]


def test_promote_blue_green_not_paused_sends_nothing(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout(blue_green=True))
    result = invoke("promote", "guestbook")
    assert result.exit_code == 0
    assert result.output == "rollout 'guestbook' promoted\n"
    assert patches(fake) == []


def test_promote_full(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout(paused=True, status={"currentPodHash": "abc", "stableRS": "old"}))
    result = invoke("promote", "--full", "guestbook")
    assert result.output == "rollout 'guestbook' fully promoted\n"
    assert patches(fake) == [
        ({"status": {"promoteFull": True}}, "status"),
        ({"spec": {"paused": False}}, None),
    ]


def test_promote_full_of_a_promoted_rollout_sends_nothing(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout(status={"currentPodHash": "abc", "stableRS": "abc"}))
    assert invoke("promote", "--full", "guestbook").exit_code == 0
    assert patches(fake) == []


def test_promote_without_status_subresource_sends_the_unified_patch(fake: FakeClient, invoke: Invoke) -> None:
    fake.status_subresource = False
    fake.add(
        ROLLOUTS, rollout(status={"currentStepIndex": 1, "pauseConditions": [{"reason": "CanaryPauseStep"}]})
    )
    assert invoke("promote", "guestbook").exit_code == 0
    assert patches(fake) == [
        ({"status": {"pauseConditions": None}}, "status"),
        ({"spec": {"paused": False}, "status": {"pauseConditions": None}}, None),
    ]


@pytest.mark.parametrize(
    ("command", "patch", "message"),
    [
        (["abort"], {"status": {"abort": True}}, "rollout 'guestbook' aborted"),
        (["retry", "rollout"], {"status": {"abort": False}}, "rollout 'guestbook' retried"),
        (["retry", "ro"], {"status": {"abort": False}}, "rollout 'guestbook' retried"),
    ],
)
def test_status_subresource_commands(
    fake: FakeClient, invoke: Invoke, command: list[str], patch: dict[str, object], message: str
) -> None:
    fake.add(ROLLOUTS, rollout())
    result = invoke(*command, "guestbook")
    assert result.exit_code == 0, result.output
    assert result.output == message + "\n"
    assert patches(fake) == [(patch, "status")]


def test_abort_falls_back_to_the_object_without_status_subresource(fake: FakeClient, invoke: Invoke) -> None:
    fake.status_subresource = False
    fake.add(ROLLOUTS, rollout())
    assert invoke("abort", "guestbook").exit_code == 0
    assert patches(fake) == [({"status": {"abort": True}}, "status"), ({"status": {"abort": True}}, None)]
    assert fake.stored(ROLLOUTS, "guestbook")["status"]["abort"] is True


def test_pause_several(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout("a"))
    fake.add(ROLLOUTS, rollout("b"))
    result = invoke("pause", "a", "b")
    assert result.output == "rollout 'a' paused\nrollout 'b' paused\n"
    assert patches(fake) == [({"spec": {"paused": True}}, None)] * 2


def test_restart_now_and_later(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())
    assert invoke("restart", "guestbook").output == "rollout 'guestbook' restarts in 0s\n"
    assert invoke("restart", "guestbook", "--in", "1m30s").output == "rollout 'guestbook' restarts in 1m30s\n"
    assert patches(fake) == [
        ({"spec": {"restartAt": "2026-03-01T12:00:00Z"}}, None),
        ({"spec": {"restartAt": "2026-03-01T12:01:30Z"}}, None),
    ]


def test_restart_bad_duration_is_a_usage_error(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())
    result = invoke("restart", "guestbook", "--in", "soon")
    assert result.exit_code == 2
    assert "'--in'" in result.output and "Traceback" not in result.output
    assert patches(fake) == []


@pytest.mark.parametrize(
    ("command", "res", "message"),
    [
        (["terminate", "analysisrun"], ANALYSIS_RUNS, "analysisRun 'x' terminated"),
        (["terminate", "ar"], ANALYSIS_RUNS, "analysisRun 'x' terminated"),
        (["terminate", "experiment"], EXPERIMENTS, "experiment 'x' terminated"),
        (["terminate", "exp"], EXPERIMENTS, "experiment 'x' terminated"),
    ],
)
def test_terminate(fake: FakeClient, invoke: Invoke, command: list[str], res: object, message: str) -> None:
    fake.add(res, {"metadata": {"name": "x", "namespace": "default"}, "spec": {}})  # type: ignore[arg-type]
    result = invoke(*command, "x")
    assert result.output == message + "\n"
    assert fake.writes() == [
        Call(
            "patch",
            res.plural,
            "x",
            "default",  # type: ignore[attr-defined]
            {"spec": {"terminate": True}},
            "merge",
            None,
        )
    ]


def test_retry_experiment_clears_status(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(
        EXPERIMENTS,
        {"metadata": {"name": "x", "namespace": "default"}, "spec": {}, "status": {"phase": "Failed"}},
    )
    assert invoke("retry", "experiment", "x").output == "experiment 'x' retried\n"
    assert patches(fake) == [({"status": None}, None)]
    assert "status" not in fake.stored(EXPERIMENTS, "x")


def test_set_image_every_container_kind(fake: FakeClient, invoke: Invoke) -> None:
    ro = rollout()
    ro["spec"]["template"]["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
    fake.add(ROLLOUTS, ro)
    result = invoke("set", "image", "guestbook", "*=nginx:1.27")
    assert result.output == 'rollout "guestbook" image updated\n'
    pod = fake.stored(ROLLOUTS, "guestbook")["spec"]["template"]["spec"]
    assert [c["image"] for c in pod["initContainers"] + pod["containers"]] == ["nginx:1.27", "nginx:1.27"]


def test_set_image_one_container_retries_a_conflict(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())
    fake.write_errors.append(ApiError(409, "Conflict", "the object has been modified"))
    result = invoke("set", "image", "guestbook", "web=nginx:1.27")
    assert result.exit_code == 0, result.output
    assert [c.verb for c in fake.writes()] == ["replace", "replace"]
    assert (
        fake.stored(ROLLOUTS, "guestbook")["spec"]["template"]["spec"]["containers"][0]["image"]
        == "nginx:1.27"
    )


def test_set_image_unknown_container(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())
    result = invoke("set", "image", "guestbook", "nope=nginx:1.27")
    assert result.exit_code == 1
    assert result.output == 'Error: unable to find container named "nope"\n'
    assert fake.writes() == []


def test_set_image_of_a_workload_ref_updates_the_deployment(fake: FakeClient, invoke: Invoke) -> None:
    ro = rollout()
    del ro["spec"]["template"]
    ro["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    fake.add(ROLLOUTS, ro)
    fake.add(
        DEPLOYMENTS,
        {
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "a"}]}}},
        },
    )
    assert invoke("set", "image", "guestbook", "web=b").output == 'deployment "web" image updated\n'
    assert fake.stored(DEPLOYMENTS, "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "b"


def _replica_set(name: str, revision: str, image: str, owner: str = "uid-guestbook") -> dict[str, object]:
    return {
        "metadata": {
            "name": name,
            "namespace": "default",
            "annotations": {"rollout.argoproj.io/revision": revision},
            "ownerReferences": [{"uid": owner, "controller": True, "kind": "Rollout"}],
        },
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "guestbook", "rollouts-pod-template-hash": name[-3:]}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            }
        },
    }


def test_undo_to_previous_revision(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())  # current template: nginx:1.26 (revision 3)
    fake.add(REPLICASETS, _replica_set("gb-aaa", "1", "nginx:1.24"))
    fake.add(REPLICASETS, _replica_set("gb-bbb", "2", "nginx:1.25"))
    fake.add(REPLICASETS, _replica_set("gb-ccc", "3", "nginx:1.26"))
    fake.add(REPLICASETS, _replica_set("other", "9", "evil", owner="someone-else"))
    result = invoke("undo", "guestbook")
    assert result.output == "rollout 'guestbook' undo\n"
    listed = [c for c in fake.calls if c.verb == "list"]
    assert listed[0].body == "app=guestbook"
    assert [(c.body, c.patch_type) for c in fake.writes() if c.verb == "patch"] == [
        (
            [
                {
                    "op": "replace",
                    "path": "/spec/template",
                    "value": {
                        "metadata": {"labels": {"app": "guestbook"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
                    },
                }
            ],
            "json",
        )
    ]


def test_undo_to_revision_and_skips(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())
    fake.add(REPLICASETS, _replica_set("gb-aaa", "1", "nginx:1.26"))
    fake.add(REPLICASETS, _replica_set("gb-bbb", "2", "nginx:1.27"))
    result = invoke("undo", "guestbook", "--to-revision", "1")
    assert result.output == "skipped rollback (current template already matches revision 1)\n"
    missing = invoke("undo", "guestbook", "--to-revision", "7")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: unable to find specified revision 7 in history\n",
    )
    assert [c for c in fake.writes() if c.verb == "patch"] == []


def test_not_found_is_one_line(fake: FakeClient, invoke: Invoke) -> None:
    result = invoke("promote", "missing")
    assert result.exit_code == 1
    assert result.output == 'Error: rollouts.argoproj.io "missing" not found\n'


def test_forbidden_is_one_line(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout())
    fake.write_errors.append(ApiError(403, "Forbidden", 'rollouts.argoproj.io "guestbook" is forbidden: no'))
    result = invoke("pause", "guestbook")
    assert (result.exit_code, result.output) == (
        1,
        'Error: rollouts.argoproj.io "guestbook" is forbidden: no\n',
    )


TEMPLATE = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AnalysisTemplate",
    "metadata": {
        "name": "success-rate",
        "namespace": "default",
        "uid": "t-1",
        "resourceVersion": "7",
        "labels": {"team": "shop"},
    },
    "spec": {
        "args": [{"name": "service"}, {"name": "threshold", "value": "0.9"}],
        "metrics": [{"name": "m", "provider": {"prometheus": {"query": "q"}}}],
    },
}


def test_create_analysis_run_from_the_cluster(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ANALYSIS_TEMPLATES, TEMPLATE)
    result = invoke(
        "create",
        "analysisrun",
        "--from",
        "success-rate",
        "-a",
        "service=shop",
        "--name",
        "run-1",
        "-a",
        "unknown=x",
    )
    assert (result.exit_code, result.output) == (0, "analysisrun.argoproj.io/run-1 created\n")
    created = fake.stored(ANALYSIS_RUNS, "run-1")
    assert created["kind"] == "AnalysisRun"
    assert created["metadata"] == {"name": "run-1", "namespace": "default", "labels": {"team": "shop"}}
    # only declared arguments are set; the template's own value stays
    assert created["spec"]["args"] == [
        {"name": "service", "value": "shop"},
        {"name": "threshold", "value": "0.9"},
    ]


def test_create_analysis_run_needs_every_argument(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ANALYSIS_TEMPLATES, TEMPLATE)
    result = invoke("create", "ar", "--from", "success-rate")
    assert (result.exit_code, result.output) == (1, "Error: args.service was not resolved\n")
    assert fake.writes() == []


def test_create_analysis_run_from_a_cluster_template_file(
    fake: FakeClient, invoke: Invoke, tmp_path: Path
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump({**TEMPLATE, "kind": "ClusterAnalysisTemplate", "spec": {"metrics": []}}))
    result = invoke("create", "analysisrun", "--from-file", str(path), "--global", "--instance-id", "blue")
    assert (result.exit_code, result.output) == (0, "analysisrun.argoproj.io/success-rate-x7k2q created\n")
    [call] = fake.writes()
    assert call.body["metadata"] == {
        "generateName": "success-rate-",
        "namespace": "default",
        "labels": {"argo-rollouts.argoproj.io/controller-instance-id": "blue"},
    }


def test_create_analysis_run_usage(invoke: Invoke) -> None:
    both = invoke("create", "analysisrun", "--from", "a", "--from-file", "b")
    assert both.exit_code == 2 and "one of --from or --from-file must be specified" in both.output
    bad = invoke("create", "analysisrun", "--from", "a", "-a", "novalue")
    assert (bad.exit_code, bad.output) == (1, "Error: arguments must be in the form NAME=VALUE\n")


def test_deprecated_skip_flags(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout(status={"currentStepIndex": 0}))
    fake.add(ROLLOUTS, rollout("bg", blue_green=True))
    assert invoke("promote", "-c", "guestbook").exit_code == 0
    assert invoke("promote", "--skip-all-steps", "guestbook").exit_code == 0
    assert patches(fake) == [
        ({"status": {"currentStepIndex": 1}}, "status"),
        ({"status": {"currentStepIndex": 2}}, "status"),
    ]
    refused = invoke("promote", "-a", "bg")
    assert refused.exit_code == 1
    assert refused.output.endswith("Error: Cannot skip steps of a bluegreen rollout. Run without a flags\n")
    both = invoke("promote", "-a", "-c", "guestbook")
    assert both.output.endswith(
        "Error: Cannot use skip-current-step and skip-all-steps flags at the same time\n"
    )
