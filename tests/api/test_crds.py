"""The generated CRDs: committed copies are current, schemas are structural, the envelopes match
upstream's, and any document the CRD schema admits loads into the model and dumps back unchanged
(so the CRDs and the models cannot drift apart)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollouts.api import KINDS
from rollouts.api.common import ManifestError
from rollouts.api.rollout import Rollout
from rollouts.api.validation import validate_rollout

REPO = Path(__file__).resolve().parent.parent.parent


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_crds", REPO / "hack" / "gen_crds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_crds"] = module
    spec.loader.exec_module(module)
    return module


gen_crds = _load_generator()
COMMITTED = {
    p.name: yaml.safe_load(p.read_text()) for p in sorted((REPO / "manifests" / "crds").glob("*.yaml"))
}


def schema_of(kind: str) -> dict[str, Any]:
    crd = next(c for c in COMMITTED.values() if c["spec"]["names"]["kind"] == kind)
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def test_committed_crds_are_current() -> None:
    stale = [p.name for p, text in gen_crds.generated().items() if not p.exists() or p.read_text() != text]
    assert stale == [], f"run: uv run python hack/gen_crds.py ({stale})"
    assert gen_crds.main(["--check"]) == 0


def test_check_mode_reports_drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen_crds, "OUT_DIR", tmp_path)
    monkeypatch.setattr(gen_crds, "ROOT", tmp_path.parent)
    assert gen_crds.main(["--check"]) == 1  # nothing generated there yet
    assert gen_crds.main([]) == 0
    assert gen_crds.main(["--check"]) == 0
    (tmp_path / "rollout-crd.yaml").write_text("drifted\n")
    assert gen_crds.main(["--check"]) == 1


def _walk(node: Any, path: str) -> list[str]:
    """Structural-schema violations under a schema node."""
    problems = []
    for banned in ("$ref", "$defs", "definitions", "anyOf", "oneOf", "allOf", "nullable"):
        if banned in node:
            problems.append(f"{path}: has {banned}")
    typed = "type" in node
    special = node.get("x-kubernetes-int-or-string") or node.get("x-kubernetes-preserve-unknown-fields")
    if not typed and not special:
        problems.append(f"{path}: no type")
    for name, sub in node.get("properties", {}).items():
        problems += _walk(sub, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        problems += _walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        problems += _walk(node["additionalProperties"], f"{path}{{}}")
    return problems


@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_schema_is_structural(name: str) -> None:
    crd = COMMITTED[name]
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert _walk(schema, "") == []
    assert schema["properties"]["metadata"] == {"type": "object"}


def test_walk_finds_violations() -> None:
    bad = {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}, "b": {}}}
    assert _walk(bad, "") == [".a: has anyOf", ".a: no type", ".b: no type"]


def test_envelopes_match_upstream() -> None:
    by_kind = {c["spec"]["names"]["kind"]: c for c in COMMITTED.values()}
    assert set(by_kind) == set(KINDS)
    expected = {
        "Rollout": ("rollouts.argoproj.io", "ro", "Namespaced"),
        "AnalysisTemplate": ("analysistemplates.argoproj.io", "at", "Namespaced"),
        "ClusterAnalysisTemplate": ("clusteranalysistemplates.argoproj.io", "cat", "Cluster"),
        "AnalysisRun": ("analysisruns.argoproj.io", "ar", "Namespaced"),
        "Experiment": ("experiments.argoproj.io", "exp", "Namespaced"),
    }
    for kind, (name, short, scope) in expected.items():
        crd = by_kind[kind]
        assert crd["metadata"]["name"] == name
        assert crd["spec"]["group"] == "argoproj.io"
        assert crd["spec"]["names"]["shortNames"] == [short]
        assert crd["spec"]["scope"] == scope
        version = crd["spec"]["versions"][0]
        assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
        assert "status" in version["subresources"]
    rollout = by_kind["Rollout"]["spec"]["versions"][0]
    assert rollout["subresources"]["scale"] == {
        "specReplicasPath": ".spec.replicas",
        "statusReplicasPath": ".status.HPAReplicas",
        "labelSelectorPath": ".status.selector",
    }
    assert [c["name"] for c in rollout["additionalPrinterColumns"]] == [
        "Desired", "Current", "Up-to-date", "Available", "Age",
    ]
    for kind in ("AnalysisRun", "Experiment"):
        columns = by_kind[kind]["spec"]["versions"][0]["additionalPrinterColumns"]
        assert [(c["name"], c["jsonPath"]) for c in columns] == [
            ("Status", ".status.phase"), ("Age", ".metadata.creationTimestamp"),
        ]
    status = rollout["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert status["HPAReplicas"] == {"type": "integer"}
    spec = rollout["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert spec["template"] == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert spec["strategy"]["properties"]["canary"]["properties"]["maxSurge"] == {
        "x-kubernetes-int-or-string": True
    }


def test_union_without_structural_form_is_refused() -> None:
    from pydantic import BaseModel

    class Odd(BaseModel):
        value: int | list[int]

    with pytest.raises(gen_crds.SchemaError, match="value"):
        gen_crds.structural_schema(Odd)


# ---------------------------------------------------------------------------------------------
# documents drawn from the CRD schemas

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | _TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
    max_leaves=4,
)


def from_schema(node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Documents the schema node admits (kept small: few optional keys, short lists)."""
    if node.get("x-kubernetes-int-or-string"):
        return st.integers(-100, 100) | _TEXT
    kind = node.get("type")
    if kind is None:
        return _JSON
    if kind == "string":
        return _TEXT
    if kind == "integer":
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(from_schema(node["items"], depth + 1), max_size=2 if depth < 8 else 0)
    props = node.get("properties")
    if props is not None:  # a model (possibly with no fields): only its own keys
        optional = {name: from_schema(sub, depth + 1) for name, sub in props.items()} if depth < 10 else {}
        return st.fixed_dictionaries({}, optional=optional)
    if isinstance(node.get("additionalProperties"), dict):
        return st.dictionaries(_TEXT, from_schema(node["additionalProperties"], depth + 1), max_size=2)
    return st.dictionaries(_TEXT, _JSON, max_size=2)


def documents(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    schema = dict(schema_of(kind))
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k != "metadata"}
    return st.builds(
        lambda body, name: {**body, "metadata": {"name": name}}, from_schema(schema), _TEXT
    )


ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_schema_documents_round_trip(kind: str) -> None:
    @ROUND_TRIP
    @given(documents(kind))
    def check(doc: dict[str, Any]) -> None:
        model = KINDS[kind].from_dict(doc)
        dumped = model.to_dict()
        assert json.dumps(dumped) == json.dumps(doc)
        assert KINDS[kind].from_dict(json.loads(json.dumps(dumped))) == model

    check()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents("Rollout"))
def test_validation_never_raises_on_schema_documents(doc: dict[str, Any]) -> None:
    errors = validate_rollout(Rollout.from_dict(doc))
    assert all(e.path and e.message for e in errors)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["spec", "status", "metadata", "kind", "x"]), _JSON, max_size=3))
def test_arbitrary_json_is_a_manifest_error_or_a_rollout(doc: dict[str, Any]) -> None:
    try:
        rollout = Rollout.from_dict(doc)
    except ManifestError as exc:
        assert exc.errors and all(e.message for e in exc.errors)
        return
    validate_rollout(rollout)
