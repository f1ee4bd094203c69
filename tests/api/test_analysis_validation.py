"""Validation of AnalysisTemplates/Runs and Experiments against invalid fixtures.

Each file under ``analysis_manifests/invalid/`` holds two YAML documents: the expected errors
(``expect: [{path, message}, ...]``, in order) and the manifest. Every expected error must be
reported, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rollouts.api.analysis import AnalysisRun, AnalysisTemplate, Metric
from rollouts.api.common import FieldError
from rollouts.api.validation_analysis import (
    VALIDATORS,
    validate_analysis_run,
    validate_analysis_template,
    validate_metric,
)
from tests.api._manifests import fixture_paths, load

INVALID = fixture_paths("invalid")


def test_there_are_at_least_fifteen_invalid_fixtures() -> None:
    assert len(INVALID) >= 15


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_reports_exactly_the_expected_errors(path: Path) -> None:
    expectation, manifest = yaml.safe_load_all(path.read_text())
    obj = load(manifest)
    errors = VALIDATORS[manifest["kind"]](obj)
    assert [(e.path, e.message) for e in errors] == [(e["path"], e["message"]) for e in expectation["expect"]]


def _metric(**fields: object) -> Metric:
    return Metric.model_validate({"name": "m", "provider": {"prometheus": {"query": "up"}}, **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"interval": "30s"},
        {"count": 1},
        {"count": 5, "interval": "1m", "failureLimit": 2, "consecutiveSuccessLimit": 3},
        {"count": 3, "interval": "1m", "failureLimit": -1, "consecutiveSuccessLimit": 3},
        {"count": "{{args.count}}", "failureLimit": "{{args.limit}}", "interval": "{{args.interval}}"},
        {"initialDelay": "1h30m", "interval": "1.5m", "consecutiveErrorLimit": 0},
        {"interval": "300ms", "count": 2, "inconclusiveLimit": 2},
    ],
)
def test_metrics_upstream_accepts_are_valid(fields: dict[str, object]) -> None:
    assert validate_metric(_metric(**fields), "m") == []


def test_templated_count_counts_as_unset_like_intstr() -> None:
    # "{{args.n}}" has IntValue 0 upstream, so no interval is needed until it is resolved
    assert validate_metric(_metric(count="{{args.n}}"), "m") == []
    assert validate_metric(_metric(count="3"), "m") == [
        FieldError("m.interval", "interval must be specified when count > 1")
    ]


def test_template_with_only_nested_templates_needs_no_metrics() -> None:
    template = AnalysisTemplate.from_dict({"spec": {"templates": [{"templateName": "base"}]}})
    assert validate_analysis_template(template) == []


def test_run_without_metrics_is_invalid_even_with_nothing_else() -> None:
    run = AnalysisRun.from_dict({"spec": {}})
    assert validate_analysis_run(run) == [FieldError("spec.metrics", "no metrics specified")]
