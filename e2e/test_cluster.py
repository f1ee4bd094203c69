"""The local control plane does what the other e2e tests rely on.

Real kube-controller-manager, scheduler and kwok: Deployments get Ready Pods, the
``rollouts.test/*`` labels of ``hack/kwok/pod-stages.yaml`` give not-ready, crash-looping and
failing-Job Pods, and the garbage collector removes an owned ReplicaSet's Pods. A second part tests
the harness itself (waiting, diagnosis, the controller process) where that needs no controller.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from e2e.harness import (
    Cluster,
    ControllerProcess,
    Kubectl,
    WaitTimeout,
    condition_status,
    diagnosis,
    install_crds,
    wait_for,
    wait_for_condition,
    wait_for_phase,
)
from e2e.harness.cluster import CLUSTER_SCRIPT, cached_kubectl
from e2e.harness.crds import crd_names
from e2e.harness.namespaces import namespace_name

pytestmark = pytest.mark.e2e

WAIT = 30.0
# How long a Pod must keep its state to count as settled: kwok replays a matching stage at once,
# so two racing stages (or one matching its own result) would change the Pod within this time.
SETTLE = 3.0


def deployment(name: str, replicas: int, pod_labels: dict[str, str] | None = None) -> dict[str, Any]:
    labels = {"app": name, **(pod_labels or {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "registry.invalid/app:1"}]},
            },
        },
    }


def job(name: str, pod_labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "metadata": {"labels": pod_labels or {}},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "main", "image": "registry.invalid/job:1"}],
                },
            },
        },
    }


def pods(kubectl: Kubectl, selector: str) -> list[dict[str, Any]]:
    return kubectl.list("pods", "-l", selector)


def pods_where(kubectl: Kubectl, selector: str, count: int, check: Any) -> list[dict[str, Any]]:
    """Wait until exactly ``count`` pods match ``selector`` and all satisfy ``check``."""

    def done() -> list[dict[str, Any]] | None:
        found = pods(kubectl, selector)
        return found if len(found) == count and all(check(p) for p in found) else None

    return wait_for(
        done,
        timeout=WAIT,
        describe=f"{count} pod(s) with {selector} in the expected state",
        diagnose=diagnosis(kubectl),
    )


def assert_settled(kubectl: Kubectl, selector: str) -> list[dict[str, Any]]:
    """No pod with ``selector`` changes during SETTLE seconds (no stage race or replay)."""
    before = {p["metadata"]["name"]: p["metadata"]["resourceVersion"] for p in pods(kubectl, selector)}
    time.sleep(SETTLE)
    after_pods = pods(kubectl, selector)
    after = {p["metadata"]["name"]: p["metadata"]["resourceVersion"] for p in after_pods}
    assert after == before, "pods kept changing: kwok stages race or replay"
    return after_pods


def running_ready(pod: dict[str, Any]) -> bool:
    return pod["status"].get("phase") == "Running" and condition_status(pod, "Ready") == "True"


def running_not_ready(pod: dict[str, Any]) -> bool:
    return pod["status"].get("phase") == "Running" and condition_status(pod, "Ready") == "False"


def waiting_reason(pod: dict[str, Any]) -> str | None:
    statuses = pod["status"].get("containerStatuses") or [{}]
    reason = statuses[0].get("state", {}).get("waiting", {}).get("reason")
    return None if reason is None else str(reason)


# ---------------------------------------------------------------------------------------------
# The cluster


def test_deployment_pods_become_ready_on_the_fake_node(kubectl: Kubectl) -> None:
    kubectl.apply(deployment("web", 3))
    wait_for(
        lambda: kubectl.get("deployment", "web").get("status", {}).get("readyReplicas") == 3,
        timeout=WAIT,
        describe="deployment/web 3/3 ready",
        diagnose=diagnosis(kubectl, ["deployment/web"]),
    )
    found = assert_settled(kubectl, "app=web")
    assert len(found) == 3
    assert all(running_ready(p) for p in found)
    assert {p["spec"]["nodeName"] for p in found} == {"kwok-node-0"}
    assert all(p["status"].get("podIP") for p in found)


def test_ready_false_label_keeps_pods_running_but_not_ready(kubectl: Kubectl) -> None:
    kubectl.apply(deployment("slow", 2, {"rollouts.test/ready": "false"}))
    pods_where(kubectl, "app=slow", 2, running_not_ready)
    found = assert_settled(kubectl, "app=slow")
    assert all(running_not_ready(p) for p in found)
    assert not kubectl.get("deployment", "slow").get("status", {}).get("availableReplicas")

    # Removing the label from a live pod makes it Ready (tests use this to "heal" a canary).
    name = found[0]["metadata"]["name"]
    kubectl("label", "pod", name, "rollouts.test/ready-")
    wait_for_condition(kubectl, f"pod/{name}", "Ready", "True", timeout=WAIT)
    # ... and putting it back makes it not ready again.
    kubectl("label", "pod", name, "rollouts.test/ready=false")
    wait_for_condition(kubectl, f"pod/{name}", "Ready", "False", timeout=WAIT)


def test_a_bare_pod_in_a_fresh_namespace_runs(kubectl: Kubectl) -> None:
    # Bare Pods need the namespace's default ServiceAccount (admission): the fixture waited for it.
    kubectl.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "bare", "labels": {"rollouts.test/ready": "false"}},
            "spec": {"containers": [{"name": "main", "image": "registry.invalid/bare:1"}]},
        }
    )
    pod = wait_for_phase(kubectl, "pod/bare", "Running", timeout=WAIT)
    assert condition_status(pod, "Ready") == "False"
    with pytest.raises(WaitTimeout, match="pod/bare phase Succeeded"):
        wait_for_phase(kubectl, "pod/bare", "Succeeded", timeout=1)


def test_crash_label_makes_pods_crash_loop(kubectl: Kubectl) -> None:
    kubectl.apply(deployment("crashy", 2, {"rollouts.test/crash": "true"}))
    pods_where(kubectl, "app=crashy", 2, lambda p: waiting_reason(p) == "CrashLoopBackOff")
    found = assert_settled(kubectl, "app=crashy")
    for pod in found:
        assert running_not_ready(pod)
        status = pod["status"]["containerStatuses"][0]
        assert status["ready"] is False
        assert status["restartCount"] > 0
        assert status["lastState"]["terminated"]["exitCode"] == 1
    assert not kubectl.get("deployment", "crashy").get("status", {}).get("availableReplicas")


def terminated_exit_code(pod: dict[str, Any]) -> int:
    return int(pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])


@pytest.mark.parametrize(
    ("labels", "final_condition", "phase", "exit_code"),
    [({}, "Complete", "Succeeded", 0), ({"rollouts.test/job-fail": "true"}, "Failed", "Failed", 1)],
    ids=["succeeds-by-default", "job-fail-label-fails"],
)
def test_job_pods_finish_as_labelled(
    kubectl: Kubectl, labels: dict[str, str], final_condition: str, phase: str, exit_code: int
) -> None:
    kubectl.apply(job("once", labels))
    finished = wait_for_condition(kubectl, "job/once", final_condition, timeout=WAIT)
    (pod,) = pods(kubectl, "job-name=once")
    assert pod["status"]["phase"] == phase
    assert terminated_exit_code(pod) == exit_code
    other = {"Complete": "Failed", "Failed": "Complete"}[final_condition]
    assert condition_status(finished, other) != "True"


def test_deleting_an_owning_replicaset_garbage_collects_its_pods(kubectl: Kubectl) -> None:
    manifest = deployment("owned", 3)
    manifest["kind"] = "ReplicaSet"
    kubectl.apply(manifest)
    found = pods_where(kubectl, "app=owned", 3, running_ready)
    owner_uid = kubectl.get("replicaset", "owned")["metadata"]["uid"]
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == owner_uid for p in found)

    # A graceful delete (30s grace period) finishes at once: kwok deletes terminating pods.
    kubectl("delete", "replicaset", "owned", "--cascade=background", "--wait=false")
    wait_for(
        lambda: pods(kubectl, "app=owned") == [],
        timeout=WAIT,
        describe="the garbage collector and kwok remove the ReplicaSet's pods",
        diagnose=diagnosis(kubectl),
    )


# ---------------------------------------------------------------------------------------------
# The script itself, on a second, private cluster (own state directory and ports)


def free_port_pair() -> int:
    """A port p with p and p+1 free on 127.0.0.1 (etcd's client and peer ports)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        try:
            with socket.socket() as first, socket.socket() as second:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two consecutive free ports")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_cluster_script_up_is_idempotent_and_down_stops_exactly_its_processes(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ports: list[int] = []
    while len(ports) < 4:  # distinct, non-overlapping pairs (only etcd uses p+1, but keep it simple)
        port = free_port_pair()
        if all(abs(port - taken) > 1 for taken in ports):
            ports.append(port)
    env = {
        **os.environ,
        "ROLLOUTS_CLUSTER_STATE": str(state),
        "ROLLOUTS_ETCD_PORT": str(ports[0]),
        "ROLLOUTS_APISERVER_PORT": str(ports[1]),
        "ROLLOUTS_KCM_PORT": str(ports[2]),
        "ROLLOUTS_SCHEDULER_PORT": str(ports[3]),
    }

    def script(verb: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(CLUSTER_SCRIPT), verb],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def pids() -> dict[str, int]:
        return {f.name: int(f.read_text()) for f in sorted((state / "pids").iterdir())}

    try:
        first = script("up")
        assert first.returncode == 0, first.stderr
        kubeconfig = state / "admin.kubeconfig"
        assert first.stdout.strip().splitlines()[-1] == str(kubeconfig)
        started = pids()
        assert set(started) == {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}
        assert all(alive(pid) for pid in started.values())
        for component in started:
            assert (state / "logs" / f"{component}.log").is_file()

        private = Kubectl(cached_kubectl(), kubeconfig)
        node = private.get("node", "kwok-node-0")
        assert condition_status(node, "Ready") == "True" and not node["spec"].get("taints")
        assert f"https://127.0.0.1:{ports[1]}" in kubeconfig.read_text()

        again = script("up")
        assert again.returncode == 0, again.stderr
        assert again.stdout.strip().splitlines()[-1] == str(kubeconfig)
        assert pids() == started, "a second up must reuse the running components"

        status = script("status")
        assert status.returncode == 0
        assert status.stdout.count(" running (pid ") == 5
    finally:
        recorded = pids() if (state / "pids").is_dir() else {}
        down = script("down")
    assert down.returncode == 0, down.stderr
    assert not state.exists()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in recorded.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in recorded.values())
    after = script("status")
    assert after.returncode == 1 and after.stdout.count(" stopped") == 5


