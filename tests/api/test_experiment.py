"""Experiment: template labels, defaults and the validation rules specific to experiments.

(Round trips and the invalid-manifest corpus, experiments included, run in
test_analysis_models.py and test_analysis_validation.py over analysis_manifests/.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rollouts.api import analysis_defaults as d
from rollouts.api.common import FieldError
from rollouts.api.experiment import Experiment, TemplateSpec
from rollouts.api.validation_analysis import validate_experiment


def test_experiment_template_labels_are_read_from_the_pod_template() -> None:
    doc = yaml.safe_load((Path(__file__).parent / "analysis_manifests/valid/experiment.yaml").read_text())
    exp = Experiment.from_dict(doc)
    assert exp.spec.templates is not None
    assert exp.spec.templates[0].template_labels() == {"app": "checkout", "variant": "baseline"}
    assert exp.spec.analyses is not None and exp.spec.analyses[0].required_for_completion is True


def test_experiment_defaults() -> None:
    exp = Experiment.from_dict({"spec": {"templates": [{"name": "a"}]}})
    assert d.experiment_progress_deadline_seconds(exp) == 600
    assert d.experiment_scale_down_delay_seconds(exp) == 30
    assert exp.spec.templates is not None
    assert d.template_replicas(exp.spec.templates[0]) == 1
    exp = Experiment.from_dict({"spec": {"progressDeadlineSeconds": 30, "scaleDownDelaySeconds": 0}})
    assert d.experiment_progress_deadline_seconds(exp) == 30
    assert d.experiment_scale_down_delay_seconds(exp) == 0
    assert d.template_replicas(TemplateSpec(replicas=0)) == 0


def test_experiment_template_within_default_deadline() -> None:
    exp = Experiment.from_dict(
        {
            "metadata": {"name": "e"},
            "spec": {
                "templates": [
                    {
                        "name": "t",
                        "minReadySeconds": 600,
                        "selector": {"matchLabels": {"a": "b"}},
                        "template": {"metadata": {"labels": {"a": "b"}}},
                    }
                ]
            },
        }
    )
    assert validate_experiment(exp) == []
    assert exp.spec.templates is not None
    exp.spec.templates[0].min_ready_seconds = 601
    assert [e.path for e in validate_experiment(exp)] == ["spec.templates[0].minReadySeconds"]


@pytest.mark.parametrize(
    ("selector", "labels", "ok"),
    [
        (
            {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
            {"tier": "web"},
            True,
        ),
        (
            {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
            {"tier": "db"},
            False,
        ),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"app": "x"}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"tier": "x"}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "Like"}]}, {"tier": "x"}, False),
        ({"matchLabels": {"app": "x"}}, {}, False),
    ],
)
def test_selector_must_select_the_template_labels(
    selector: dict[str, object], labels: dict[str, str], ok: bool
) -> None:
    exp = Experiment.from_dict(
        {
            "spec": {
                "templates": [
                    {"name": "t", "selector": selector, "template": {"metadata": {"labels": labels}}}
                ]
            }
        }
    )
    expected = (
        []
        if ok
        else [FieldError("spec.templates[0].selector", "`selector` does not match template `labels`")]
    )
    assert validate_experiment(exp) == expected
