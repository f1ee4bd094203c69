"""merge_diff: applying the diff to the old state gives the new state; equal states give {}."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rollouts.reconcilers.merge_patch import merge_diff
from tests.reconcilers.rollout_fakes import apply_merge_patch

scalars = st.one_of(st.booleans(), st.integers(-5, 5), st.text(max_size=3))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abcd"), inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(st.sampled_from("abcdef"), json_values, max_size=5)


@given(documents, documents)
def test_the_diff_turns_old_into_new(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert apply_merge_patch(old, merge_diff(old, new)) == new


@given(documents)
def test_no_change_no_patch(doc: dict[str, Any]) -> None:
    assert merge_diff(doc, doc) == {}


def test_only_changed_leaves_are_sent() -> None:
    old = {"phase": "Progressing", "canary": {"weights": {"canary": 20}, "x": 1}, "gone": [1]}
    new = {"phase": "Healthy", "canary": {"weights": {"canary": 20}, "x": 2}}
    assert merge_diff(old, new) == {"phase": "Healthy", "canary": {"x": 2}, "gone": None}


def test_none_in_the_new_state_means_absent() -> None:
    assert merge_diff({"a": 1}, {"a": None}) == {"a": None}
    assert merge_diff({}, {"a": None}) == {}