# ---------------------------------------------------------------------------------------------
# The harness


def test_wait_for_timeout_reports_what_and_why(kubectl: Kubectl) -> None:
    kubectl.apply(deployment("never", 1, {"rollouts.test/ready": "false"}))
    with pytest.raises(WaitTimeout) as raised:
        wait_for(
            lambda: kubectl.get("deployment", "never").get("status", {}).get("availableReplicas"),
            timeout=3,
            describe="deployment/never available",
            diagnose=diagnosis(kubectl, ["deployment/never", "pod/absent"]),
        )
    message = str(raised.value)
    assert "timed out after 3s waiting for: deployment/never available" in message
    assert "--- deployment/never" in message and "replicas: 1" in message
    assert "could not get pod/absent" in message
    assert "ScalingReplicaSet" in message  # the namespace's Events


def test_wait_for_returns_the_predicates_value_and_quotes_the_last_kubectl_error(kubectl: Kubectl) -> None:
    assert wait_for(lambda: "value", timeout=1, describe="immediately") == "value"
    with pytest.raises(WaitTimeout, match=r"last kubectl error: .*NotFound"):
        wait_for(lambda: kubectl.get("configmap", "missing"), timeout=1, describe="configmap/missing")


DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def throwaway_crd(plural: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.e2e.rollouts.test"},
        "spec": {
            "group": "e2e.rollouts.test",
            "names": {"kind": plural.capitalize()[:-1], "plural": plural},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                    },
                }
            ],
        },
    }


