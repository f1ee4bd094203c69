"""Canary analysis driven end to end on the local control plane: the controller process creates
the Rollout's AnalysisRuns, measures them (Web against a server on 127.0.0.1, Job on kwok pods,
Prometheus scraping an exporter when ``prometheus`` is installed) and acts on their outcome:

* an analysis step that succeeds completes the step and the Rollout gets Healthy;
* one that fails aborts the update with upstream's message and scales the canary to 0;
* a background analysis that fails mid-rollout aborts it;
* an inconclusive one pauses the Rollout (InconclusiveAnalysisRun) until ``kubectl-rollouts promote``;
* a Job analysis that succeeds, and one whose Job fails;
* a Prometheus analysis step.

Each test has its own namespace and a ``--namespaced`` controller with that namespace as its
instance id (see e2e/test_rollout_canary.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import Cluster, ControllerProcess, Kubectl, wait_for, wait_for_phase
from e2e.harness.analysis import (
    job_template,
    prometheus_template,
    verdict_analysis,
    verdict_server,
    verdict_template,
    wait_for_run_phase,
)
from e2e.harness.rollouts import HASH_LABEL, rollout_manifest
from e2e.test_rollout_canary import controller
from tests.analysis import real_prometheus

__all__ = ["controller"]  # the fixture: a --namespaced controller with the namespace as instance id

NAME = "analysed"
CLI = Path(sys.executable).parent / "kubectl-rollouts"
TIMEOUT = 90.0


@pytest.fixture
def server() -> Iterator[str]:
    with verdict_server() as base:
        yield base


def _canary(kubectl: Kubectl, steps: list[dict[str, Any]], **canary: Any) -> dict[str, Any]:
    strategy = {"canary": {"steps": steps, **canary}}
    return rollout_manifest(NAME, kubectl.namespace or "", replicas=2, strategy=strategy)


def _deploy_then_update(kubectl: Kubectl, controller: ControllerProcess, manifest: dict[str, Any]) -> str:
    """Apply, wait for Healthy (the initial deploy runs no analysis), change the image; the new hash."""
    kubectl.apply(manifest)
    wait_for_phase(kubectl, f"rollout/{NAME}", "Healthy", timeout=TIMEOUT, controller_log=controller.log_path)
    assert kubectl.list("analysisruns") == []
    op = [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "argoproj/rollouts-demo:red",
        }
    ]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))

    def new_hash() -> str | None:
        status = kubectl.get("rollout", NAME).get("status") or {}
        current = status.get("currentPodHash")
        return str(current) if current and current != status.get("stableRS") else None

    found: str = wait_for(new_hash, timeout=TIMEOUT, describe="the update started")
    return found


def _run(kubectl: Kubectl, controller: ControllerProcess, name: str, phase: str) -> dict[str, Any]:
    return wait_for_run_phase(
        kubectl, name, [phase], timeout=TIMEOUT, owner=f"rollout/{NAME}", log=controller.log_path
    )


def _degraded(kubectl: Kubectl, controller: ControllerProcess) -> dict[str, Any]:
    return wait_for_phase(
        kubectl, f"rollout/{NAME}", "Degraded", timeout=TIMEOUT, controller_log=controller.log_path
    )


def _replicas_by_hash(kubectl: Kubectl) -> dict[str, int]:
    return {
        rs["metadata"]["labels"][HASH_LABEL]: rs["spec"]["replicas"] for rs in kubectl.list("replicasets")
    }


def _wait_scaled_down(kubectl: Kubectl, pod_hash: str) -> None:
    wait_for(lambda: _replicas_by_hash(kubectl).get(pod_hash) == 0, timeout=TIMEOUT, describe="canary at 0")


def _event_reasons(kubectl: Kubectl) -> set[str]:
    events = kubectl.list("event", f"--field-selector=involvedObject.name={NAME}")
    return {str(e["reason"]) for e in events}


STEPS_AROUND = [{"setWeight": 50}, "analysis", {"setWeight": 100}]


def _steps(analysis: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"analysis": analysis} if s == "analysis" else s for s in STEPS_AROUND]  # type: ignore[misc]


def test_a_successful_analysis_step_completes_and_the_rollout_gets_healthy(
    kubectl: Kubectl, controller: ControllerProcess, server: str
) -> None:
    kubectl.apply(verdict_template())
    new = _deploy_then_update(kubectl, controller, _canary(kubectl, _steps(verdict_analysis(server, "good"))))
    name = f"{NAME}-{new}-2-1"
    run = _run(kubectl, controller, name, "Successful")
    labels = run["metadata"]["labels"]
    assert (labels["rollout-type"], labels["step-index"], labels[HASH_LABEL]) == ("Step", "1", new)
    assert run["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "2"
    assert run["metadata"]["ownerReferences"][0]["kind"] == "Rollout"
    assert run["spec"]["args"] == [{"name": "base", "value": server}, {"name": "verdict", "value": "good"}]
    healthy = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=TIMEOUT, controller_log=controller.log_path
    )
    assert healthy["status"]["stableRS"] == new and healthy["status"]["currentStepIndex"] == 3
    assert "currentStepAnalysisRunStatus" not in (healthy["status"].get("canary") or {})
    assert "AnalysisRunSuccessful" in _event_reasons(kubectl)


def test_a_failed_analysis_step_aborts_and_scales_the_canary_down(
    kubectl: Kubectl, controller: ControllerProcess, server: str
) -> None:
    kubectl.apply(verdict_template())
    new = _deploy_then_update(kubectl, controller, _canary(kubectl, _steps(verdict_analysis(server, "bad"))))
    run = _run(kubectl, controller, f"{NAME}-{new}-2-1", "Failed")
    degraded = _degraded(kubectl, controller)
    message = (run.get("status") or {}).get("message")
    assert message  # the assessment says why; the abort quotes it
    assert degraded["status"]["message"] == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        f"Step-based analysis phase error/failed: {message}"
    )
    _wait_scaled_down(kubectl, new)
    assert "AnalysisRunFailed" in _event_reasons(kubectl)


def test_a_failing_background_analysis_aborts_mid_rollout(
    kubectl: Kubectl, controller: ControllerProcess, server: str
) -> None:
    kubectl.apply(verdict_template(count=2, interval="2s"))
    steps: list[dict[str, Any]] = [{"setWeight": 50}, {"pause": {}}, {"setWeight": 100}]
    analysis = {**verdict_analysis(server, "bad"), "startingStep": 1}
    new = _deploy_then_update(kubectl, controller, _canary(kubectl, steps, analysis=analysis))
    run = _run(kubectl, controller, f"{NAME}-{new}-2", "Failed")
    assert run["metadata"]["labels"]["rollout-type"] == "Background"
    degraded = _degraded(kubectl, controller)
    assert degraded["status"]["message"].startswith(
        "RolloutAborted: Rollout aborted update to revision 2: Background analysis phase error/failed"
    )
    _wait_scaled_down(kubectl, new)


def test_an_inconclusive_analysis_pauses_until_promoted(
    cluster: Cluster, kubectl: Kubectl, controller: ControllerProcess, server: str
) -> None:
    kubectl.apply(verdict_template())
    new = _deploy_then_update(
        kubectl, controller, _canary(kubectl, _steps(verdict_analysis(server, "maybe")))
    )
    _run(kubectl, controller, f"{NAME}-{new}-2-1", "Inconclusive")
    paused = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Paused", timeout=TIMEOUT, controller_log=controller.log_path
    )
    assert [p["reason"] for p in paused["status"]["pauseConditions"]] == ["InconclusiveAnalysisRun"]
    assert paused["status"]["currentStepIndex"] == 1
    promote = subprocess.run(
        [str(CLI), "--kubeconfig", str(cluster.kubeconfig), "-n", kubectl.namespace or "", "promote", NAME],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert promote.returncode == 0, promote.stderr
    healthy = wait_for_phase(
        kubectl, f"rollout/{NAME}", "Healthy", timeout=TIMEOUT, controller_log=controller.log_path
    )
    assert healthy["status"]["stableRS"] == new


@pytest.mark.parametrize("fail", [False, True], ids=["job-succeeds", "job-fails"])
def test_a_job_analysis_step(kubectl: Kubectl, controller: ControllerProcess, fail: bool) -> None:
    kubectl.apply(job_template("job-check", fail=fail))
    analysis = {"templates": [{"templateName": "job-check"}]}
    new = _deploy_then_update(kubectl, controller, _canary(kubectl, _steps(analysis)))
    name = f"{NAME}-{new}-2-1"
    if fail:
        _run(kubectl, controller, name, "Failed")
        degraded = _degraded(kubectl, controller)
        assert "Step-based analysis phase error/failed" in degraded["status"]["message"]
    else:
        _run(kubectl, controller, name, "Successful")
        wait_for_phase(
            kubectl, f"rollout/{NAME}", "Healthy", timeout=TIMEOUT, controller_log=controller.log_path
        )
    assert kubectl.list("jobs")  # the measurement ran as a Job in the namespace


@pytest.mark.skipif(not real_prometheus.available(), reason="prometheus/promtool not on PATH")
def test_a_prometheus_analysis_step_against_a_real_prometheus(
    kubectl: Kubectl, controller: ControllerProcess, server: str, tmp_path: Path
) -> None:
    exporter = server.removeprefix("http://")
    with real_prometheus.running_prometheus(tmp_path, None, scrape_target=exporter) as prometheus:
        wait_for(lambda: _has_sample(prometheus), timeout=30, describe="prometheus scraped the exporter")
        kubectl.apply(prometheus_template(prometheus))
        analysis = {"templates": [{"templateName": "success-ratio"}]}
        new = _deploy_then_update(kubectl, controller, _canary(kubectl, _steps(analysis)))
        run = _run(kubectl, controller, f"{NAME}-{new}-2-1", "Successful")
        measurement = run["status"]["metricResults"][0]["measurements"][0]
        assert measurement["value"] == "[0.99]"
        wait_for_phase(
            kubectl, f"rollout/{NAME}", "Healthy", timeout=TIMEOUT, controller_log=controller.log_path
        )


def _has_sample(prometheus: str) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"{prometheus}/api/v1/query?query=demo_success_ratio", timeout=5) as answer:
        return bool(json.loads(answer.read())["data"]["result"])
