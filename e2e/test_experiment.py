"""Standalone Experiments run by the controller process against the local control plane.

* two templates and a 10 s duration: both ReplicaSets run, the experiment ends Successful and
  (scaleDownDelaySeconds 0) both ReplicaSets go to zero;
* a template whose pods never become ready (``rollouts.test/ready: "false"``, honoured by the
  cluster's kwok stages) fails the experiment on its progress deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from e2e.harness import ControllerProcess, Kubectl, free_port, wait_for
from e2e.harness.diagnose import diagnosis

START_TIMEOUT = 90.0  # importing the client library takes several seconds on a loaded 2-core box



def _start(start_controller: Callable[..., ControllerProcess], namespace: str) -> ControllerProcess:
    return start_controller(
        "--namespace", namespace, "--namespaced",
        "--metricsPort", str(free_port()), "--healthzPort", str(free_port()),
        "--metrics-bind", "127.0.0.1", "--healthz-bind", "127.0.0.1",
    )  # fmt: skip


def _template(name: str, *, ready: bool = True) -> dict[str, Any]:
    labels = {"app": f"exp-{name}"}
    if not ready:
        labels["rollouts.test/ready"] = "false"
    return {
        "name": name,
        "replicas": 1,
        "selector": {"matchLabels": {"app": f"exp-{name}"}},
        "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}]},
        },
    }


def _experiment(name: str, templates: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "metadata": {"name": name},
        "spec": {"templates": templates, **spec},
    }


def _phase(kubectl: Kubectl, name: str) -> str | None:
    obj = kubectl.get_or_none("experiment", name) or {}
    phase: str | None = (obj.get("status") or {}).get("phase")
    return phase


def _wait_scaled_to_zero(kubectl: Kubectl, names: list[str], diagnose: Callable[[], str]) -> None:
    wait_for(
        lambda: all(kubectl.get("replicaset", n)["spec"]["replicas"] == 0 for n in names),
        timeout=60,
        describe=f"ReplicaSets {', '.join(names)} scaled to 0",
        diagnose=diagnose,
    )


def test_two_template_experiment_runs_its_duration_succeeds_and_scales_down(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl, crds: list[str]
) -> None:
    process = _start(start_controller, namespace)
    kubectl.apply(
        _experiment("exp", [_template("a"), _template("b")], duration="10s", scaleDownDelaySeconds=0)
    )
    diagnose = diagnosis(
        kubectl, ["experiment/exp", "replicaset/exp-a", "replicaset/exp-b"], process.log_path
    )
    wait_for(
        lambda: _phase(kubectl, "exp") == "Running",
        timeout=START_TIMEOUT + 60,
        describe="experiment exp Running",
        diagnose=diagnose,
    )
    running = kubectl.get("experiment", "exp")["status"]
    assert running["availableAt"]
    assert {ts["name"]: ts["status"] for ts in running["templateStatuses"]} == {
        "a": "Running",
        "b": "Running",
    }
    for rs_name in ("exp-a", "exp-b"):
        rs = kubectl.get("replicaset", rs_name)
        assert rs["metadata"]["labels"]["rollouts-pod-template-hash"]
        assert rs["metadata"]["ownerReferences"][0]["kind"] == "Experiment"
        assert rs["status"].get("availableReplicas") == 1
    wait_for(
        lambda: _phase(kubectl, "exp") == "Successful",
        timeout=60,
        describe="experiment exp Successful after its 10s duration",
        diagnose=diagnose,
    )
    _wait_scaled_to_zero(kubectl, ["exp-a", "exp-b"], diagnose)
    # settled: no more status writes (a write loop would keep bumping the resourceVersion)
    version = kubectl.get("experiment", "exp")["metadata"]["resourceVersion"]
    time.sleep(3)
    assert kubectl.get("experiment", "exp")["metadata"]["resourceVersion"] == version
    done = kubectl.get("experiment", "exp")["status"]
    progressing = next(c for c in done["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ExperimentCompleted")


def test_template_never_ready_fails_the_experiment_on_its_progress_deadline(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl, crds: list[str]
) -> None:
    process = _start(start_controller, namespace)
    kubectl.apply(
        _experiment(
            "stuck",
            [_template("ok"), _template("bad", ready=False)],
            progressDeadlineSeconds=10,
            scaleDownDelaySeconds=0,
        )
    )
    diagnose = diagnosis(kubectl, ["experiment/stuck", "replicaset/stuck-bad"], process.log_path)
    wait_for(
        lambda: _phase(kubectl, "stuck") == "Failed",
        timeout=START_TIMEOUT + 60,
        describe="experiment stuck Failed on its progress deadline",
        diagnose=diagnose,
    )
    status = kubectl.get("experiment", "stuck")["status"]
    bad = next(ts for ts in status["templateStatuses"] if ts["name"] == "bad")
    assert bad["status"] == "Failed"
    assert bad["message"] == "Template 'bad' exceeded its progressDeadlineSeconds (10)"
    assert status["message"] == bad["message"]
    assert "availableAt" not in status
    _wait_scaled_to_zero(kubectl, ["stuck-ok", "stuck-bad"], diagnose)