def test_crd_names_reads_multi_document_files_and_ignores_other_kinds(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        yaml.safe_dump_all([throwaway_crd("gadgets"), {"kind": "ConfigMap", "metadata": {"name": "x"}}])
    )
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(throwaway_crd("doodads")))
    (tmp_path / "notes.txt").write_text("not yaml: [")
    assert crd_names(tmp_path) == ["doodads.e2e.rollouts.test", "gadgets.e2e.rollouts.test"]
    assert install_crds(Kubectl(Path("/nonexistent/kubectl"), Path("/nonexistent")), tmp_path / "empty") == []


def test_install_crds_applies_and_waits_until_established(cluster: Cluster, tmp_path: Path) -> None:
    plural = f"widgets{secrets.token_hex(3)}"  # fresh per run: CRD deletion finishes asynchronously
    (tmp_path / "widgets.yaml").write_text(yaml.safe_dump(throwaway_crd(plural)))
    cluster_scoped = cluster.kubectl.in_namespace(None)
    try:
        names = install_crds(cluster.kubectl, tmp_path)
        assert names == [f"{plural}.e2e.rollouts.test"]
        # Established means the API serves the kind right now: listing it must work at once.
        assert cluster_scoped.list(f"{plural}.e2e.rollouts.test", "--all-namespaces") == []
    finally:
        cluster_scoped("delete", "crd", f"{plural}.e2e.rollouts.test", "--ignore-not-found", "--wait=false")


