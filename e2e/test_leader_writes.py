"""Only the leader writes: two controller replicas share one Lease; a Rollout is reconciled to
Healthy and every write (ReplicaSet creates, Rollout status patches) is counted in the leader's
``controller_clientset_k8s_request_total``, none in the standby's."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from e2e.harness import ControllerProcess, Kubectl, wait_for, wait_for_phase
from e2e.test_controller_process import LEASE, START_TIMEOUT, http_get, start

REPO = Path(__file__).resolve().parents[1]
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
WRITE_VERBS = {"create", "update", "patch", "delete"}
SERIES = re.compile(r"^controller_clientset_k8s_request_total\{(?P<labels>[^}]*)\} (?P<value>\S+)$", re.M)


def writes(metrics_text: str) -> dict[tuple[str, str], float]:
    """(kind, verb) -> count of write requests, leases excluded (both replicas touch the Lease)."""
    counts: dict[tuple[str, str], float] = {}
    for match in SERIES.finditer(metrics_text):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match["labels"]))
        if labels["verb"] in WRITE_VERBS and labels["kind"] != "leases":
            key = (labels["kind"], labels["verb"])
            counts[key] = counts.get(key, 0.0) + float(match["value"])
    return counts


def holder_of(kubectl: Kubectl, lease: str) -> str:
    found = kubectl.get_or_none("lease", lease)
    return str(((found or {}).get("spec") or {}).get("holderIdentity") or "")


def test_only_the_leader_writes(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl
) -> None:
    instance = ("--instance-id", namespace, "--leader-election-retry-period", "1s")
    replicas = [start(start_controller, namespace, *instance) for _ in range(2)]
    for process, _, healthz in replicas:
        wait_for(
            lambda healthz=healthz: http_get(healthz, "/healthz") == (200, "ok"),
            timeout=START_TIMEOUT,
            describe="both replicas healthy",
            diagnose=process.log_tail,
        )
    lease = f"{LEASE}-{namespace}"  # an instance id gets a Lease of its own
    holder = wait_for(lambda: holder_of(kubectl, lease), timeout=30, describe="a holder")
    time.sleep(2)
    leading = [r for r in replicas if "became leader" in r[0].log_tail(400)]
    assert len(leading) == 1, "exactly one replica leads"
    leader = leading[0]
    standby = next(r for r in replicas if r is not leader)

    rollout, service = list(yaml.safe_load_all((REPO / "examples" / "canary-basic.yaml").read_text()))
    rollout["metadata"].setdefault("labels", {})[INSTANCE_LABEL] = namespace
    rollout["spec"]["replicas"] = 2
    kubectl.apply(service, rollout)
    wait_for_phase(kubectl, "rollout/canary-demo", "Healthy", timeout=90, controller_log=leader[0].log_path)

    _, leader_metrics = http_get(leader[1], "/metrics")
    _, standby_metrics = http_get(standby[1], "/metrics")
    leader_writes, standby_writes = writes(leader_metrics), writes(standby_metrics)
    assert leader_writes.get(("replicasets", "create"), 0) >= 1, leader_writes
    assert any(kind == "rollouts" for kind, _ in leader_writes), leader_writes
    assert standby_writes == {}, f"the standby wrote: {standby_writes}"
    assert holder_of(kubectl, lease) == holder
    for process, _, _ in replicas:
        assert process.stop() == 0, process.log_tail()
