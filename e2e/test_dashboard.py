"""The dashboard as a user sees it: ``kubectl-rollouts dashboard`` and the controller against the
local control plane, the page opened in headless Debian Chromium.

A canary paused at its indefinite pause shows that step in the page; a real mouse click on
Promote unpauses it; the controller moves on to the next pause, and the page (live, over
Server-Sent Events, without reloading) shows the step advance, as the cluster does. A screenshot
is saved under ``artifacts/`` as the test's artifact. Rollback on the first revision then
takes the rollout back to its stable image, Healthy. The dashboard then stops on SIGTERM with
exit status 0 (its live streams and informers end cleanly).

Isolation as in test_rollout_canary.py: the controller and the dashboard watch only the test's
namespace, and the controller only Rollouts labelled with its instance id.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.harness import ControllerProcess, Kubectl, diagnosis, free_port, wait_for, wait_for_phase
from e2e.harness.browser import chromium_path, open_page, start_chromium
from e2e.harness.cluster import Cluster
from e2e.harness.controller import isolated_args

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
CLI = Path(sys.executable).parent / "kubectl-rollouts"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
NAME = "dash-canary"
STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 40}, {"pause": {}}, {"setWeight": 60}]


def _rollout(namespace: str) -> dict[str, Any]:
    labels = {"app": NAME}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "labels": {INSTANCE_LABEL: namespace}},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:blue"}]},
            },
            "strategy": {"canary": {"steps": STEPS}},
        },
    }


@pytest.fixture
def controller(start_controller: Callable[..., ControllerProcess], namespace: str) -> ControllerProcess:
    return start_controller(*isolated_args(namespace))


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture
def dashboard(cluster: Cluster, namespace: str, tmp_path: Path) -> Iterator[tuple[ControllerProcess, str]]:
    if not CLI.is_file():
        pytest.fail(f"{CLI} is not installed: run `uv sync`", pytrace=False)
    port = free_port()
    argv = [
        str(CLI),
        "--kubeconfig",
        str(cluster.kubeconfig),
        "dashboard",
        "-n",
        namespace,
        "--port",
        str(port),
    ]
    process = ControllerProcess(cluster.kubeconfig, tmp_path / "dashboard.log", command=argv).start()
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        if not process.alive():
            raise AssertionError(f"the dashboard exited:\n{process.log_tail()}")
        try:
            return bool(_get_json(base + "/api/v1/version"))
        except OSError:
            return False

    try:
        wait_for(answering, timeout=60, describe="the dashboard to answer", diagnose=process.log_tail)
        yield process, base
    finally:
        process.stop()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    binary = chromium_path()
    if binary is None:
        pytest.skip(
            "Debian's chromium is not installed (apt-get install -y chromium; hack/test.sh does it as root)"
        )
    process, port = start_chromium(binary, tmp_path)
    try:
        yield port
    finally:
        process.stop()


def _wait_paused_at(kubectl: Kubectl, controller: ControllerProcess, step: int) -> dict[str, Any]:
    def paused() -> dict[str, Any] | None:
        status = kubectl.get("rollout", NAME).get("status") or {}
        reasons = [p.get("reason") for p in status.get("pauseConditions") or []]
        return status if status.get("currentStepIndex") == step and "CanaryPauseStep" in reasons else None

    return wait_for(
        paused,
        timeout=90,
        describe=f"the rollout paused at step {step}",
        diagnose=diagnosis(kubectl, [f"rollout/{NAME}"], controller.log_path),
    )


STEP_TEXT = "document.querySelector('[data-testid=step]')?.textContent"
CURRENT_STEP = "document.querySelector('.steps li.current')?.dataset.step"


async def test_promote_from_the_page_advances_the_step(
    kubectl: Kubectl,
    namespace: str,
    controller: ControllerProcess,
    dashboard: tuple[ControllerProcess, str],
    chromium: int,
) -> None:
    process, base = dashboard
    kubectl.apply(_rollout(namespace))
    wait_for_phase(kubectl, f"rollout/{NAME}", "Healthy", timeout=90, controller_log=controller.log_path)
    op = [
        {
            "op": "replace",
            "path": "/spec/template/spec/containers/0/image",
            "value": "registry.example.com/web:green",
        }
    ]
    kubectl("patch", "rollout", NAME, "--type", "json", "-p", json.dumps(op))
    _wait_paused_at(kubectl, controller, 1)

    async with open_page(chromium) as page:
        # the list of the namespace's rollouts, and from its card to the rollout's own view
        await page.navigate(f"{base}/rollouts?namespace={namespace}")
        card = f"a[data-rollout={NAME}]"
        text = await page.wait_for(
            f"document.querySelector('{card}')?.innerText", seconds=30, describe="the card"
        )
        assert "Paused" in text and "1/5" in text and "registry.example.com/web:green" in text
        await page.screenshot(ARTIFACTS / "dashboard-list.png")
        await page.click(card)
        assert await page.wait_for(
            f"{STEP_TEXT} === '1/5' && {CURRENT_STEP}", seconds=30, describe="step 1/5"
        )
        assert await page.evaluate(CURRENT_STEP) == "1"
        assert await page.evaluate("document.querySelector('[data-testid=status]').textContent") == "Paused"
        assert await page.evaluate("document.querySelector('#promote').disabled") is False
        # the ReplicaSets of both revisions are drawn, the canary tagged
        assert await page.wait_for(
            "document.querySelectorAll('[data-revision]').length === 2"
            " && !!document.querySelector('.tag-canary')",
            seconds=30,
            describe="two revisions, one tagged canary",
        )
        await page.screenshot(ARTIFACTS / "dashboard-paused.png")

        await page.click("#promote")

        # the page follows the cluster live: the controller runs step 2 and pauses at step 3
        await page.wait_for(f"{STEP_TEXT} === '3/5'", seconds=90, describe="the page to show step 3/5")
        assert await page.evaluate(CURRENT_STEP) == "3"
        assert await page.evaluate("document.querySelector('[data-testid=set-weight]').textContent") == "40"
        status = _wait_paused_at(kubectl, controller, 3)
        assert status["currentStepIndex"] == 3
        shot = await page.screenshot(ARTIFACTS / "dashboard-promoted.png")
        assert shot.stat().st_size > 10_000  # a rendered page, not a blank one

        # Rollback to the stable revision: the template goes back, the canary is given up
        await page.click("button[data-action=rollback][data-to-revision='1']")
        await page.wait_for(
            "document.querySelector('[data-testid=status]')?.textContent === 'Healthy'"
            " && document.querySelector('[data-testid=images]')?.textContent.endsWith('web:blue')",
            seconds=90,
            describe="the page to show the rollout Healthy on the blue image again",
        )
        image = kubectl.get("rollout", NAME)["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image == "registry.example.com/web:blue"
        await page.screenshot(ARTIFACTS / "dashboard-rolled-back.png")

    assert process.stop() == 0, process.log_tail()