def test_the_projects_crds_are_installed_and_served(cluster: Cluster, crds: list[str]) -> None:
    # `crds` skips this test while manifests/crds is empty; the session fixture installed them.
    cluster_scoped = cluster.kubectl.in_namespace(None)
    for name in crds:
        assert condition_status(cluster_scoped.get("customresourcedefinition", name), "Established") == "True"
        assert isinstance(cluster_scoped.list(name, "--all-namespaces"), list)


@given(st.text(max_size=200))
def test_namespace_names_are_dns_labels(test_name: str) -> None:
    name = namespace_name(test_name)
    assert len(name) <= 63
    assert DNS_LABEL.fullmatch(name), name
    assert name.startswith("e2e-") and "--" not in name


def test_namespace_fixture_gives_a_fresh_namespace_with_a_service_account(kubectl: Kubectl) -> None:
    assert kubectl.namespace is not None and kubectl.namespace.startswith("e2e-")
    assert kubectl.get("serviceaccount", "default")["metadata"]["namespace"] == kubectl.namespace
    assert kubectl.list("deployments") == []


PROGRAM_IGNORING_SIGTERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('started', flush=True)\n"
    "time.sleep(60)\n"
)
PROGRAM_EXITING_ON_SIGTERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
    "print('started', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.mark.parametrize(
    ("program", "killed", "returncode"),
    [(PROGRAM_EXITING_ON_SIGTERM, False, 0), (PROGRAM_IGNORING_SIGTERM, True, -9)],
    ids=["graceful", "killed"],
)
def test_controller_process_logs_to_a_file_and_stops(
    tmp_path: Path, program: str, killed: bool, returncode: int
) -> None:
    log = tmp_path / "controller.log"
    process = ControllerProcess(
        tmp_path / "kubeconfig", log, command=[sys.executable, "-c", program], stop_timeout=1.0
    )
    with process:
        wait_for(lambda: "started" in process.log_tail(), timeout=10, describe="the process's first line")
        assert process.alive()
    assert not process.alive()
    assert process.killed is killed
    assert process.returncode == returncode
    assert process.stop() == returncode  # idempotent
