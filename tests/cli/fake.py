"""A recording in-memory stand-in for the client the CLI uses.

Objects live in a dict keyed by (plural, namespace, name); merge patches are applied (RFC 7386)
and JSON patches' ``replace`` ops too, so a test can check both what was sent and what resulted.
Every write is appended to ``calls``. Missing objects raise the real ApiError (404).
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import Resource


@dataclass
class Call:
    verb: str
    plural: str
    name: str
    namespace: str | None
    body: Any
    patch_type: str = ""
    subresource: str | None = None


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _not_found(res: Resource, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{res.plural}.{res.group or "core"} "{name}" not found')


@dataclass
class FakeClient:
    objects: dict[tuple[str, str | None, str], dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    status_subresource: bool = True
    #: errors to raise on the next writes, in order (e.g. a 409 conflict)
    write_errors: list[Exception] = field(default_factory=list)
    #: events handed out by watch(), one list per watch call
    watch_batches: list[list[dict[str, Any]]] = field(default_factory=list)
    closed: bool = False

    def add(self, res: Resource, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.objects[(res.plural, meta.get("namespace"), meta["name"])] = copy.deepcopy(obj)

    def stored(self, res: Resource, name: str, namespace: str | None = "default") -> dict[str, Any]:
        return self.objects[(res.plural, namespace, name)]

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.verb != "get"]

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        key = (res.plural, namespace, name)
        if key not in self.objects:
            raise _not_found(res, name)
        return copy.deepcopy(self.objects[key])

    async def list(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> dict[str, Any]:
        self.calls.append(Call("list", res.plural, "", namespace, label_selector))
        items = [
            copy.deepcopy(o)
            for (plural, ns, _), o in sorted(self.objects.items())
            if plural == res.plural and (namespace is None or ns == namespace)
        ]
        return {"items": items, "metadata": {"resourceVersion": "1"}}

    async def watch(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        timeout_seconds: int,
        label_selector: str | None = None,
        field_selector: str | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncIterator[dict[str, Any]]:
        self.calls.append(Call("watch", res.plural, "", namespace, field_selector))
        batch = self.watch_batches.pop(0) if self.watch_batches else []
        for event in batch:
            yield event

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        sent, body = copy.deepcopy(body), copy.deepcopy(body)
        meta = body["metadata"]
        if not meta.get("name"):  # the API server's generateName: a random suffix
            meta["name"] = meta["generateName"] + "x7k2q"
        self.calls.append(Call("create", res.plural, meta["name"], namespace, sent))
        self.add(res, body)
        return copy.deepcopy(body)

    async def replace(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]:
        meta = body["metadata"]
        self.calls.append(
            Call("replace", res.plural, meta["name"], meta.get("namespace"), copy.deepcopy(body))
        )
        if self.write_errors:
            raise self.write_errors.pop(0)
        self.add(res, body)
        return copy.deepcopy(body)

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
        self.calls.append(
            Call("patch", res.plural, name, namespace, copy.deepcopy(patch), patch_type, subresource)
        )
        if self.write_errors:
            raise self.write_errors.pop(0)
        key = (res.plural, namespace, name)
        if key not in self.objects or (subresource == "status" and not self.status_subresource):
            raise _not_found(res, name)
        if patch_type == "merge":
            self.objects[key] = merge_patch(self.objects[key], patch)
        else:
            for op in patch:
                assert op["op"] == "replace", op
                parts = op["path"].strip("/").split("/")
                node = self.objects[key]
                for part in parts[:-1]:
                    node = node[part]
                node[parts[-1]] = copy.deepcopy(op["value"])
        return copy.deepcopy(self.objects[key])

    async def close(self) -> None:
        self.closed = True
