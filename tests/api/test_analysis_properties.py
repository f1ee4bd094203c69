"""Property: for every model in analysis.py and experiment.py, any document built from the
model's own fields (any subset, any nesting, any values of the right types) loads, dumps to
JSON byte for byte as written, and loads back equal.

The strategy is derived from the pydantic field annotations, so a field added to a model is
covered without touching this test.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from rollouts.api.analysis import AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate
from rollouts.api.common import KubeObject, ObjectMeta
from rollouts.api.experiment import Experiment

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), _text)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=6,
)


def _for_type(tp: Any, depth: int) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _for_type(args[0], depth)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return st.one_of(*(_for_type(a, depth) for a in options))
    if origin is list:
        return st.lists(_for_type(args[0], depth), max_size=2)
    if origin is dict:
        return st.dictionaries(_text, _for_type(args[1], depth), max_size=2)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _document(tp, depth + 1)
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**31), 2**31 - 1)
    if tp is str:
        return _text
    return _json  # Any: free JSON


def _document(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON document for ``model``: a random subset of its fields, by their JSON names."""
    if model is ObjectMeta:
        return st.fixed_dictionaries({}, optional={"name": _text})
    if depth > 6:
        # Past the depth limit the object is left empty: only fields of ``model`` may appear.
        return st.just({})
    optional = {
        field.alias or name: _for_type(field.annotation, depth)
        for name, field in model.model_fields.items()
        if name not in {"api_version", "kind"}
    }
    return st.fixed_dictionaries({}, optional=optional)


def _check(model: type[KubeObject], doc: dict[str, Any]) -> None:
    obj = model.from_dict(doc)
    text = obj.model_dump_json(by_alias=True, exclude_unset=True)
    assert text == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    assert model.model_validate_json(text) == obj


@settings(max_examples=60, deadline=None)
@given(doc=_document(AnalysisTemplate))
def test_any_analysis_template_round_trips(doc: dict[str, Any]) -> None:
    _check(AnalysisTemplate, doc)


@settings(max_examples=30, deadline=None)
@given(doc=_document(ClusterAnalysisTemplate))
def test_any_cluster_analysis_template_round_trips(doc: dict[str, Any]) -> None:
    _check(ClusterAnalysisTemplate, doc)


@settings(max_examples=60, deadline=None)
@given(doc=_document(AnalysisRun))
def test_any_analysis_run_with_status_round_trips(doc: dict[str, Any]) -> None:
    _check(AnalysisRun, doc)


@settings(max_examples=60, deadline=None)
@given(doc=_document(Experiment))
def test_any_experiment_with_status_round_trips(doc: dict[str, Any]) -> None:
    _check(Experiment, doc)
