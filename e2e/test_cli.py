"""The real ``kubectl-rollouts`` executable against the local control plane.

No controller runs here: each command's change must land on the stored object (what the
controller would then act on). The Rollout carries a controller-instance-id no controller uses,
so that a controller started by another test (controllers skip objects of other instances) never
touches it, and it has no replicas.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import Cluster, Kubectl

CLI = Path(sys.executable).parent / "kubectl-rollouts"
UNCONTROLLED = {"argo-rollouts.argoproj.io/controller-instance-id": "kubectl-rollouts-e2e-nobody"}
TIMEOUT = 60.0


def rollout_manifest(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "labels": UNCONTROLLED},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1"}]},
            },
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}]}},
        },
    }


def set_status(kubectl: Kubectl, name: str, fields: dict[str, Any]) -> None:
    """Write status fields as the controller would (merge patch on the status subresource)."""
    kubectl(
        "patch", "rollout", name, "--subresource=status", "--type=merge", "-p", json.dumps({"status": fields})
    )


def run_cli(cluster: Cluster, namespace: str, *args: str) -> subprocess.CompletedProcess[str]:
    if not CLI.is_file():
        pytest.fail(f"{CLI} is not installed: run `uv sync` (the package's [project.scripts])", pytrace=False)
    argv = [str(CLI), "--kubeconfig", str(cluster.kubeconfig), "-n", namespace, *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def ok(cluster: Cluster, namespace: str, *args: str) -> str:
    done = run_cli(cluster, namespace, *args)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


@pytest.fixture
def guestbook(cluster: Cluster, crds: list[str], kubectl: Kubectl) -> str:
    kubectl.apply(rollout_manifest("guestbook"))
    return "guestbook"


def test_actions_land_on_the_rollout(
    cluster: Cluster, namespace: str, kubectl: Kubectl, guestbook: str
) -> None:
    assert ok(cluster, namespace, "pause", guestbook) == "rollout 'guestbook' paused\n"
    assert kubectl.get("rollout", guestbook)["spec"]["paused"] is True

    # as if the controller had paused at the pause step
    set_status(
        kubectl,
        guestbook,
        {
            "currentStepIndex": 1,
            "controllerPause": True,
            "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T00:00:00Z"}],
        },
    )
    assert ok(cluster, namespace, "promote", guestbook) == "rollout 'guestbook' promoted\n"
    obj = kubectl.get("rollout", guestbook)
    assert obj["spec"]["paused"] is False
    assert "pauseConditions" not in obj["status"]
    assert obj["status"]["currentStepIndex"] == 1  # the controller advances a finished pause step

    assert ok(cluster, namespace, "abort", guestbook) == "rollout 'guestbook' aborted\n"
    assert kubectl.get("rollout", guestbook)["status"]["abort"] is True
    assert ok(cluster, namespace, "retry", "rollout", guestbook) == "rollout 'guestbook' retried\n"
    assert kubectl.get("rollout", guestbook)["status"]["abort"] is False

    assert (
        ok(cluster, namespace, "restart", guestbook, "--in", "1h") == "rollout 'guestbook' restarts in 1h\n"
    )
    assert kubectl.get("rollout", guestbook)["spec"]["restartAt"].endswith("Z")

    assert ok(cluster, namespace, "set", "image", guestbook, "web=registry.example.com/web:2") == (
        'rollout "guestbook" image updated\n'
    )
    containers = kubectl.get("rollout", guestbook)["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "registry.example.com/web:2"

    # promote --full only asks for a full promotion while an update is under way
    set_status(kubectl, guestbook, {"currentPodHash": "abc", "stableRS": "old"})
    assert ok(cluster, namespace, "promote", "--full", guestbook) == "rollout 'guestbook' fully promoted\n"
    assert kubectl.get("rollout", guestbook)["status"]["promoteFull"] is True

    listed = ok(cluster, namespace, "list", "rollouts")
    assert listed.splitlines()[0].split() == [
        "NAME",
        "STRATEGY",
        "STATUS",
        "STEP",
        "SET-WEIGHT",
        "READY",
        "DESIRED",
        "UP-TO-DATE",
        "AVAILABLE",
    ]
    assert listed.splitlines()[1].split()[:2] == ["guestbook", "Canary"]


def test_status_and_not_found(cluster: Cluster, namespace: str, kubectl: Kubectl, guestbook: str) -> None:
    set_status(
        kubectl,
        guestbook,
        {"phase": "Degraded", "message": "RolloutAborted: aborted", "observedGeneration": "1"},
    )
    done = run_cli(cluster, namespace, "status", guestbook, "--timeout", "20s")
    assert done.returncode == 1
    assert done.stdout == "Degraded - RolloutAborted: aborted\n"
    assert done.stderr == "Error: The rollout is in a degraded state with message: RolloutAborted: aborted\n"

    set_status(kubectl, guestbook, {"phase": "Healthy", "message": ""})
    assert ok(cluster, namespace, "status", guestbook, "--timeout", "20s") == "Healthy\n"

    missing = run_cli(cluster, namespace, "promote", "nope")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr == 'Error: rollouts.argoproj.io "nope" not found\n'


def test_unreachable_cluster_is_one_line(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u, namespace: team}}]\n"
    )
    done = subprocess.run(
        [str(CLI), "--kubeconfig", str(kubeconfig), "pause", "x"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot reach the Kubernetes API server")
    assert done.stderr.count("\n") == 1


def owned_replica_set(rollout: dict[str, Any], revision: int, image: str) -> dict[str, Any]:
    name = rollout["metadata"]["name"]
    pod_hash = f"h{revision}"
    labels = {"app": name, "rollouts-pod-template-hash": pod_hash}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{name}-{pod_hash}",
            "labels": labels,
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": name,
                    "uid": rollout["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


def test_undo_and_get_rollout(cluster: Cluster, namespace: str, kubectl: Kubectl, guestbook: str) -> None:
    rollout = kubectl.get("rollout", guestbook)
    kubectl.apply(
        owned_replica_set(rollout, 1, "registry.example.com/web:0"),
        owned_replica_set(rollout, 2, "registry.example.com/web:1"),
    )

    assert ok(cluster, namespace, "undo", guestbook) == "rollout 'guestbook' undo\n"
    template = kubectl.get("rollout", guestbook)["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "registry.example.com/web:0"
    assert "rollouts-pod-template-hash" not in template["metadata"]["labels"]
    assert ok(cluster, namespace, "undo", guestbook, "--to-revision", "1") == (
        "skipped rollback (current template already matches revision 1)\n"
    )

    tree = ok(cluster, namespace, "get", "rollout", guestbook, "--no-color")
    lines = [line.rstrip() for line in tree.splitlines()]
    assert lines[0] == "Name:            guestbook"
    assert lines[1] == f"Namespace:       {namespace}"
    assert "├──# revision:2" in lines and "└──# revision:1" in lines
    assert any(line.startswith("│  └──⧉ guestbook-h2") and "ReplicaSet" in line for line in lines)


def test_analysis_run_create_and_terminate(
    cluster: Cluster, namespace: str, kubectl: Kubectl, crds: list[str]
) -> None:
    kubectl.apply(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "smoke", "labels": UNCONTROLLED},  # the run inherits the labels
            "spec": {
                "args": [{"name": "who"}],
                "metrics": [
                    {"name": "m", "provider": {"web": {"url": "http://example.invalid/{{args.who}}"}}}
                ],
            },
        }
    )
    out = ok(
        cluster, namespace, "create", "analysisrun", "--from", "smoke", "-a", "who=me", "--name", "smoke-1"
    )
    assert out == "analysisrun.argoproj.io/smoke-1 created\n"
    run = kubectl.get("analysisrun", "smoke-1")
    assert run["spec"]["args"] == [{"name": "who", "value": "me"}]
    assert ok(cluster, namespace, "terminate", "ar", "smoke-1") == "analysisRun 'smoke-1' terminated\n"
    assert kubectl.get("analysisrun", "smoke-1")["spec"]["terminate"] is True


def test_status_watch_exits_0_once_healthy(
    cluster: Cluster, namespace: str, kubectl: Kubectl, guestbook: str
) -> None:
    set_status(kubectl, guestbook, {"phase": "Progressing", "message": "more replicas need to be updated"})
    argv = [
        str(CLI),
        "--kubeconfig",
        str(cluster.kubeconfig),
        "-n",
        namespace,
        "status",
        guestbook,
        "--timeout",
        "40s",
    ]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as watcher:
        try:
            assert watcher.stdout is not None
            assert watcher.stdout.readline() == "Progressing - more replicas need to be updated\n"
            set_status(kubectl, guestbook, {"phase": "Healthy", "message": ""})
            out, err = watcher.communicate(timeout=TIMEOUT)
        finally:
            if watcher.poll() is None:
                watcher.kill()
    assert (watcher.returncode, out, err) == (0, "Healthy\n", "")


def test_experiment_commands(cluster: Cluster, namespace: str, kubectl: Kubectl, crds: list[str]) -> None:
    kubectl.apply(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Experiment",
            "metadata": {"name": "exp", "labels": UNCONTROLLED},
            "spec": {
                "duration": "1h",
                "templates": [
                    {
                        "name": "a",
                        "selector": {"matchLabels": {"app": "a"}},
                        "template": {
                            "metadata": {"labels": {"app": "a"}},
                            "spec": {"containers": [{"name": "a", "image": "registry.example.com/a:1"}]},
                        },
                    }
                ],
            },
        }
    )
    kubectl(
        "patch",
        "experiment",
        "exp",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"phase":"Running"}}',
    )
    listed = ok(cluster, namespace, "list", "experiments").splitlines()
    assert listed[0].split() == ["NAME", "STATUS", "DURATION", "REMAINING", "AGE"]
    assert listed[1].split()[:4] == ["exp", "Running", "60m", "-"]
    tree = ok(cluster, namespace, "get", "experiment", "exp", "--no-color").splitlines()
    assert tree[2] == "Status:          ◌ Running"
    assert ok(cluster, namespace, "terminate", "experiment", "exp") == "experiment 'exp' terminated\n"
    assert kubectl.get("experiment", "exp")["spec"]["terminate"] is True
