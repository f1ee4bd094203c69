"""KubeClient against a tiny local aiohttp server: paths, parameters, content types, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from rollouts.clock import FakeClock
from rollouts.k8s import ApiError, KubeClient, RequestRecord, TransportError, is_conflict, is_gone
from rollouts.k8s.config import ClusterConfig
from rollouts.k8s.errors import is_already_exists, is_not_found
from rollouts.k8s.resources import LEASES, PODS, REPLICASETS, ROLLOUTS


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.responses: list[web.StreamResponse] = []
        self.stream_chunks: list[bytes] | None = None  # when set, answer with a chunked stream

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "content_type": request.headers.get("Content-Type"),
                "auth": request.headers.get("Authorization"),
                "body": json.loads(body) if body else None,
            }
        )
        if self.stream_chunks is not None:
            resp = web.StreamResponse()
            await resp.prepare(request)
            for chunk in self.stream_chunks:
                await resp.write(chunk)
            await resp.write_eof()
            return resp
        if self.responses:
            return self.responses.pop(0)
        return web.json_response({"kind": "Thing", "metadata": {"name": "x"}})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Recorder, TestServer]]:
    rec = Recorder()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", rec.handle)
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield rec, srv
    await srv.close()


@pytest.fixture
async def client(
    server: tuple[Recorder, TestServer],
) -> AsyncIterator[tuple[KubeClient, list[RequestRecord]]]:
    _, srv = server
    records: list[RequestRecord] = []

    async def auth() -> str:
        return "Bearer s3cret"

    cfg = ClusterConfig(base_url=str(srv.make_url("")).rstrip("/"), auth_header=auth)
    async with KubeClient(cfg, on_request=records.append, request_timeout=5) as c:
        yield c, records


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }
    return web.json_response(body, status=code)


async def test_get_builds_group_and_core_paths_and_reports(server: Any, client: Any) -> None:
    rec, _ = server
    c, records = client
    await c.get(ROLLOUTS, "web", "prod")
    await c.get(PODS, "p-1", "prod")
    assert [r["path"] for r in rec.requests] == [
        "/apis/argoproj.io/v1alpha1/namespaces/prod/rollouts/web",
        "/api/v1/namespaces/prod/pods/p-1",
    ]
    assert rec.requests[0]["auth"] == "Bearer s3cret"
    assert records == [
        RequestRecord("rollouts", "prod", "web", "get", 200),
        RequestRecord("pods", "prod", "p-1", "get", 200),
    ]


async def test_list_passes_selectors_and_pagination(server: Any, client: Any) -> None:
    rec, _ = server
    c, records = client
    await c.list(
        REPLICASETS, None, label_selector="rollouts-pod-template-hash", limit=500, continue_token="abc"
    )
    req = rec.requests[0]
    assert req["path"] == "/apis/apps/v1/replicasets"
    assert req["query"] == {"labelSelector": "rollouts-pod-template-hash", "limit": "500", "continue": "abc"}
    assert records[0].verb == "list"


@pytest.mark.parametrize(
    ("patch_type", "content_type"),
    [
        ("merge", "application/merge-patch+json"),
        ("json", "application/json-patch+json"),
        ("strategic", "application/strategic-merge-patch+json"),
        ("apply", "application/apply-patch+yaml"),
    ],
)
async def test_patch_sets_content_type_per_patch_type(
    server: Any, client: Any, patch_type: str, content_type: str
) -> None:
    rec, _ = server
    c, _records = client
    body: Any = (
        [{"op": "replace", "path": "/spec/paused", "value": True}]
        if patch_type == "json"
        else {"spec": {"paused": True}}
    )
    await c.patch(ROLLOUTS, "web", body, "prod", patch_type=patch_type, force=True)
    req = rec.requests[0]
    assert req["method"] == "PATCH"
    assert req["content_type"] == content_type
    assert req["body"] == body
    assert req["query"]["fieldManager"] == "rollouts-controller"
    assert ("force" in req["query"]) == (patch_type == "apply")


async def test_patch_status_subresource_path(server: Any, client: Any) -> None:
    rec, _ = server
    c, _ = client
    await c.patch(ROLLOUTS, "web", {"status": {"phase": "Healthy"}}, "prod", subresource="status")
    assert rec.requests[0]["path"].endswith("/rollouts/web/status")


async def test_json_patch_must_be_a_list(client: Any) -> None:
    c, _ = client
    with pytest.raises(ValueError, match="list of operations"):
        await c.patch(ROLLOUTS, "web", {"spec": {}}, "prod", patch_type="json")


async def test_replace_and_replace_status_use_body_metadata(server: Any, client: Any) -> None:
    rec, _ = server
    c, records = client
    lease = {"metadata": {"name": "lock", "namespace": "argo-rollouts", "resourceVersion": "7"}}
    await c.replace(LEASES, lease)
    await c.replace_status(ROLLOUTS, {"metadata": {"name": "web", "namespace": "prod"}})
    assert [(r["method"], r["path"]) for r in rec.requests] == [
        ("PUT", "/apis/coordination.k8s.io/v1/namespaces/argo-rollouts/leases/lock"),
        ("PUT", "/apis/argoproj.io/v1alpha1/namespaces/prod/rollouts/web/status"),
    ]
    assert rec.requests[0]["body"]["metadata"]["resourceVersion"] == "7"
    assert [r.verb for r in records] == ["update", "update"]


async def test_replace_without_name_is_a_clear_error(client: Any) -> None:
    c, _ = client
    with pytest.raises(ValueError, match=r"metadata\.name"):
        await c.replace(LEASES, {"metadata": {"namespace": "x"}})


async def test_create_delete_and_eviction(server: Any, client: Any) -> None:
    rec, _ = server
    c, records = client
    await c.create(REPLICASETS, {"metadata": {"name": "rs"}}, "prod")
    await c.delete(REPLICASETS, "rs", "prod", propagation_policy="Background", resource_version="9")
    await c.create_subresource(PODS, "p", "eviction", {"kind": "Eviction"}, "prod")
    assert [(r["method"], r["path"]) for r in rec.requests] == [
        ("POST", "/apis/apps/v1/namespaces/prod/replicasets"),
        ("DELETE", "/apis/apps/v1/namespaces/prod/replicasets/rs"),
        ("POST", "/api/v1/namespaces/prod/pods/p/eviction"),
    ]
    assert rec.requests[1]["body"]["propagationPolicy"] == "Background"
    assert rec.requests[1]["body"]["preconditions"] == {"resourceVersion": "9"}
    assert [r.verb for r in records] == ["create", "delete", "create"]


async def test_errors_are_decoded_from_status_bodies(server: Any, client: Any) -> None:
    rec, _ = server
    c, records = client
    rec.responses = [
        _status(404, "NotFound", 'rollouts "x" not found'),
        _status(409, "Conflict", "the object has been modified"),
        _status(409, "AlreadyExists", "exists"),
        _status(410, "Expired", "too old resource version: 1 (5)"),
        web.Response(status=500, text="<html>boom</html>"),
    ]
    errors: list[ApiError] = []
    for _ in range(5):
        with pytest.raises(ApiError) as info:
            await c.get(ROLLOUTS, "x", "prod")
        errors.append(info.value)
    assert is_not_found(errors[0]) and errors[0].message == 'rollouts "x" not found'
    assert is_conflict(errors[1]) and not is_already_exists(errors[1])
    assert is_already_exists(errors[2]) and not is_conflict(errors[2])
    assert is_gone(errors[3])
    assert errors[4].status == 500 and "boom" in errors[4].message
    assert [r.status_code for r in records] == [404, 409, 409, 410, 500]


async def test_unreachable_server_is_a_transport_error_reported_as_zero() -> None:
    records: list[RequestRecord] = []
    cfg = ClusterConfig(base_url="http://127.0.0.1:9")  # discard port: connection refused
    async with KubeClient(cfg, on_request=records.append, request_timeout=2) as c:
        with pytest.raises(TransportError):
            await c.get(ROLLOUTS, "x", "prod")
    assert records == [RequestRecord("rollouts", "prod", "x", "get", 0)]


async def test_watch_parses_the_raw_stream_split_across_chunks(server: Any, client: Any) -> None:
    rec, _ = server
    c, records = client
    big = "x" * 200_000  # larger than aiohttp's readline buffer
    events = [
        {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "2"}, "data": big}},
        {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "3"}}},
        {"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired"}},
    ]
    raw = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    rec.stream_chunks = [raw[i : i + 7777] for i in range(0, len(raw), 7777)]
    got = [e async for e in c.watch(REPLICASETS, "prod", resource_version="1", timeout_seconds=300)]
    assert got == events
    assert records == [RequestRecord("replicasets", "prod", None, "watch", 200)]


async def test_watch_query_and_error_status(server: Any, client: Any) -> None:
    rec, _ = server
    c, _ = client
    rec.responses = [_status(410, "Expired", "too old resource version")]
    with pytest.raises(ApiError) as info:
        async for _ in c.watch(
            ROLLOUTS, None, resource_version="5", timeout_seconds=321, label_selector="a=b"
        ):
            pass
    assert is_gone(info.value)
    assert rec.requests[0]["query"] == {
        "watch": "true",
        "resourceVersion": "5",
        "timeoutSeconds": "321",
        "allowWatchBookmarks": "true",
        "labelSelector": "a=b",
    }


async def test_watch_requires_a_timeout(client: Any) -> None:
    c, _ = client
    with pytest.raises(ValueError, match="timeout"):
        async for _ in c.watch(ROLLOUTS, None, resource_version="5", timeout_seconds=0):
            pass


async def test_token_bucket_paces_requests_beyond_the_burst() -> None:
    from rollouts.k8s.ratelimit import TokenBucket

    clock = FakeClock()
    bucket = TokenBucket(clock, qps=2, burst=3)
    waits = [bucket.reserve() for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 1.0]
    await clock.advance(10)
    assert bucket.reserve() == 0.0  # refilled, capped at the burst


def test_token_bucket_rejects_nonsense() -> None:
    from rollouts.k8s.ratelimit import TokenBucket

    with pytest.raises(ValueError):
        TokenBucket(FakeClock(), qps=0, burst=1)
