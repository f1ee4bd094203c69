"""Standalone AnalysisRuns measured by the controller process against the local control plane.

* a Web metric against a tiny JSON server started here on 127.0.0.1 (count 3, interval 1s,
  successCondition on a JSON field) ends Successful after three measurements;
* the same metric whose condition does not hold ends Failed with upstream's message;
* a secret argument reaches the server but is masked in the run's status and never logged;
* a run with ``ttlStrategy`` is deleted once completed for that long;
* a Job metric succeeds when its Job completes, and fails when its pod is labelled
  ``rollouts.test/job-fail: "true"`` (the cluster's kwok stages fail such Job pods).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from e2e.harness import ControllerProcess, Kubectl, free_port, serve, wait_for
from e2e.harness.analysis import job_metric
from e2e.harness.diagnose import diagnosis

START_TIMEOUT = 90.0  # importing the client library takes several seconds on a loaded 2-core box



class _Health(BaseHTTPRequestHandler):
    """``/good`` and ``/bad`` answer JSON, ``/echo`` quotes the Authorization header it got;
    every request is counted per path."""

    hits: dict[str, int] = {}
    authorizations: list[str] = []

    def do_GET(self) -> None:
        type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        if self.path == "/echo":  # a careless server quoting the credentials it was sent
            type(self).authorizations.append(self.headers.get("Authorization", ""))
            body = f"denied: {self.headers.get('Authorization')}".encode()
        else:
            body = json.dumps({"status": {"healthy": self.path == "/good", "latency": 12}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return


@pytest.fixture
def health_server() -> Iterator[str]:
    _Health.hits = {}
    _Health.authorizations = []
    with serve(_Health, "health-server") as url:
        yield url


def _start(start_controller: Callable[..., ControllerProcess], namespace: str) -> ControllerProcess:
    return start_controller(
        "--namespace", namespace, "--namespaced",
        "--metricsPort", str(free_port()), "--healthzPort", str(free_port()),
        "--metrics-bind", "127.0.0.1", "--healthz-bind", "127.0.0.1",
    )  # fmt: skip


def _run(name: str, metric: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": name},
        "spec": {"metrics": [metric], **spec},
    }


def _web_metric(url: str) -> dict[str, Any]:
    return {
        "name": "web",
        "count": 3,
        "interval": "1s",
        "successCondition": "result == true",
        "provider": {"web": {"url": url, "jsonPath": "{$.status.healthy}", "timeoutSeconds": 5}},
    }


def _wait_for_phase(
    kubectl: Kubectl, name: str, phase: str, process: ControllerProcess, timeout: float
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        obj = kubectl.get_or_none("analysisrun", name) or {}
        return obj if (obj.get("status") or {}).get("phase") == phase else None

    found: dict[str, Any] = wait_for(
        reached,
        timeout=timeout,
        describe=f"analysisrun {name} {phase}",
        diagnose=diagnosis(kubectl, [f"analysisrun/{name}"], process.log_path),
    )
    return found


def _wait_for_events(kubectl: Kubectl, name: str, *reasons: str) -> None:
    def arrived() -> bool:
        events = kubectl.list("event", f"--field-selector=involvedObject.name={name}")
        return set(reasons) <= {e["reason"] for e in events}

    wait_for(arrived, timeout=30, describe=f"events {reasons} for {name}")


def _web_run(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl, name: str, url: str
) -> ControllerProcess:
    process = _start(start_controller, namespace)
    kubectl.apply(_run(name, _web_metric(url)))
    return process


def test_web_metric_measures_three_times_and_succeeds(
    start_controller: Callable[..., ControllerProcess],
    namespace: str,
    kubectl: Kubectl,
    crds: list[str],
    health_server: str,
) -> None:
    process = _web_run(start_controller, namespace, kubectl, "web-ok", f"{health_server}/good")
    run = _wait_for_phase(kubectl, "web-ok", "Successful", process, START_TIMEOUT + 60)
    status = run["status"]
    (result,) = status["metricResults"]
    assert (result["phase"], result["count"], result["successful"]) == ("Successful", 3, 3)
    assert [m["value"] for m in result["measurements"]] == ["true", "true", "true"]
    assert status["startedAt"] and status["completedAt"]
    assert status["runSummary"]["successful"] == 1
    assert _Health.hits["/good"] == 3
    _wait_for_events(kubectl, "web-ok", "MetricSuccessful", "AnalysisRunSuccessful")


def test_web_metric_whose_condition_fails_fails_the_run(
    start_controller: Callable[..., ControllerProcess],
    namespace: str,
    kubectl: Kubectl,
    crds: list[str],
    health_server: str,
) -> None:
    process = _web_run(start_controller, namespace, kubectl, "web-bad", f"{health_server}/bad")
    run = _wait_for_phase(kubectl, "web-bad", "Failed", process, START_TIMEOUT + 60)
    status = run["status"]
    assert status["message"] == 'Metric "web" assessed Failed due to failed (1) > failureLimit (0)'
    (result,) = status["metricResults"]
    assert result["phase"] == "Failed" and result["failed"] == 1
    assert _Health.hits["/bad"] == 1  # failureLimit 0: the first failure ends the run
    _wait_for_events(kubectl, "web-bad", "MetricFailed", "AnalysisRunFailed")


SECRET = "e2e-s3cr3t-9f1c"


def test_a_secret_argument_is_sent_but_masked_in_status_and_logs(
    start_controller: Callable[..., ControllerProcess],
    namespace: str,
    kubectl: Kubectl,
    crds: list[str],
    health_server: str,
) -> None:
    process = _start(start_controller, namespace)
    metric = _web_metric(f"{health_server}/echo")
    metric["count"] = 1
    del metric["interval"]
    metric["provider"]["web"]["headers"] = [{"key": "Authorization", "value": "Bearer {{args.token}}"}]
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "stringData": {"token": SECRET},
    }
    args = [{"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}]
    kubectl.apply(secret, _run("secret", metric, args=args))
    # the body is not the JSON the condition expects: the run fails on the quoted text
    run = _wait_for_phase(kubectl, "secret", "Failed", process, START_TIMEOUT + 60)
    assert _Health.authorizations == [f"Bearer {SECRET}"]
    (measurement,) = run["status"]["metricResults"][0]["measurements"]
    assert measurement["value"] == "denied: Bearer *****"
    assert SECRET not in json.dumps(run)
    assert SECRET not in process.log_path.read_text()


def test_a_completed_run_is_deleted_after_its_ttl(
    start_controller: Callable[..., ControllerProcess],
    namespace: str,
    kubectl: Kubectl,
    crds: list[str],
    health_server: str,
) -> None:
    process = _start(start_controller, namespace)
    metric = {**_web_metric(f"{health_server}/good"), "count": 1}
    del metric["interval"]
    kubectl.apply(_run("short-lived", metric, ttlStrategy={"secondsAfterCompletion": 2}))
    _wait_for_phase(kubectl, "short-lived", "Successful", process, START_TIMEOUT + 60)
    wait_for(
        lambda: kubectl.get_or_none("analysisrun", "short-lived") is None,
        timeout=30,
        describe="analysisrun short-lived deleted after its TTL",
        diagnose=diagnosis(kubectl, ["analysisrun/short-lived"], process.log_path),
    )


@pytest.mark.parametrize(("fail", "phase"), [(False, "Successful"), (True, "Failed")])
def test_job_metric_follows_its_job(
    start_controller: Callable[..., ControllerProcess],
    namespace: str,
    kubectl: Kubectl,
    crds: list[str],
    fail: bool,
    phase: str,
) -> None:
    process = _start(start_controller, namespace)
    name = "job-fail" if fail else "job-ok"
    kubectl.apply(_run(name, job_metric(fail=fail)))
    run = _wait_for_phase(kubectl, name, phase, process, START_TIMEOUT + 90)
    (measurement,) = run["status"]["metricResults"][0]["measurements"]
    assert measurement["phase"] == phase
    job_name = measurement["metadata"]["job-name"]
    job = kubectl.get("job", job_name)
    owner = job["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("AnalysisRun", name, run["metadata"]["uid"])
