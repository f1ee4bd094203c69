"""A canary ``experiment`` step run by the controller process against the local control plane.

The Rollout's step starts an Experiment with two templates (the stable and the canary pod
template) and a Web analysis against a tiny JSON server on 127.0.0.1 started by the test:

* the analysis passes: the experiment ends Successful after its 10 s duration, its ReplicaSets
  scale to zero, the step completes and the Rollout ends Healthy on the new revision;
* the analysis fails: the experiment fails and the Rollout aborts with upstream's message, the
  canary scaled down;
* ``kubectl-rollouts abort`` while the experiment runs: the controller terminates it.

Isolation: the test's controller watches only the test's namespace and handles only objects
carrying its instance id (the Rollout's label, copied by the controller to the Experiment).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import (
    Cluster,
    ControllerProcess,
    Kubectl,
    diagnosis,
    free_port,
    serve,
    wait_for,
    wait_for_phase,
)
from e2e.harness.rollouts import HASH_LABEL, rollout_manifest

NAME = "exp-canary"
CLI = Path(sys.executable).parent / "kubectl-rollouts"
START_TIMEOUT = 120.0  # the controller's start plus the initial deploy on a loaded 2-core box
#: the experiment's 10 s duration, its analysis, and upstream's default 30 s scale-down delay
EXPERIMENT_TIMEOUT = 120.0


class _Verdicts(BaseHTTPRequestHandler):
    """``GET /pass`` answers ``{"healthy": true}``, anything else ``{"healthy": false}``."""

    def do_GET(self) -> None:
        body = json.dumps({"healthy": self.path == "/pass"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def verdicts() -> Iterator[str]:
    with serve(_Verdicts, "verdict-server") as url:
        yield url


@pytest.fixture
def controller(start_controller: Callable[..., ControllerProcess], namespace: str) -> ControllerProcess:
    return start_controller(
        "--namespaced", "--namespace", namespace, "--instance-id", namespace, "--leader-elect=false",
        "--metricsPort", str(free_port()), "--healthzPort", str(free_port()),
        "--metrics-bind", "127.0.0.1", "--healthz-bind", "127.0.0.1",
    )  # fmt: skip


def _analysis_template() -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "verdict"},
        "spec": {
            "args": [{"name": "url"}],
            "metrics": [
                {
                    "name": "healthy",
                    "count": 2,
                    "interval": "2s",
                    "successCondition": "result == true",
                    "provider": {
                        "web": {"url": "{{args.url}}", "jsonPath": "{$.healthy}", "timeoutSeconds": 5}
                    },
                }
            ],
        },
    }


def _experiment_step(url: str | None, duration: str) -> dict[str, Any]:
    step: dict[str, Any] = {
        "duration": duration,
        "templates": [
            {"name": "baseline", "specRef": "stable", "metadata": {"labels": {"role": "baseline"}}},
            {"name": "canary", "specRef": "canary", "metadata": {"labels": {"role": "canary"}}},
        ],
    }
    if url is not None:
        step["analyses"] = [
            {"name": "verdict", "templateName": "verdict", "args": [{"name": "url", "value": url}]}
        ]
    return step


def _deploy(kubectl: Kubectl, controller: ControllerProcess, step: dict[str, Any]) -> dict[str, Any]:
    """Apply the Rollout (with the experiment step), wait for Healthy, change the image."""
    namespace = kubectl.namespace or ""
    strategy = {"canary": {"steps": [{"setWeight": 50}, {"experiment": step}, {"setWeight": 100}]}}
    kubectl.apply(_analysis_template(), rollout_manifest(NAME, namespace, replicas=2, strategy=strategy))
    first = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=START_TIMEOUT, controller_log=controller.log_path
    )
    image = "argoproj/rollouts-demo:green"
    op = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))
    return first


def _step_experiment(kubectl: Kubectl, controller: ControllerProcess) -> dict[str, Any]:
    """The Experiment the Rollout's step created (owned by the Rollout), once it exists."""

    def created() -> dict[str, Any] | None:
        owned = [
            ex
            for ex in kubectl.list("experiments")
            if any(ref.get("kind") == "Rollout" for ref in ex["metadata"].get("ownerReferences") or [])
        ]
        return owned[0] if owned else None

    return wait_for(
        created,
        timeout=60,
        describe="the step's Experiment",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


def _experiment_phase(
    kubectl: Kubectl, name: str, phases: set[str], controller: ControllerProcess
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        ex = kubectl.get("experiment", name)
        return ex if (ex.get("status") or {}).get("phase") in phases else None

    return wait_for(
        reached,
        timeout=EXPERIMENT_TIMEOUT,
        describe=f"experiment {name} {sorted(phases)}",
        diagnose=diagnosis(kubectl, [f"experiment/{name}", f"rollout/{NAME}"], controller.log_path),
    )


def _experiment_replica_sets(kubectl: Kubectl, name: str) -> list[dict[str, Any]]:
    return [
        rs
        for rs in kubectl.list("replicasets")
        if any(ref.get("name") == name for ref in rs["metadata"].get("ownerReferences") or [])
    ]


def _wait_experiment_scaled_down(kubectl: Kubectl, name: str, controller: ControllerProcess) -> None:
    wait_for(
        lambda: all(rs["spec"]["replicas"] == 0 for rs in _experiment_replica_sets(kubectl, name)),
        timeout=EXPERIMENT_TIMEOUT,
        describe=f"experiment {name}'s ReplicaSets scaled to 0",
        diagnose=diagnosis(kubectl, [f"experiment/{name}"], controller.log_path),
    )


def test_a_passing_experiment_step_completes_and_the_rollout_becomes_healthy(
    kubectl: Kubectl, controller: ControllerProcess, verdicts: str
) -> None:
    first = _deploy(kubectl, controller, _experiment_step(f"{verdicts}/pass", "10s"))
    stable_hash = first["status"]["stableRS"]
    experiment = _step_experiment(kubectl, controller)
    name = experiment["metadata"]["name"]
    rollout = kubectl.get("rollout", NAME)
    canary_hash = rollout["status"]["currentPodHash"]
    assert name == f"{NAME}-{canary_hash}-2-1"  # <rollout>-<podHash>-<revision>-<stepIndex>
    assert experiment["metadata"]["labels"][HASH_LABEL] == canary_hash
    assert experiment["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"

    running = _experiment_phase(kubectl, name, {"Running"}, controller)
    assert kubectl.get("rollout", NAME)["status"]["canary"]["currentExperiment"] == name
    images = {
        rs["spec"]["template"]["metadata"]["labels"]["role"]: rs["spec"]["template"]["spec"]["containers"][0][
            "image"
        ]
        for rs in _experiment_replica_sets(kubectl, name)
    }
    assert images == {"baseline": "argoproj/rollouts-demo:blue", "canary": "argoproj/rollouts-demo:green"}
    assert running["status"]["availableAt"]

    done = _experiment_phase(kubectl, name, {"Successful", "Failed", "Error", "Inconclusive"}, controller)
    assert done["status"]["phase"] == "Successful", done["status"]
    healthy = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=60, controller_log=controller.log_path
    )
    assert healthy["status"]["stableRS"] == canary_hash != stable_hash
    assert healthy["status"]["currentStepIndex"] == 3
    assert "currentExperiment" not in healthy["status"].get("canary", {})
    _wait_experiment_scaled_down(kubectl, name, controller)
    assert not kubectl.get("experiment", name)["spec"].get("terminate")  # it ended by itself
    runs = kubectl.list("analysisruns")
    assert [(r["metadata"]["name"], r["status"]["phase"]) for r in runs] == [
        (f"{name}-verdict", "Successful")
    ]


def test_a_failing_experiment_analysis_aborts_the_rollout(
    kubectl: Kubectl, controller: ControllerProcess, verdicts: str
) -> None:
    _deploy(kubectl, controller, _experiment_step(f"{verdicts}/fail", "30s"))
    name = _step_experiment(kubectl, controller)["metadata"]["name"]
    failed = _experiment_phase(kubectl, name, {"Successful", "Failed", "Error", "Inconclusive"}, controller)
    assert failed["status"]["phase"] == "Failed", failed["status"]
    degraded = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Degraded", timeout=60, controller_log=controller.log_path
    )
    status = degraded["status"]
    assert status["abort"] is True
    expected = f"Experiment analysis phase is error/failed: {failed['status']['message']}"
    assert expected in status["message"], status["message"]
    canary_hash = status["currentPodHash"]

    def canary_scaled_down() -> bool:
        owned = kubectl.list("replicasets", "-l", f"{HASH_LABEL}={canary_hash}")
        (canary,) = [rs for rs in owned if rs["metadata"]["ownerReferences"][0]["kind"] == "Rollout"]
        return bool(canary["spec"]["replicas"] == 0)

    wait_for(
        canary_scaled_down,
        timeout=60,
        describe="the aborted canary scaled to 0",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )
    _wait_experiment_scaled_down(kubectl, name, controller)


def test_aborting_the_rollout_terminates_the_running_experiment(
    kubectl: Kubectl, controller: ControllerProcess, cluster: Cluster
) -> None:
    _deploy(kubectl, controller, _experiment_step(None, "1h"))
    name = _step_experiment(kubectl, controller)["metadata"]["name"]
    _experiment_phase(kubectl, name, {"Running"}, controller)
    if not CLI.is_file():
        pytest.fail(f"{CLI} is not installed: run `uv sync`", pytrace=False)
    argv = [str(CLI), "--kubeconfig", str(cluster.kubeconfig), "-n", kubectl.namespace or "", "abort", NAME]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    wait_for(
        lambda: kubectl.get("experiment", name)["spec"].get("terminate") is True,
        timeout=60,
        describe=f"experiment {name} terminated by the controller",
        diagnose=diagnosis(kubectl, [f"experiment/{name}", f"rollout/{NAME}"], controller.log_path),
    )
    ended = _experiment_phase(kubectl, name, {"Successful", "Failed", "Error", "Inconclusive"}, controller)
    assert ended["status"]["phase"] == "Successful"  # terminated without a failure, as upstream
    _wait_experiment_scaled_down(kubectl, name, controller)
    assert kubectl.get("rollout", NAME)["status"]["abort"] is True
