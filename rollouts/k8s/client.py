"""The generic Kubernetes API client every other module uses.

Design: kubernetes_asyncio only loads configuration (:mod:`rollouts.k8s.config`); requests go out
over one aiohttp session to REST paths built from a :class:`~rollouts.k8s.resources.Resource`, and
JSON comes back as plain dicts, decoded by orjson (several times faster than ``json`` on watch
events, which dominate the informers' CPU time, and it shares the copies of repeated short keys).
One client therefore serves every kind, including third-party CRDs, with no per-kind generated
code and no typed-model conversion (which costs ~28x a decode; typed views are built only where a
reconciler needs them).

Every call:

* waits for one token of the shared client-side bucket (``qps``/``burst``);
* has a timeout (``request_timeout``; a watch gets ``timeout_seconds`` plus that margin);
* is reported once to ``on_request`` as a :class:`RequestRecord` (``status_code`` 0 when no HTTP
  answer came back), which the metrics bind to ``controller_clientset_k8s_request_total``;
* raises :class:`~rollouts.k8s.errors.ApiError` for a non-2xx answer and
  :class:`~rollouts.k8s.errors.TransportError` when there was no answer.

The watch stream is read and split into lines here (not by kubernetes_asyncio's Watch, which
retries a 410 with the same stale resourceVersion): every event is yielded as is, ERROR events
included, and the reflector decides what a 410 means.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote

import aiohttp
import orjson

from rollouts.clock import Clock, SystemClock
from rollouts.k8s.config import ClusterConfig, load_cluster_config
from rollouts.k8s.errors import ApiError, TransportError
from rollouts.k8s.ratelimit import TokenBucket
from rollouts.k8s.resources import Resource

PatchType = Literal["merge", "json", "strategic", "apply"]
# Module-level aliases: inside KubeClient the name ``list`` is the method, not the builtin.
PatchBody = dict[str, Any] | list[Any]

PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",  # JSON is YAML, so a JSON body is sent as is
}

DEFAULT_FIELD_MANAGER = "rollouts-controller"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    kind: str  # the resource's plural, e.g. "rollouts", "replicasets"
    namespace: str | None
    name: str | None
    verb: str  # get, list, watch, create, update, patch, delete
    status_code: int  # 0 when the request got no HTTP answer


RequestHook = Callable[[RequestRecord], None]


class KubeClient:
    def __init__(
        self,
        cluster: ClusterConfig,
        *,
        qps: float = 40,
        burst: int = 80,
        request_timeout: float = 30,
        on_request: RequestHook | None = None,
        clock: Clock | None = None,
    ) -> None:
        if request_timeout <= 0:
            raise ValueError("request_timeout must be positive")
        self._cluster = cluster
        self._timeout = request_timeout
        self._on_request = on_request
        self._bucket = TokenBucket(clock or SystemClock(), qps, burst)
        connector = aiohttp.TCPConnector(ssl=cluster.ssl_context if cluster.ssl_context else False)
        self._session = aiohttp.ClientSession(connector=connector, raise_for_status=False)

    @classmethod
    async def connect(
        cls,
        kubeconfig: str | None = None,
        *,
        context: str | None = None,
        qps: float = 40,
        burst: int = 80,
        request_timeout: float = 30,
        on_request: RequestHook | None = None,
    ) -> KubeClient:
        """From ``kubeconfig`` (else ``$KUBECONFIG``, else the in-cluster service account)."""
        cluster = await load_cluster_config(kubeconfig, context)
        return cls(cluster, qps=qps, burst=burst, request_timeout=request_timeout, on_request=on_request)

    async def close(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> KubeClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- reads --------------------------------------------------------------------------------

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        return await self._call("GET", res, res.object_path(name, namespace), "get", namespace, name)

    async def list(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> dict[str, Any]:
        """The raw List JSON (``items``, ``metadata.resourceVersion``, ``metadata.continue``)."""
        params = _params(
            labelSelector=label_selector,
            fieldSelector=field_selector,
            resourceVersion=resource_version,
            limit=str(limit) if limit else None,
            **{"continue": continue_token},
        )
        return await self._call("GET", res, res.collection_path(namespace), "list", namespace, None, params)

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
        """Yield ``{"type": ..., "object": {...}}`` events until the server ends the watch."""
        if timeout_seconds <= 0:
            raise ValueError("a watch needs a positive timeout_seconds (an unbounded watch can hang)")
        params = _params(
            watch="true",
            resourceVersion=resource_version,
            timeoutSeconds=str(timeout_seconds),
            allowWatchBookmarks="true" if allow_bookmarks else None,
            labelSelector=label_selector,
            fieldSelector=field_selector,
        )
        # The server closes the stream after timeout_seconds; the client-side bound is a backstop.
        timeout = aiohttp.ClientTimeout(total=timeout_seconds + self._timeout, sock_connect=self._timeout)
        await self._bucket.acquire()
        url = self._cluster.base_url + res.collection_path(namespace)
        status = 0
        try:
            async with self._session.get(
                url, params=params, headers=await self._headers(None), timeout=timeout
            ) as resp:
                status = resp.status
                self._report(res, namespace, None, "watch", status)
                if status >= 400:
                    raise ApiError.from_response(status, resp.reason or "", await resp.read())
                async for line in _lines(resp.content):
                    try:
                        event = orjson.loads(line)
                    except ValueError as err:
                        raise TransportError(f"watch {res.plural}: undecodable event: {err}") from err
                    if not isinstance(event, dict):
                        raise TransportError(f"watch {res.plural}: event is not an object")
                    yield event
        except (aiohttp.ClientError, TimeoutError) as err:
            if status == 0:
                self._report(res, namespace, None, "watch", 0)
            raise TransportError(f"watch {res.plural}: {type(err).__name__}: {err}") from err

    # -- writes -------------------------------------------------------------------------------

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        ns = namespace or _meta(body).get("namespace")
        name = _meta(body).get("name")
        return await self._call(
            "POST", res, res.collection_path(ns), "create", ns, name, _field_manager(), body
        )

    async def replace(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]:
        """PUT the whole object; the server rejects it (409) unless its resourceVersion is current."""
        name, ns = _name_ns(body)
        return await self._call(
            "PUT", res, res.object_path(name, ns), "update", ns, name, _field_manager(), body
        )

    async def replace_status(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]:
        name, ns = _name_ns(body)
        path = res.object_path(name, ns) + "/status"
        return await self._call("PUT", res, path, "update", ns, name, _field_manager(), body)

    async def patch(
        self,
        res: Resource,
        name: str,
        patch: PatchBody,
        namespace: str | None = None,
        *,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        field_manager: str = DEFAULT_FIELD_MANAGER,
        force: bool = False,
    ) -> dict[str, Any]:
        content_type = PATCH_CONTENT_TYPES.get(patch_type)
        if content_type is None:
            known = sorted(PATCH_CONTENT_TYPES)
            raise ValueError(f"unknown patch type {patch_type!r}; expected one of {known}")
        if patch_type == "json" and not isinstance(patch, list):
            raise ValueError("a JSON patch is a list of operations")
        path = res.object_path(name, namespace) + (f"/{subresource}" if subresource else "")
        force_flag = "true" if force and patch_type == "apply" else None
        params = _params(fieldManager=field_manager, force=force_flag)
        return await self._call(
            "PATCH", res, path, "patch", namespace, name, params, patch, content_type=content_type
        )

    async def delete(
        self,
        res: Resource,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        resource_version: str | None = None,
    ) -> None:
        options: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions"}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if resource_version:
            options["preconditions"] = {"resourceVersion": resource_version}
        path = res.object_path(name, namespace)
        await self._call("DELETE", res, path, "delete", namespace, name, None, options)

    async def create_subresource(
        self, res: Resource, name: str, subresource: str, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        """POST to a subresource, e.g. ``pods/eviction``."""
        path = f"{res.object_path(name, namespace)}/{subresource}"
        return await self._call("POST", res, path, "create", namespace, name, None, body)

    # -- plumbing -----------------------------------------------------------------------------

    async def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        auth = await self._cluster.auth_header()
        if auth:
            headers["Authorization"] = auth
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    async def _call(
        self,
        method: str,
        res: Resource,
        path: str,
        verb: str,
        namespace: str | None,
        name: str | None,
        params: dict[str, str] | None = None,
        body: PatchBody | None = None,
        *,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        await self._bucket.acquire()
        data = orjson.dumps(body) if body is not None else None
        headers = await self._headers(content_type if data is not None else None)
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        url = self._cluster.base_url + quote(path)
        try:
            async with self._session.request(
                method, url, params=params, data=data, headers=headers, timeout=timeout
            ) as resp:
                payload = await resp.read()
                status = resp.status
                reason = resp.reason or ""
        except (aiohttp.ClientError, TimeoutError) as err:
            self._report(res, namespace, name, verb, 0)
            raise TransportError(f"{verb} {res.plural} {name or ''}: {type(err).__name__}: {err}") from err
        self._report(res, namespace, name, verb, status)
        if status >= 400:
            raise ApiError.from_response(status, reason, payload)
        if not payload:
            return {}
        try:
            decoded = orjson.loads(payload)
        except ValueError as err:
            raise TransportError(f"{verb} {res.plural}: the server's answer is not JSON: {err}") from err
        return decoded if isinstance(decoded, dict) else {"value": decoded}

    def _report(self, res: Resource, namespace: str | None, name: str | None, verb: str, status: int) -> None:
        if self._on_request is not None:
            self._on_request(RequestRecord(res.plural, namespace, name, verb, status))


async def _lines(stream: aiohttp.StreamReader) -> AsyncIterator[bytes]:
    # Split ourselves: aiohttp's readline caps a line at its buffer size, and one watch event is
    # one (possibly large) line.
    pending = b""
    async for chunk in stream.iter_any():
        pending += chunk
        if b"\n" not in chunk:
            continue
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if line.strip():
                yield line
    if pending.strip():
        yield pending


def _params(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


def _field_manager() -> dict[str, str]:
    return {"fieldManager": DEFAULT_FIELD_MANAGER}


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        raise ValueError("the object has no metadata")
    return meta


def _name_ns(body: dict[str, Any]) -> tuple[str, str | None]:
    meta = _meta(body)
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("the object has no metadata.name")
    ns = meta.get("namespace")
    return name, ns if isinstance(ns, str) and ns else None
