"""Rollout validation beyond the corpus: valid shapes that must pass, ordering, the Go rendering
of bad values, and upstream's pause-duration reading."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.common import FieldError
from rollouts.api.go_field_errors import go_string_map, go_value, invalid, not_supported, required
from rollouts.api.label_rules import label_value_errors, qualified_name_errors, regex_error
from rollouts.api.rollout import Rollout, StringMatch
from rollouts.api.validation import pause_duration_seconds, validate_rollout

TEMPLATE = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
}


def rollout(spec: dict[str, Any]) -> Rollout:
    full = {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE, **spec}
    return Rollout.from_dict({"metadata": {"name": "web"}, "spec": full})


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (None, "null"),
        (True, "true"),
        (-3, "-3"),
        ("a\"b", '"a\\"b"'),
        ({"b": "2", "a": "1"}, 'map[string]string{"a":"1", "b":"2"}'),
        (StringMatch(exact="x"), '{"exact":"x"}'),
        ([StringMatch(prefix="p")], '[{"prefix":"p"}]'),
    ],
)
def test_go_value(value: Any, rendered: str) -> None:
    assert go_value(value) == rendered


def test_field_error_wording() -> None:
    assert str(required("spec.x")) == "spec.x: Required value"
    assert str(required("spec.x", "why")) == "spec.x: Required value: why"
    assert str(invalid("spec.y", 3, "too big")) == "spec.y: Invalid value: 3: too big"
    unsupported = not_supported("spec.z", "a", ["b", "c"])
    assert str(unsupported) == 'spec.z: Unsupported value: "a": supported values: "b", "c"'
    assert go_string_map(None) == "map[string]string(nil)"


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [(None, 0), (10, 10), ("10", 10), ("1m", 60), ("1h30m", 5400), ("1.9s", 1), ("soon", -1), ("10x", -1)],
)
def test_pause_duration_seconds(duration: int | str | None, seconds: int) -> None:
    assert pause_duration_seconds(duration) == seconds


def test_workload_ref_needs_no_selector_or_template() -> None:
    ref = Rollout.from_dict({
        "metadata": {"name": "web"},
        "spec": {"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "strategy": {"canary": {}}},
    })
    assert validate_rollout(ref) == []


def test_template_resolved_from_ref_is_validated_like_a_written_one() -> None:
    resolved = rollout({
        "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "selector": {"matchLabels": {"app": "api"}},
        "strategy": {"canary": {}},
    })
    assert [e.path for e in validate_rollout(resolved)] == ["spec.template"]  # written: must be empty
    assert [e.path for e in validate_rollout(resolved, template_resolved_from_ref=True)] == [
        "spec.template.metadata.labels"  # resolved: checked against the selector instead
    ]


def test_every_error_is_reported_in_upstream_order() -> None:
    broken = rollout({"replicas": -1, "progressDeadlineSeconds": 5, "minReadySeconds": 5})
    assert [e.path for e in validate_rollout(broken)] == [
        "spec.replicas",
        "spec.progressDeadlineSeconds",
        "spec.strategy.strategy",
    ]


def test_valid_shapes_pass() -> None:
    shapes: list[dict[str, Any]] = [
        {"strategy": {"blueGreen": {"activeService": "a"}}},
        {"strategy": {"canary": {"maxSurge": 0, "maxUnavailable": 1}}},
        {"strategy": {"canary": {"maxSurge": "25", "maxUnavailable": "0%"}}},
        {
            "selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
            "strategy": {"canary": {}},
        },
        {"strategy": {"canary": {"steps": [{"analysis": {"templates": [{"templateName": "t"}], "args": [
            {"name": "l", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "n", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "i", "valueFrom": {"fieldRef": {"fieldPath": "spec.template.spec.containers[0].image"}}},
        ]}}]}}},
        {"strategy": {"canary": {"trafficRouting": {"istio": {
            "virtualService": {"name": "v"}, "destinationRule": {"name": "d"}}}}}},  # no services needed
        {"strategy": {"canary": {
            "trafficRouting": {"plugins": {"x/y": {}}, "managedRoutes": [{"name": "m"}]},
            "steps": [{"setMirrorRoute": {"name": "m"}}],
        }}},
    ]
    for spec in shapes:
        assert validate_rollout(rollout(spec)) == [], spec


@given(st.integers(0, 10_000), st.integers(-10_000, 10_000))
def test_set_weight_is_bounded_by_max_traffic_weight(max_weight: int, weight: int) -> None:
    canary = {
        "canaryService": "c", "stableService": "s", "steps": [{"setWeight": weight}],
        "trafficRouting": {"nginx": {"stableIngress": "i"}, "maxTrafficWeight": max_weight},
    }
    errors = validate_rollout(rollout({"strategy": {"canary": canary}}))
    expected = [] if 0 <= weight <= max_weight else [FieldError(
        "spec.strategy.steps[0].setWeight",
        f"Invalid value: {weight}: SetWeight needs to be between 0 and {max_weight}",
    )]
    assert errors == expected


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("app", True), ("app.kubernetes.io/name", True), ("a-b_c.d", True), ("x" * 63, True),
        ("x" * 64, False), ("", False), ("-app", False), ("a/b/c", False),
        ("Example.com/app", False),
    ],
)
def test_label_keys(key: str, valid: bool) -> None:
    assert (qualified_name_errors(key) == []) is valid


@pytest.mark.parametrize(
    ("value", "valid"), [("", True), ("v1.2_x", True), ("x" * 64, False), ("a b", False)]
)
def test_label_values(value: str, valid: bool) -> None:
    assert (label_value_errors(value) == []) is valid


def test_regex_error_wording_matches_apimachinery() -> None:
    assert regex_error("bad", "[a-z]+") == "bad (regex used for validation is '[a-z]+')"
    assert regex_error("bad", "x", "a", "b") == "bad (e.g. 'a',  or 'b', regex used for validation is 'x')"
