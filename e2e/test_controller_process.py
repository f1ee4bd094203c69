"""The controller as a process against the local control plane: /healthz and /metrics, the Lease,
SIGTERM exits 0 releasing it, and a Lease taken by someone else makes the process exit non-zero."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

from e2e.harness import ControllerProcess, Kubectl, free_port, wait_for

LEASE = "argo-rollouts-controller-lock"
START_TIMEOUT = 90.0  # importing the client library takes several seconds on a loaded 2-core box



def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except OSError:
        return 0, ""


def start(
    start_controller: Callable[..., ControllerProcess], namespace: str, *extra: str
) -> tuple[ControllerProcess, int, int]:
    metrics, healthz = free_port(), free_port()
    process = start_controller(
        "--namespaced",  # the Lease lives here too; never reconcile other tests' objects
        "--namespace",
        namespace,
        "--metricsPort",
        str(metrics),
        "--healthzPort",
        str(healthz),
        "--metrics-bind",
        "127.0.0.1",
        "--healthz-bind",
        "127.0.0.1",
        *extra,
    )
    return process, metrics, healthz


def lease_spec(kubectl: Kubectl) -> dict[str, Any]:
    lease = kubectl.get_or_none("lease", LEASE)
    return dict((lease or {}).get("spec") or {})


def test_serves_health_and_metrics_holds_the_lease_and_exits_0_on_sigterm(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl
) -> None:
    process, metrics_port, healthz_port = start(start_controller, namespace)
    wait_for(
        lambda: http_get(healthz_port, "/healthz") == (200, "ok"),
        timeout=START_TIMEOUT,
        describe="/healthz answering 200 ok",
        diagnose=process.log_tail,
    )
    holder = wait_for(
        lambda: lease_spec(kubectl).get("holderIdentity"),
        timeout=30,
        describe="the Lease naming a holder",
        diagnose=process.log_tail,
    )
    assert "_" in holder  # <hostname>_<uuid>
    spec = lease_spec(kubectl)
    assert spec["leaseDurationSeconds"] == 15

    renew_before = spec["renewTime"]
    wait_for(
        lambda: lease_spec(kubectl).get("renewTime") != renew_before,
        timeout=10,
        describe="a renew within a few retry periods",
        diagnose=process.log_tail,
    )

    status, text = http_get(metrics_port, "/metrics")
    assert status == 200
    assert 'argo_rollouts_controller_info{version="' in text
    lease_series = (
        f'controller_clientset_k8s_request_total{{kind="leases",name="{LEASE}",namespace="{namespace}"'
    )
    assert f'{lease_series},status_code="200",verb="update"}}' in text  # the renew just observed
    assert f'{lease_series},status_code="200",verb="get"}}' in text

    assert process.stop() == 0, process.log_tail()
    assert not process.killed
    released = lease_spec(kubectl)
    assert released["holderIdentity"] == ""
    assert released["leaseDurationSeconds"] == 1


def test_exits_non_zero_when_another_holder_takes_the_lease(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl
) -> None:
    process, _, _ = start(start_controller, namespace)
    wait_for(
        lambda: lease_spec(kubectl).get("holderIdentity"),
        timeout=START_TIMEOUT,
        describe="the controller acquiring the Lease",
        diagnose=process.log_tail,
    )
    kubectl("patch", "lease", LEASE, "--type=merge", "-p", '{"spec":{"holderIdentity":"usurper"}}')
    wait_for(
        lambda: not process.alive(), timeout=20, describe="the controller exiting", diagnose=process.log_tail
    )
    assert process.stop() == 1, process.log_tail()
    assert "lost lease" in process.log_tail() or "another holder" in process.log_tail()
