"""Loading and dumping AnalysisTemplates/Runs and Experiments: round trips, names, load errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.api.analysis import (
    AnalysisPhase,
    AnalysisRun,
    AnalysisTemplate,
    Metric,
    MetricProvider,
)
from rollouts.api.common import ManifestError
from rollouts.api.experiment import TemplateStatusCode
from rollouts.api.validation_analysis import VALIDATORS
from tests.api._manifests import fixture_paths, load

VALID = fixture_paths("valid")


def test_there_is_a_fixture_for_every_provider() -> None:
    seen: set[str] = set()
    for path in VALID:
        for doc in yaml.safe_load_all(path.read_text()):
            metrics = doc["spec"].get("metrics", [])
            for metric in metrics:
                seen.update(metric["provider"])
    assert seen == set(MetricProvider.TYPE_NAMES)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_round_trips_exactly(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        obj = load(doc)
        # byte for byte: same keys, same values, same key order
        assert json.dumps(obj.to_dict()) == json.dumps(doc)
        # and through JSON text, as the API server would hand it back
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        again = type(obj).model_validate_json(text)
        assert again.model_dump_json(by_alias=True, exclude_unset=True) == text
        assert again == obj


def test_key_order_is_kept_but_does_not_affect_equality() -> None:
    written = {"provider": {"web": {"url": "u", "method": "POST"}}, "name": "m", "count": 1}
    reordered = {"name": "m", "count": 1, "provider": {"web": {"method": "POST", "url": "u"}}}
    a, b = Metric.model_validate(written), Metric.model_validate(reordered)
    assert list(a.to_dict()) == ["provider", "name", "count"]
    assert list(a.to_dict()["provider"]["web"]) == ["url", "method"]
    assert list(b.to_dict()) == ["name", "count", "provider"]
    assert a == b
    assert a == Metric(
        name="m", count=1, provider=MetricProvider.model_validate({"web": {"url": "u", "method": "POST"}})
    )
    assert a != Metric.model_validate({**written, "count": 2})


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_has_no_validation_errors(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        obj = load(doc)
        assert VALIDATORS[doc["kind"]](obj) == []


def test_fields_are_read_with_upstream_names() -> None:
    doc = yaml.safe_load((Path(__file__).parent / "analysis_manifests/valid/web.yaml").read_text())
    template = AnalysisTemplate.from_dict(doc)
    health, post = template.spec.metrics or []
    assert health.initial_delay == "30s"
    assert health.consecutive_success_limit == 3
    assert health.provider is not None and health.provider.web is not None
    assert health.provider.web.json_path == "{$.data}"
    assert health.provider.web.timeout_seconds == 20
    assert post.provider is not None and post.provider.web is not None
    assert post.provider.web.json_body == {
        "app": "{{args.app}}",
        "checks": ["latency", "errors"],
        "strict": True,
    }
    assert template.spec.args is not None
    secret = template.spec.args[0].value_from
    assert secret is not None and secret.secret_key_ref is not None
    assert secret.secret_key_ref.key == "token"


def test_kayenta_threshold_pass_keeps_its_json_name() -> None:
    metric = Metric.model_validate(
        {"name": "k", "provider": {"kayenta": {"threshold": {"pass": 90, "marginal": 7}}}}
    )
    assert metric.provider is not None and metric.provider.kayenta is not None
    assert metric.provider.kayenta.threshold is not None
    assert metric.provider.kayenta.threshold.pass_ == 90
    assert metric.to_dict()["provider"]["kayenta"]["threshold"] == {"pass": 90, "marginal": 7}


def test_provider_lists_each_plugin_as_a_provider() -> None:
    provider = MetricProvider.model_validate(
        {"plugin": {"a/x": {}, "b/y": {"k": 1}}, "graphite": {"query": "q"}}
    )
    assert provider.configured() == ["graphite", "plugin.a/x", "plugin.b/y"]


@pytest.mark.parametrize(
    ("doc", "path", "message"),
    [
        (
            {"spec": {"metrics": [{"name": "m", "intervall": "5m"}]}},
            "spec.metrics[0].intervall",
            "unknown field",
        ),
        (
            {"spec": {"metrics": [{"name": "m", "provider": {"promethus": {}}}]}},
            "spec.metrics[0].provider.promethus",
            "unknown field",
        ),
        ({"spec": {"metrics": "m"}}, "spec.metrics", "Input should be a valid list"),
        ({"spec": {"metrics": [{"name": "m", "count": True}]}}, "spec.metrics[0].count", ""),
    ],
)
def test_malformed_template_raises_manifest_error_naming_the_path(
    doc: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ManifestError) as info:
        AnalysisTemplate.from_dict({"kind": "AnalysisTemplate", **doc})
    paths = [e.path for e in info.value.errors]
    assert path in paths
    assert any(message in e.message for e in info.value.errors if e.path == path)


def test_status_of_a_run_loads() -> None:
    doc = yaml.safe_load((Path(__file__).parent / "analysis_manifests/valid/analysisrun.yaml").read_text())
    run = AnalysisRun.from_dict(doc)
    assert run.status is not None and run.status.metric_results is not None
    assert run.status.run_summary is not None and run.status.run_summary.failed == 1
    latency = run.status.metric_results[1]
    assert latency.dry_run is True
    assert latency.measurements is not None and latency.measurements[0].resume_at == "2024-05-01T10:00:03Z"
    assert AnalysisPhase.is_completed(run.status.phase)


def test_phase_completion_sets() -> None:
    assert [p.value for p in AnalysisPhase if AnalysisPhase.is_completed(p)] == [
        "Successful",
        "Failed",
        "Error",
        "Inconclusive",
    ]
    assert not AnalysisPhase.is_completed("") and not AnalysisPhase.is_completed(None)
    assert [s.value for s in TemplateStatusCode if TemplateStatusCode.is_completed(s)] == [
        "Successful",
        "Failed",
        "Error",
    ]


# ---------------------------------------------------------------------------------------------
# property: any generated metric dumps to JSON that loads back equal

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_int_or_str = st.one_of(
    st.integers(-5, 50), st.from_regex(r"\{\{args\.[a-z]{1,5}\}\}|[0-9]{1,3}", fullmatch=True)
)
_header = st.fixed_dictionaries({"key": _text, "value": _text})
_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-100, 100), _text)
_json = st.recursive(
    _json_leaf,
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(_text, c, max_size=3)),
    max_leaves=8,
)

_providers = st.one_of(
    st.fixed_dictionaries(
        {
            "prometheus": st.fixed_dictionaries(
                {"query": _text},
                optional={
                    "address": _text,
                    "timeout": st.integers(0, 99),
                    "insecure": st.booleans(),
                    "headers": st.lists(_header, max_size=2),
                    "rangeQuery": st.fixed_dictionaries({}, optional={"start": _text, "step": _text}),
                },
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "web": st.fixed_dictionaries(
                {"url": _text},
                optional={
                    "method": st.sampled_from(["GET", "POST", "PUT"]),
                    "jsonBody": _json,
                    "timeoutSeconds": st.integers(0, 60),
                    "jsonPath": _text,
                },
            )
        }
    ),
    st.fixed_dictionaries(
        {"job": st.fixed_dictionaries({"spec": st.dictionaries(_text, _json, max_size=3)})}
    ),
    st.fixed_dictionaries(
        {
            "datadog": st.fixed_dictionaries(
                {},
                optional={
                    "query": _text,
                    "queries": st.dictionaries(_text, _text, max_size=2),
                    "apiVersion": _text,
                    "secretRef": st.fixed_dictionaries(
                        {}, optional={"name": _text, "namespaced": st.booleans()}
                    ),
                },
            )
        }
    ),
    st.fixed_dictionaries({"plugin": st.dictionaries(_text, _json, min_size=1, max_size=2)}),
    st.fixed_dictionaries(
        {
            "cloudWatch": st.fixed_dictionaries(
                {
                    "metricDataQueries": st.lists(
                        st.fixed_dictionaries(
                            {}, optional={"id": _text, "period": _int_or_str, "returnData": st.booleans()}
                        ),
                        max_size=2,
                    )
                }
            )
        }
    ),
)
_metric = st.fixed_dictionaries(
    {"name": _text, "provider": _providers},
    optional={
        "interval": _text,
        "initialDelay": _text,
        "count": _int_or_str,
        "failureLimit": _int_or_str,
        "inconclusiveLimit": _int_or_str,
        "consecutiveErrorLimit": _int_or_str,
        "consecutiveSuccessLimit": _int_or_str,
        "successCondition": _text,
        "failureCondition": _text,
    },
)


@settings(max_examples=150, deadline=None)
@given(
    metrics=st.lists(_metric, min_size=1, max_size=3),
    args=st.lists(st.fixed_dictionaries({"name": _text}, optional={"value": _text}), max_size=3),
)
def test_generated_templates_dump_to_json_that_loads_back_equal(
    metrics: list[dict[str, Any]], args: list[dict[str, Any]]
) -> None:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "t"},
        "spec": {"metrics": metrics, "args": args},
    }
    template = AnalysisTemplate.from_dict(doc)
    text = template.model_dump_json(by_alias=True, exclude_unset=True)
    assert json.loads(text) == doc
    assert AnalysisTemplate.model_validate_json(text) == template
