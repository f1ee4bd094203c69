"""Loading then dumping a Rollout gives back exactly what was written, for every scenario upstream
documents (fixtures under ``manifests/``) and every Rollout in ``examples/``; each is also valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.api.rollout import Rollout, StepKind
from rollouts.api.validation import validate_rollout

HERE = Path(__file__).parent
REPO = HERE.parent.parent
FIXTURES = sorted((HERE / "manifests").glob("*.yaml"))


def example_rollouts() -> list[Any]:
    docs = []
    for path in sorted((REPO / "examples").glob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if isinstance(doc, dict) and doc.get("kind") == "Rollout":
                docs.append(pytest.param(doc, id=f"{path.name}#{i}"))
    return docs


def canonical(doc: Any) -> str:
    # key order matters: a round trip must give the user's own order back
    return json.dumps(doc, ensure_ascii=False)


def test_fixture_corpus_is_there() -> None:
    assert len(FIXTURES) >= 15


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_round_trips_and_is_valid(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    rollout = Rollout.from_dict(doc)
    assert canonical(rollout.to_dict()) == canonical(doc)
    assert canonical(Rollout.from_dict(json.loads(canonical(rollout.to_dict()))).to_dict()) == canonical(doc)
    assert validate_rollout(rollout) == []


@pytest.mark.parametrize("doc", example_rollouts())
def test_example_round_trips_and_is_valid(doc: dict[str, Any]) -> None:
    rollout = Rollout.from_dict(doc)
    assert canonical(rollout.to_dict()) == canonical(doc)
    assert validate_rollout(rollout) == []


def test_examples_hold_rollouts() -> None:
    assert len(example_rollouts()) >= 1


def test_typed_access_to_loaded_fields() -> None:
    status_doc = yaml.safe_load((HERE / "manifests" / "status-canary.yaml").read_text())
    rollout = Rollout.from_dict(status_doc)
    assert rollout.status is not None
    assert rollout.status.hpa_replicas == 5
    assert rollout.status.stable_rs == "7f8c9d6b4"
    assert rollout.status.observed_generation == "4"
    assert rollout.status.canary is not None and rollout.status.canary.weights is not None
    assert rollout.status.canary.weights.verified is True
    condition = rollout.status.condition("Paused")
    assert condition is not None and condition.reason == "RolloutPaused"
    assert [s.kind() for s in rollout.steps] == [StepKind.SET_WEIGHT, StepKind.PAUSE, StepKind.PLUGIN]


def test_model_built_in_code_dumps_upstream_names() -> None:
    rollout = Rollout.model_validate({"spec": {"replicas": 2}})
    rollout.spec.min_ready_seconds = 5
    # a field assigned in code is dumped (after the fields the input had)
    assert list(rollout.to_dict()["spec"].items()) == [("replicas", 2), ("minReadySeconds", 5)]
    built = Rollout.model_validate(
        {"status": {"HPAReplicas": 1, "stableRS": "x", "currentStepIndex": 0}, "spec": {}}
    )
    assert built.to_dict()["status"] == {"HPAReplicas": 1, "stableRS": "x", "currentStepIndex": 0}
