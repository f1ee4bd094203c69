"""The indexed store: lookups, standard and custom indexers, and the index invariant."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.informers.store import BY_CONTROLLER_UID, BY_NAMESPACE, Store, object_key, split_key


def rs(name: str, ns: str = "prod", owner: str | None = None, svc: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if owner:
        meta["ownerReferences"] = [
            {"uid": "other", "controller": False},
            {"uid": owner, "controller": True, "kind": "Rollout"},
        ]
    spec = {"service": svc} if svc else {}
    return {"metadata": meta, "spec": spec}


def by_service(o: dict[str, Any]) -> list[str]:
    svc = o.get("spec", {}).get("service")
    return [svc] if svc else []


def names(objs: list[dict[str, Any]]) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objs)


def test_keys() -> None:
    assert object_key(rs("a", "ns")) == "ns/a"
    assert object_key({"metadata": {"name": "cluster-wide"}}) == "cluster-wide"
    assert split_key("ns/a") == ("ns", "a")
    assert split_key("cluster-wide") == (None, "cluster-wide")
    with pytest.raises(ValueError, match=r"metadata\.name"):
        object_key({"metadata": {}})


def test_standard_indexes_follow_updates_and_deletes() -> None:
    store = Store()
    store.add(rs("a", "prod", owner="u1"))
    store.add(rs("b", "prod", owner="u2"))
    store.add(rs("c", "dev", owner="u1"))
    assert names(store.by_index(BY_NAMESPACE, "prod")) == ["a", "b"]
    assert names(store.by_index(BY_CONTROLLER_UID, "u1")) == ["a", "c"]
    assert store.by_index(BY_CONTROLLER_UID, "other") == []  # non-controller owners are not indexed
    store.update(rs("a", "prod", owner="u2"))
    assert names(store.by_index(BY_CONTROLLER_UID, "u1")) == ["c"]
    assert names(store.by_index(BY_CONTROLLER_UID, "u2")) == ["a", "b"]
    assert store.delete("dev/c") is not None
    assert store.index_keys(BY_CONTROLLER_UID, "u1") == set()
    assert store.get_by_name("prod", "a") is store.get("prod/a")


def test_custom_indexer_registered_late_covers_existing_items() -> None:
    store = Store()
    store.add(rs("r1", svc="web"))
    store.add(rs("r2", svc="api"))
    store.add_indexer("service", by_service)
    store.add(rs("r3", svc="web"))
    assert names(store.by_index("service", "web")) == ["r1", "r3"]
    with pytest.raises(ValueError, match="already registered"):
        store.add_indexer("service", by_service)
    with pytest.raises(KeyError, match="no index named"):
        store.by_index("nope", "x")


def test_reads_return_the_cached_object_not_a_copy() -> None:
    store = Store()
    o = rs("a")
    store.add(o)
    assert store.get("prod/a") is o
    assert store.list()[0] is o


def test_replace_rebuilds_indexes() -> None:
    store = Store()
    store.add(rs("a", owner="u1"))
    store.replace([rs("b", owner="u1"), rs("c", "dev")])
    assert sorted(store.keys()) == ["dev/c", "prod/b"]
    assert names(store.by_index(BY_CONTROLLER_UID, "u1")) == ["b"]
    assert names(store.by_index(BY_NAMESPACE, "dev")) == ["c"]


_ops = st.lists(
    st.tuples(
        st.sampled_from(["upsert", "delete"]),
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from(["ns1", "ns2"]),
        st.sampled_from([None, "u1", "u2"]),
        st.sampled_from([None, "web", "api"]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_ops)
def test_indexes_always_match_a_recomputation(
    ops: list[tuple[str, str, str, str | None, str | None]],
) -> None:
    store = Store()
    store.add_indexer("service", by_service)
    model: dict[str, dict[str, Any]] = {}
    for op, name, ns, owner, svc in ops:
        if op == "upsert":
            o = rs(name, ns, owner, svc)
            store.upsert(o)
            model[f"{ns}/{name}"] = o
        else:
            store.delete(f"{ns}/{name}")
            model.pop(f"{ns}/{name}", None)
    assert {k: store.get(k) for k in store} == model
    for index, func in [
        (BY_NAMESPACE, lambda o: [o["metadata"]["namespace"]]),
        ("service", by_service),
        (
            BY_CONTROLLER_UID,
            lambda o: [r["uid"] for r in o["metadata"].get("ownerReferences", []) if r["controller"]],
        ),
    ]:
        expected: dict[str, set[str]] = {}
        for key, o in model.items():
            for v in func(o):
                expected.setdefault(v, set()).add(key)
        for value in ["ns1", "ns2", "u1", "u2", "web", "api", "other"]:
            assert store.index_keys(index, value) == expected.get(value, set())
    # no empty index buckets outlive their objects
    assert all(keys for index in store._indices.values() for keys in index.values())
