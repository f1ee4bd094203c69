"""Blue-green analysis on the local control plane, measured by the controller process (Web metric
against a server on 127.0.0.1, see e2e/harness/analysis.py):

* pre-promotion analysis gates the switch: the active Service keeps the old pods while the run
  measures, and switches once it succeeds;
* a failing post-promotion analysis aborts the update: the active Service goes back to the old
  pods and the Rollout is Degraded with upstream's message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from e2e.harness import ControllerProcess, Kubectl, wait_for, wait_for_phase
from e2e.harness.analysis import verdict_analysis, verdict_server, verdict_template, wait_for_run_phase
from e2e.harness.rollouts import HASH_LABEL, rollout_manifest, service_manifest
from e2e.test_rollout_canary import controller

__all__ = ["controller"]  # the fixture: a --namespaced controller with the namespace as instance id

NAME = "bg-analysed"
ACTIVE = "bg-analysed-active"
TIMEOUT = 90.0


@pytest.fixture
def server() -> Iterator[str]:
    with verdict_server() as base:
        yield base


def _active_hash(kubectl: Kubectl) -> str | None:
    selector = kubectl.get("service", ACTIVE)["spec"].get("selector") or {}
    value = selector.get(HASH_LABEL)
    return str(value) if value is not None else None


def _deploy_then_update(kubectl: Kubectl, controller: ControllerProcess, **strategy: Any) -> tuple[str, str]:
    """Deploy blue (Healthy, active = blue), switch the image to green; (blue hash, green hash)."""
    blue_green = {"activeService": ACTIVE, "scaleDownDelaySeconds": 5, **strategy}
    manifest = rollout_manifest(NAME, kubectl.namespace or "", strategy={"blueGreen": blue_green})
    kubectl.apply(service_manifest(ACTIVE, NAME), manifest)
    blue = _rollout_phase(kubectl, controller, "Healthy")
    blue_hash = str(blue["status"]["stableRS"])
    assert _active_hash(kubectl) == blue_hash and kubectl.list("analysisruns") == []
    kubectl(
        "patch", "rollout", NAME, "--type", "json", "-p",
        '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"argoproj/rollouts-demo:green"}]',
    )  # fmt: skip

    def green() -> str | None:
        status = kubectl.get("rollout", NAME).get("status") or {}
        current = status.get("currentPodHash")
        return str(current) if current and current != blue_hash else None

    green_hash: str = wait_for(green, timeout=TIMEOUT, describe="the update started")
    return blue_hash, green_hash


def _rollout_phase(kubectl: Kubectl, controller: ControllerProcess, phase: str) -> dict[str, Any]:
    return wait_for_phase(
        kubectl, f"rollout/{NAME}", phase, timeout=TIMEOUT, controller_log=controller.log_path
    )


def _run_phase(kubectl: Kubectl, controller: ControllerProcess, name: str, phase: str) -> dict[str, Any]:
    return wait_for_run_phase(
        kubectl, name, [phase], timeout=TIMEOUT, owner=f"rollout/{NAME}", log=controller.log_path
    )


def test_pre_promotion_analysis_gates_the_switch_of_the_active_service(
    kubectl: Kubectl, controller: ControllerProcess, server: str
) -> None:
    # three measurements two seconds apart: long enough to see the gate closed while it runs
    kubectl.apply(verdict_template(count=3, interval="2s"))
    blue, green = _deploy_then_update(
        kubectl, controller, prePromotionAnalysis=verdict_analysis(server, "good")
    )
    name = f"{NAME}-{green}-2-pre"
    running = _run_phase(kubectl, controller, name, "Running")
    assert running["metadata"]["labels"]["rollout-type"] == "PrePromotion"
    assert _active_hash(kubectl) == blue  # users still see blue while the analysis measures
    status = kubectl.get("rollout", NAME)["status"]
    assert status["blueGreen"]["prePromotionAnalysisRunStatus"]["name"] == name
    assert status["stableRS"] == blue

    _run_phase(kubectl, controller, name, "Successful")
    healthy = _rollout_phase(kubectl, controller, "Healthy")
    assert healthy["status"]["stableRS"] == green
    assert _active_hash(kubectl) == green
    assert healthy["status"]["blueGreen"]["prePromotionAnalysisRunStatus"]["status"] == "Successful"


def test_a_failing_post_promotion_analysis_rolls_the_active_service_back(
    kubectl: Kubectl, controller: ControllerProcess, server: str
) -> None:
    kubectl.apply(verdict_template(count=2, interval="2s"))
    blue, green = _deploy_then_update(
        kubectl, controller, postPromotionAnalysis=verdict_analysis(server, "bad")
    )
    name = f"{NAME}-{green}-2-post"
    run = _run_phase(kubectl, controller, name, "Failed")
    assert run["metadata"]["labels"]["rollout-type"] == "PostPromotion"
    degraded = _rollout_phase(kubectl, controller, "Degraded")
    assert degraded["status"]["message"] == (
        "RolloutAborted: Rollout aborted update to revision 2: "
        f"Blue/green post-promotion analysis phase error/failed: {run['status']['message']}"
    )
    assert degraded["status"]["stableRS"] == blue
    wait_for(lambda: _active_hash(kubectl) == blue, timeout=TIMEOUT, describe="active Service back on blue")
