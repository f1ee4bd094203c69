"""Golden tests of ``get rollout`` / ``get experiment`` from fixture objects (tests/cli/trees).

Each ``<case>.yaml`` holds a Rollout (or Experiment) and its children; the expected text is
``<case>.<view>.txt`` (``--no-color``) or ``.color.txt``. The renderer was checked line for line
against upstream's own expected outputs; these goldens pin it. Regenerate after a deliberate
change with ``ROLLOUTS_UPDATE_GOLDEN=1 uv run pytest tests/cli/test_tree.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.cli.pod_status import pod_status
from rollouts.cli.tree_info import experiment_view, rollout_view
from rollouts.cli.tree_render import Style, render_experiment, render_rollout
from rollouts.k8s.resources import ANALYSIS_RUNS, EXPERIMENTS, PODS, REPLICASETS, ROLLOUTS, Resource
from tests.cli.conftest import NOW, Invoke
from tests.cli.fake import FakeClient

TREES = Path(__file__).parent / "trees"
KIND_RESOURCES: dict[str, Resource] = {
    "Rollout": ROLLOUTS,
    "ReplicaSet": REPLICASETS,
    "Pod": PODS,
    "AnalysisRun": ANALYSIS_RUNS,
    "Experiment": EXPERIMENTS,
}


def objects(case: str) -> dict[str, list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in yaml.safe_load_all((TREES / f"{case}.yaml").read_text()):
        by_kind.setdefault(doc["kind"], []).append(doc)
    return by_kind


def check_golden(name: str, text: str) -> None:
    path = TREES / name
    if os.environ.get("ROLLOUTS_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def rendered_rollout(case: str, color: bool) -> str:
    o = objects(case)
    view = rollout_view(
        o["Rollout"][0],
        o.get("ReplicaSet", []),
        o.get("Pod", []),
        o.get("Experiment", []),
        o.get("AnalysisRun", []),
    )
    return render_rollout(view, Style(NOW, color=color))


@pytest.mark.parametrize("case", ["canary", "bluegreen"])
def test_rollout_tree(case: str) -> None:
    check_golden(f"{case}.rollout.txt", rendered_rollout(case, color=False))


def test_rollout_tree_in_colour() -> None:
    text = rendered_rollout("canary", color=True)
    check_golden("canary.rollout.color.txt", text)
    # colour never changes the layout: without the escapes it is the plain rendering
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", text) == rendered_rollout("canary", color=False)


def test_experiment_tree() -> None:
    o = objects("canary")
    view = experiment_view(o["Experiment"][0], o["ReplicaSet"], o.get("AnalysisRun", []), o.get("Pod", []))
    check_golden("canary.experiment.txt", render_experiment(view, "prod", Style(NOW, color=False)))


def test_get_rollout_command_reads_the_namespace(fake: FakeClient, invoke: Invoke) -> None:
    for kind, docs in objects("canary").items():
        for doc in docs:
            fake.add(KIND_RESOURCES[kind], doc)
    result = invoke("-n", "prod", "get", "rollout", "shop", "--no-color")
    assert result.exit_code == 0, result.output
    assert result.output == (TREES / "canary.rollout.txt").read_text()
    assert {c.namespace for c in fake.calls if c.verb == "list"} == {"prod"}
    assert (
        invoke("-n", "prod", "get", "exp", "shop-c3-3-1", "--no-color").output
        == (TREES / "canary.experiment.txt").read_text()
    )


def test_get_rollout_not_found(invoke: Invoke) -> None:
    result = invoke("get", "rollout", "nope")
    assert (result.exit_code, result.output) == (1, 'Error: rollouts.argoproj.io "nope" not found\n')


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        (
            {
                "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
                "status": {
                    "phase": "Running",
                    "containerStatuses": [
                        {"ready": True, "state": {"running": {}}},
                        {"ready": False, "state": {"running": {}}},
                    ],
                },
            },
            ("Running", "1/2", 0),
        ),
        (
            {
                "spec": {"initContainers": [{"name": "i"}]},
                "status": {
                    "phase": "Pending",
                    "initContainerStatuses": [
                        {"name": "i", "restartCount": 2, "state": {"terminated": {"exitCode": 3}}}
                    ],
                },
            },
            ("Init:ExitCode:3", "0/0", 2),
        ),
        (
            {
                "status": {
                    "phase": "Running",
                    "containerStatuses": [{"restartCount": 1, "state": {"terminated": {"signal": 9}}}],
                }
            },
            ("Signal:9", "0/0", 1),
        ),
        ({"metadata": {"deletionTimestamp": "x"}, "status": {"phase": "Running"}}, ("Terminating", "0/0", 0)),
        (
            {
                "status": {
                    "phase": "Succeeded",
                    "containerStatuses": [{"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                }
            },
            ("Completed", "0/0", 0),
        ),
    ],
)
def test_pod_status_words(pod: dict[str, Any], expected: tuple[str, str, int]) -> None:
    got = pod_status(pod)
    assert (got.status, got.ready, got.restarts) == expected
