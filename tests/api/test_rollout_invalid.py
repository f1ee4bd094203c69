"""The invalid-Rollout corpus: each file under ``invalid/`` names the stage that rejects it
(``load``: the model, as a ManifestError; ``validate``: :func:`validate_rollout`) and the path and
upstream message of the error. Validation errors must come *first* (the InvalidSpec condition
shows the first), except where the file says ``anywhere: true``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.api.common import FieldError, ManifestError
from rollouts.api.rollout import Rollout
from rollouts.api.validation import invalid_spec_message, validate_rollout

CORPUS = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))


def load_case(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    case = yaml.safe_load(path.read_text())
    return case["expect"], case["rollout"]


def test_corpus_size() -> None:
    assert len(CORPUS) >= 40
    stages = {load_case(p)[0]["stage"] for p in CORPUS}
    assert stages == {"load", "validate"}


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_invalid_rollout(path: Path) -> None:
    expect, doc = load_case(path)
    wanted = FieldError(expect["path"], expect["message"])
    if expect["stage"] == "load":
        with pytest.raises(ManifestError) as caught:
            Rollout.from_dict(doc)
        assert wanted in caught.value.errors
        return
    rollout = Rollout.from_dict(doc)  # loads fine: the problem is semantic
    errors = validate_rollout(rollout)
    assert errors, "expected a validation error"
    if expect.get("anywhere"):
        assert wanted in errors
    else:
        assert errors[0] == wanted


def test_invalid_spec_condition_message() -> None:
    _, doc = load_case(next(p for p in CORPUS if p.stem == "both-strategies"))
    rollout = Rollout.from_dict(doc)
    message = invalid_spec_message(rollout, validate_rollout(rollout)[0])
    assert message == (
        'The Rollout "broken" is invalid: spec.strategy.strategy: '
        'Invalid value: "blueGreen: true canary: true": Multiple Strategies can not be listed'
    )
