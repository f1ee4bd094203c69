"""Pod-template hash: byte-compatible with upstream, checked against hashes upstream's e2e tests expect."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rollouts.core.pod_hash import fnv32a, go_json_pod_template, pod_template_hash, safe_encode


def _template(app: str, **spec_extra: Any) -> dict[str, Any]:
    # Written deliberately in a different key order from Go's structs: order must not matter.
    return {
        "spec": {
            **spec_extra,
            "containers": [
                {
                    "resources": {"requests": {"memory": "16Mi", "cpu": "5m"}},
                    "ports": [{"protocol": "TCP", "containerPort": 80, "name": "http"}],
                    "image": "nginx:1.19-alpine",
                    "name": app,
                }
            ],
        },
        "metadata": {"labels": {"app": app}},
    }


def test_matches_upstream_e2e_hash_of_canary_scaledowndelay() -> None:
    # test/e2e/canary_test.go expects this hash for the stable ReplicaSet of this template.
    assert pod_template_hash(_template("canary-scaledowndelay")) == "674d8cf959"


def test_matches_upstream_e2e_hash_with_readiness_gates() -> None:
    template = _template(
        "dynamic-stable-scale", readinessGates=[{"conditionType": "argoproj.io/e2e-readiness"}]
    )
    assert pod_template_hash(template) == "6b56c8cdb4"


def test_go_field_order_and_always_present_fields() -> None:
    rendered = go_json_pod_template({"metadata": {}, "spec": {"containers": [{"name": "a"}]}})
    assert rendered == '{"metadata":{},"spec":{"containers":[{"name":"a","resources":{}}]}}'
    assert go_json_pod_template({}) == '{"metadata":{},"spec":{"containers":null}}'


def test_omitempty_and_pointer_rules() -> None:
    rendered = go_json_pod_template(
        {"spec": {"hostNetwork": False, "terminationGracePeriodSeconds": 0, "containers": []}}
    )
    # hostNetwork is a plain bool (false omitted); terminationGracePeriodSeconds is a pointer (0 kept).
    assert rendered == '{"metadata":{},"spec":{"containers":[],"terminationGracePeriodSeconds":0}}'


def test_html_characters_are_escaped_like_go() -> None:
    rendered = go_json_pod_template({"metadata": {"annotations": {"q": "a<b>&c"}}})
    assert '"a\\u003cb\\u003e\\u0026c"' in rendered


def test_fnv32a_known_vectors() -> None:
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encode_maps_digits() -> None:
    assert safe_encode("0123456789") == "456789bcdf"


def test_collision_count_changes_the_hash() -> None:
    template = _template("x")
    hashes = {pod_template_hash(template, n) for n in (None, 0, 1, 2)}
    assert len(hashes) == 4


labels = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=4)


@given(labels)
def test_hash_ignores_map_key_order(lbls: dict[str, str]) -> None:
    reordered = dict(reversed(list(lbls.items())))
    assert pod_template_hash({"metadata": {"labels": lbls}}) == pod_template_hash(
        {"metadata": {"labels": reordered}}
    )


@given(labels)
def test_rendering_is_valid_json(lbls: dict[str, str]) -> None:
    parsed = json.loads(
        go_json_pod_template({"metadata": {"labels": lbls}, "spec": {"containers": [{"name": "c"}]}})
    )
    assert parsed["metadata"].get("labels", {}) == lbls
