"""SubtreeSharer: equal subtrees become one object, values never change, the table is swept."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.informers.dedup import SubtreeSharer

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-2, 2, allow_nan=False)
    | st.sampled_from("abc"),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from("xyz"), children, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from("pq"), _json, max_size=3), max_size=5))
def test_sharing_never_changes_a_value(objs: list[dict[str, Any]]) -> None:
    sharer = SubtreeSharer()
    originals = copy.deepcopy(objs)
    shared = [sharer(o) for o in objs]
    # equal, and equal with types preserved (True vs 1 vs 1.0 must not merge)
    assert [json.dumps(s, sort_keys=True) for s in shared] == [
        json.dumps(o, sort_keys=True) for o in originals
    ]


def test_equal_subtrees_are_one_object() -> None:
    sharer = SubtreeSharer()
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
    a = sharer({"spec": {"containers": [{"name": "envoy", "probe": copy.deepcopy(probe)}], "image": "a:1"}})
    b = sharer({"spec": {"containers": [{"name": "envoy", "probe": copy.deepcopy(probe)}], "image": "a:2"}})
    assert a["spec"]["containers"] is b["spec"]["containers"]
    assert a["spec"] is not b["spec"]
    c = sharer({"spec": {"x": {"flag": True}}})
    d = sharer({"spec": {"x": {"flag": 1}}})
    assert c["spec"]["x"] is not d["spec"]["x"] and type(d["spec"]["x"]["flag"]) is int


def test_roots_and_their_children_are_not_registered() -> None:
    sharer = SubtreeSharer()
    a = sharer({"metadata": {"name": "a"}, "spec": {"x": [1]}})
    b = sharer({"metadata": {"name": "a"}, "spec": {"x": [1]}})
    assert a is not b and a["metadata"] is not b["metadata"]  # unique per object: no table entry
    assert a["spec"]["x"] is b["spec"]["x"]
    assert len(sharer) == 1


def test_sweep_forgets_subtrees_no_cached_object_holds() -> None:
    sharer = SubtreeSharer(min_sweep=10**9)
    kept = sharer({"spec": {"a": {"b": [1, 2]}, "c": {"d": "e"}}})
    gone = sharer({"spec": {"x": {"y": [3, 4]}}})
    assert len(sharer) == 5
    del gone
    assert sharer.sweep() == 2
    assert len(sharer) == 3
    again = sharer({"spec": {"a": {"b": [1, 2]}, "c": {"d": "e"}}})
    assert again["spec"]["a"] is kept["spec"]["a"]
