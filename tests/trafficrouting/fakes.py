"""A recorded, in-memory stand-in for KubeClient: objects by (plural, namespace, name).

Writes bump ``metadata.generation`` when the spec changes and every call is recorded as
``(verb, plural, name, body_or_patch)`` so tests can assert on the exact requests made.
"""

from __future__ import annotations

import copy
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import Resource
from rollouts.trafficrouting.patching import apply_merge_patch

Key = tuple[str, str, str]


class RecordingClient:
    def __init__(self) -> None:
        self.objects: dict[Key, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, str, Any]] = []
        self._version = 0

    def _next_version(self) -> str:
        self._version += 1
        return str(self._version)

    def seed(self, res: Resource, obj: dict[str, Any]) -> None:
        meta = obj.setdefault("metadata", {})
        meta.setdefault("generation", 1)
        meta["resourceVersion"] = self._next_version()
        self.objects[(res.plural, meta["namespace"], meta["name"])] = copy.deepcopy(obj)

    def stored(self, res: Resource, name: str, namespace: str = "ns") -> dict[str, Any]:
        return copy.deepcopy(self.objects[(res.plural, namespace, name)])

    def writes(self) -> list[tuple[str, str, str, Any]]:
        return [c for c in self.calls if c[0] != "get"]

    def patches(self) -> list[Any]:
        """The merge patches sent, without the resourceVersion precondition each carries."""
        bodies = []
        for verb, _, _, body in self.calls:
            if verb != "patch":
                continue
            body = copy.deepcopy(body)
            meta = body.get("metadata") or {}
            assert meta.pop("resourceVersion", None) is not None, "every patch carries a precondition"
            if not meta:
                body.pop("metadata", None)
            bodies.append(body)
        return bodies

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        self.calls.append(("get", res.plural, name, None))
        key = (res.plural, namespace or "", name)
        if key not in self.objects:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
        return copy.deepcopy(self.objects[key])

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        name = body["metadata"]["name"]
        self.calls.append(("create", res.plural, name, copy.deepcopy(body)))
        key = (res.plural, namespace or body["metadata"].get("namespace", ""), name)
        if key in self.objects:
            raise ApiError(409, "AlreadyExists", f'{res.plural} "{name}" already exists')
        stored = copy.deepcopy(body)
        stored["metadata"]["generation"] = 1
        stored["metadata"]["resourceVersion"] = self._next_version()
        self.objects[key] = stored
        return copy.deepcopy(stored)

    async def delete(
        self, res: Resource, name: str, namespace: str | None = None, *, resource_version: str | None = None
    ) -> None:
        self.calls.append(("delete", res.plural, name, resource_version))
        key = (res.plural, namespace or "", name)
        if key not in self.objects:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
        stored_version = self.objects[key]["metadata"]["resourceVersion"]
        if resource_version is not None and resource_version != stored_version:
            raise ApiError(409, "Conflict", f'{res.plural} "{name}": the object has been modified')
        del self.objects[key]

    async def replace(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("the routers patch; they never replace whole objects")

    async def patch(
        self, res: Resource, name: str, patch: Any, namespace: str | None = None, *, patch_type: str = "merge"
    ) -> dict[str, Any]:
        assert patch_type == "merge"
        self.calls.append(("patch", res.plural, name, copy.deepcopy(patch)))
        key = (res.plural, namespace or "", name)
        if key not in self.objects:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found')
        before = self.objects[key]
        expected = (patch.get("metadata") or {}).get("resourceVersion")
        if expected is not None and expected != before["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict", f'{res.plural} "{name}": the object has been modified')
        after = apply_merge_patch(before, patch)
        after["metadata"]["resourceVersion"] = self._next_version()
        if after.get("spec") != before.get("spec"):
            after["metadata"]["generation"] = before["metadata"].get("generation", 1) + 1
        self.objects[key] = after
        return copy.deepcopy(after)


def rollout(traffic_routing: dict[str, Any], **canary: Any) -> Rollout:
    """A Rollout in namespace ``ns`` named ``app`` with services ``canary-svc`` / ``stable-svc``."""
    return Rollout.from_dict(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "app", "namespace": "ns", "uid": "uid-1"},
            "spec": {
                "selector": {"matchLabels": {"app": "app"}},
                "template": {"metadata": {"labels": {"app": "app"}}, "spec": {"containers": []}},
                "strategy": {
                    "canary": {
                        "canaryService": "canary-svc",
                        "stableService": "stable-svc",
                        "trafficRouting": traffic_routing,
                        **canary,
                    }
                },
            },
        }
    )


OWNER = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "name": "app",
    "uid": "uid-1",
    "controller": True,
    "blockOwnerDeletion": True,
}
