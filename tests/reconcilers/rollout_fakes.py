"""A recorded in-memory API server for the Rollout reconciler's tests.

Objects live in a dict keyed (plural, namespace, name). Writes are recorded as
``(verb, plural, name, body)`` and applied with the API server's semantics that matter here:
RFC 7386 merge patches, ``resourceVersion`` bumped on every write and checked when a patch carries
one (409 Conflict), AlreadyExists on a duplicate create, NotFound on a missing object. ReplicaSets
are "ready" at once: their status follows ``spec.replicas`` (pods start instantly) unless
``ready_pods`` is False.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import Resource


def apply_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


@dataclass
class FakeApi:
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, str, Any]] = field(default_factory=list)
    ready_pods: bool = True
    _rv: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def put(self, plural: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        meta["resourceVersion"] = str(next(self._rv))
        if plural == "replicasets" and self.ready_pods:
            n = obj["spec"].get("replicas", 1)
            obj["status"] = {"replicas": n, "readyReplicas": n, "availableReplicas": n}
        self.objects[(plural, meta.get("namespace", ""), meta["name"])] = obj
        return copy.deepcopy(obj)

    def of(self, plural: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(o) for (p, _, _), o in self.objects.items() if p == plural]

    def writes(self) -> list[tuple[str, str, str]]:
        """(verb, plural, name) of every write except Events."""
        return [(v, p, n) for v, p, n, _ in self.calls if p != "events"]

    # -- the client surface ------------------------------------------------------------------

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        found = self.objects.get((res.plural, namespace or "", name))
        if found is None:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
        return copy.deepcopy(found)

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        self.calls.append(("create", res.plural, body["metadata"].get("name", ""), copy.deepcopy(body)))
        if res.plural == "events":
            return body
        key = (res.plural, namespace or "", body["metadata"]["name"])
        if key in self.objects:
            raise ApiError(409, "AlreadyExists", f'{res.plural} "{key[2]}" already exists')
        return self.put(res.plural, {**body, "metadata": {**body["metadata"], "namespace": namespace}})

    async def patch(
        self,
        res: Resource,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: Any = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        verb = "patch-status" if subresource == "status" else "patch"
        self.calls.append((verb, res.plural, name, copy.deepcopy(patch)))
        current = await self.get(res, name, namespace)
        wanted_rv = (patch.get("metadata") or {}).get("resourceVersion")
        if wanted_rv is not None and wanted_rv != current["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict", "the object has been modified")
        if subresource == "status":
            patch = {"status": patch.get("status")}
        elif "status" in patch:
            patch = {k: v for k, v in patch.items() if k != "status"}
        return self.put(res.plural, apply_merge_patch(current, patch))

    async def create_subresource(
        self, res: Resource, name: str, subresource: str, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        if subresource != "eviction":
            raise ValueError(f"the fake supports only evictions, not {subresource}")
        self.calls.append(("evict", res.plural, name, copy.deepcopy(body)))
        if self.objects.pop((res.plural, namespace or "", name), None) is None:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
        return {}

    async def list(
        self, res: Resource, namespace: str | None = None, *, label_selector: str | None = None
    ) -> dict[str, Any]:
        """Every object of the kind in the namespace (the selector is not evaluated)."""
        items = [
            copy.deepcopy(o) for (p, ns, _), o in self.objects.items() if p == res.plural and ns == namespace
        ]
        return {"items": items}

    async def delete(self, res: Resource, name: str, namespace: str | None = None) -> None:
        self.calls.append(("delete", res.plural, name, None))
        if self.objects.pop((res.plural, namespace or "", name), None) is None:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')


def rollout(
    name: str = "demo",
    *,
    replicas: int | None = 4,
    image: str = "demo:1",
    steps: list[dict[str, Any]] | None = None,
    **canary: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "app", "image": image}]},
        },
        "strategy": {"canary": {"steps": steps if steps is not None else [], **canary}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "generation": 1},
        "spec": spec,
    }


def service(
    name: str, selector: Mapping[str, str], annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-svc-{name}",
            "annotations": dict(annotations or {}),
        },
        "spec": {"selector": dict(selector)},
    }
