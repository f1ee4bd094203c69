"""An indexed cache of objects keyed ``namespace/name`` (``name`` for cluster-scoped objects).

Readers get the cached dicts themselves, never copies: **cached objects are immutable by
contract**. A reconciler that wants to change an object deep-copies it first (or builds a patch).
This is what keeps a read or a metrics scrape free of allocation.

Indexes map an index value to the set of keys whose object yields that value; an
:data:`IndexFunc` returns the values for one object (zero, one or many). Invariant, after every
operation: ``key in index[name][value]`` iff the object stored at ``key`` yields ``value``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

Obj = dict[str, Any]
IndexFunc = Callable[[Obj], list[str]]
# Module-level alias: inside Store the name ``list`` is the method, not the builtin.
ObjList = list[Obj]
KeyList = list[str]

BY_NAMESPACE = "namespace"
BY_CONTROLLER_UID = "controller-uid"


def object_key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("object without metadata.name cannot be cached")
    namespace = meta.get("namespace")
    return f"{namespace}/{name}" if namespace else name


def split_key(key: str) -> tuple[str | None, str]:
    namespace, sep, name = key.partition("/")
    return (namespace, name) if sep else (None, namespace)


def namespace_index(obj: Obj) -> list[str]:
    namespace = (obj.get("metadata") or {}).get("namespace")
    return [namespace] if isinstance(namespace, str) and namespace else []


def controller_uid_index(obj: Obj) -> list[str]:
    """The UID of the object's controlling owner (``ownerReferences[].controller: true``)."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller") and isinstance(ref.get("uid"), str):
            return [ref["uid"]]
    return []


def standard_indexers() -> dict[str, IndexFunc]:
    return {BY_NAMESPACE: namespace_index, BY_CONTROLLER_UID: controller_uid_index}


class Store:
    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        for name, func in (indexers if indexers is not None else standard_indexers()).items():
            self.add_indexer(name, func)

    # -- reads (return cached objects: do not mutate them) -----------------------------------

    def get(self, key: str) -> Obj | None:
        return self._items.get(key)

    def get_by_name(self, namespace: str | None, name: str) -> Obj | None:
        return self._items.get(f"{namespace}/{name}" if namespace else name)

    def list(self) -> ObjList:
        return list(self._items.values())

    def snapshot(self) -> dict[str, Obj]:
        """A shallow copy of the key -> object mapping (the objects themselves are shared)."""
        return dict(self._items)

    def keys(self) -> KeyList:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))  # a copy: handlers may change the store while iterating

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def by_index(self, index: str, value: str) -> ObjList:
        if index not in self._indexers:
            raise KeyError(f"no index named {index!r} (known: {sorted(self._indexers)})")
        keys = self._indices[index].get(value, ())
        return [self._items[k] for k in keys]

    def index_keys(self, index: str, value: str) -> set[str]:
        if index not in self._indexers:
            raise KeyError(f"no index named {index!r} (known: {sorted(self._indexers)})")
        return set(self._indices[index].get(value, ()))

    # -- writes -----------------------------------------------------------------------------

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        """Register an index (e.g. Rollouts by referenced Service) and build it over current items."""
        if name in self._indexers:
            raise ValueError(f"index {name!r} is already registered")
        self._indexers[name] = func
        index: dict[str, set[str]] = {}
        self._indices[name] = index
        for key, obj in self._items.items():
            for value in func(obj):
                index.setdefault(value, set()).add(key)

    def upsert(self, obj: Obj) -> Obj | None:
        """Add or update; returns the object it replaced, if any."""
        key = object_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        self._index(key, obj)
        return old

    add = upsert
    update = upsert

    def delete(self, key: str) -> Obj | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def replace(self, objs: Iterable[Obj]) -> None:
        self._items = {object_key(o): o for o in objs}
        for name, func in self._indexers.items():
            index: dict[str, set[str]] = {}
            self._indices[name] = index
            for key, obj in self._items.items():
                for value in func(obj):
                    index.setdefault(value, set()).add(key)

    def _index(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]  # no empty sets outlive their objects
