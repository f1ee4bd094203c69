"""The JSON API over the in-memory cluster: reads from the caches, actions send the CLI's patches."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.cli.patches import rfc3339
from rollouts.k8s.errors import ApiError, TransportError
from rollouts.k8s.resources import REPLICASETS, ROLLOUTS
from tests.cli.conftest import NOW
from tests.cli.fake import Call
from tests.dashboard.conftest import paused_api, serving


async def test_version_and_namespaces() -> None:
    async with serving(paused_api(), namespace=None) as client:
        assert await (await client.get("/api/v1/version")).json() == {"rolloutsVersion": "1.2.3"}
        answer = await (await client.get("/api/v1/namespace")).json()
        assert answer == {"namespace": "default", "availableNamespaces": ["default", "other"]}


async def test_list_and_get_rollout_infos() -> None:
    async with serving(paused_api()) as client:
        listed = await (await client.get("/api/v1/rollouts/default/info")).json()
        assert [ro["objectMeta"]["name"] for ro in listed["rollouts"]] == ["another", "guestbook"]
        one = await client.get("/api/v1/rollouts/default/guestbook/info")
        assert one.status == 200
        info = await one.json()
        assert (info["status"], info["step"], info["currentStepIndex"], info["paused"]) == (
            "Paused",
            "1/2",
            1,
            True,
        )
        missing = await client.get("/api/v1/rollouts/default/nope/info")
        assert (missing.status, await missing.json()) == (
            404,
            {"error": 'rollouts.argoproj.io "nope" not found', "code": 404},
        )


async def test_a_namespace_not_served_is_refused() -> None:
    api = paused_api()
    async with serving(api, namespace="default") as client:
        for method, path in [
            ("GET", "/api/v1/rollouts/other/info"),
            ("GET", "/api/v1/rollouts/other/elsewhere/info"),
            ("PUT", "/api/v1/rollouts/other/elsewhere/abort"),
        ]:
            response = await client.request(method, path)
            assert response.status == 400, path
            assert "serves namespace 'default' only" in (await response.json())["error"]
    assert api.writes() == []


async def test_promote_sends_what_the_cli_sends() -> None:
    api = paused_api()
    async with serving(api) as client:
        response = await client.put("/api/v1/rollouts/default/guestbook/promote", json={"full": False})
        assert response.status == 200
        body = await response.json()
    assert body["kind"] == "Rollout"
    assert body["spec"]["paused"] is False  # the answer is the Rollout as last written
    assert [(c.verb, c.body, c.subresource) for c in api.writes()] == [
        ("patch", {"status": {"pauseConditions": None}}, "status"),
        ("patch", {"spec": {"paused": False}}, None),
    ]


async def test_promote_full_and_an_empty_body() -> None:
    api = paused_api()
    api.add(
        ROLLOUTS,
        {**api.stored(ROLLOUTS, "guestbook"), "status": {"currentPodHash": "new", "stableRS": "old"}},
    )
    async with serving(api) as client:
        assert (
            await client.put("/api/v1/rollouts/default/guestbook/promote", json={"full": True})
        ).status == 200
        assert (await client.put("/api/v1/rollouts/default/another/promote")).status == 200
    full = [c.body for c in api.writes() if c.name == "guestbook"]
    assert full == [{"status": {"promoteFull": True}}, {"spec": {"paused": False}}]


@pytest.mark.parametrize(
    ("action", "patch", "subresource"),
    [
        ("abort", {"status": {"abort": True}}, "status"),
        ("retry", {"status": {"abort": False}}, "status"),
        ("restart", {"spec": {"restartAt": rfc3339(NOW)}}, None),
    ],
)
async def test_actions(action: str, patch: dict[str, Any], subresource: str | None) -> None:
    api = paused_api()
    async with serving(api) as client:
        response = await client.put(f"/api/v1/rollouts/default/guestbook/{action}")
        assert response.status == 200, await response.text()
    assert api.writes() == [Call("patch", "rollouts", "guestbook", "default", patch, "merge", subresource)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the request body is not JSON"),
        (b"[1]", "the request body must be a JSON object"),
        (b'{"full": "yes"}', '"full" must be true or false'),
    ],
)
async def test_bad_request_bodies(body: bytes, message: str) -> None:
    api = paused_api()
    async with serving(api) as client:
        response = await client.put(
            "/api/v1/rollouts/default/guestbook/promote",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status == 400
        assert (await response.json())["error"].startswith(message)
    assert api.writes() == []


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (
            ApiError(403, "Forbidden", 'rollouts.argoproj.io "guestbook" is forbidden: no'),
            403,
            "is forbidden: no",
        ),
        (ApiError(409, "Conflict", "the object has been modified"), 409, "the object has been modified"),
        (TransportError("connection refused"), 502, "cannot reach the Kubernetes API server"),
        (TimeoutError(), 504, "timed out waiting for the Kubernetes API server"),
    ],
)
async def test_api_server_failures_become_json_errors(error: Exception, status: int, message: str) -> None:
    api = paused_api()
    api.write_errors.append(error)
    async with serving(api) as client:
        response = await client.put("/api/v1/rollouts/default/guestbook/abort")
        answer = await response.json()
    assert response.status == status
    assert answer["code"] == status
    assert message in answer["error"]


async def test_cross_origin_writes_are_refused() -> None:
    api = paused_api()
    async with serving(api) as client:
        refused = await client.put(
            "/api/v1/rollouts/default/guestbook/abort", headers={"Origin": "http://evil.example"}
        )
        assert refused.status == 403
        assert api.writes() == []
        own = f"http://{client.server.host}:{client.server.port}"
        accepted = await client.put("/api/v1/rollouts/default/guestbook/abort", headers={"Origin": own})
        assert accepted.status == 200


async def test_unknown_api_paths_answer_json() -> None:
    async with serving(paused_api()) as client:
        response = await client.get("/api/v1/nothing")
        assert (response.status, (await response.json())["code"]) == (404, 404)
        wrong_method = await client.get("/api/v1/rollouts/default/guestbook/abort")
        assert wrong_method.status == 405


@pytest.mark.parametrize("path", ["/", "/rollouts", "/rollouts/rollout/default/guestbook"])
async def test_the_page_and_its_files_are_served(path: str) -> None:
    async with serving(paused_api()) as client:
        page = await client.get(path)
        assert page.status == 200
        html = await page.text()
        assert '<script src="/static/app.js"' in html
        for asset, kind in [("/static/app.js", "javascript"), ("/static/style.css", "text/css")]:
            response = await client.get(asset)
            assert response.status == 200
            assert kind in response.headers["Content-Type"]


def _replica_set(revision: int, image: str) -> dict[str, Any]:
    labels = {"app": "guestbook", "rollouts-pod-template-hash": f"h{revision}"}
    return {
        "metadata": {
            "name": f"guestbook-h{revision}",
            "namespace": "default",
            "labels": labels,
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [{"uid": "uid-guestbook", "controller": True, "kind": "Rollout"}],
        },
        "spec": {
            "replicas": 1,
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


async def test_rollback_to_a_revision_sends_the_undo_patch() -> None:
    api = paused_api()  # guestbook's template runs nginx:1.26
    api.add(REPLICASETS, _replica_set(1, "nginx:1.24"))
    api.add(REPLICASETS, _replica_set(2, "nginx:1.26"))
    async with serving(api) as client:
        info = await (await client.get("/api/v1/rollouts/default/guestbook/info")).json()
        assert [rs["revision"] for rs in info["replicaSets"]] == [2, 1]  # what the Rollback buttons offer
        response = await client.put("/api/v1/rollouts/default/guestbook/undo/1")
        assert (response.status, await response.json()) == (200, {"message": "rollout 'guestbook' undo"})
        for revision, status, message in [
            ("7", 400, "unable to find specified revision 7 in history"),
            ("x", 400, "revision must be a number, got 'x'"),
        ]:
            refused = await client.put(f"/api/v1/rollouts/default/guestbook/undo/{revision}")
            assert (refused.status, (await refused.json())["error"]) == (status, message)
    [patch] = api.writes()
    assert (patch.verb, patch.patch_type) == ("patch", "json")
    assert patch.body[0]["value"]["spec"]["containers"][0]["image"] == "nginx:1.24"


async def test_set_image_takes_an_image_with_slashes() -> None:
    api = paused_api()
    async with serving(api) as client:
        response = await client.put(
            "/api/v1/rollouts/default/guestbook/set/web/registry.example.com/team/web:2"
        )
        assert (response.status, await response.json()) == (
            200,
            {"message": 'rollout "guestbook" image updated'},
        )
        missing = await client.put("/api/v1/rollouts/default/guestbook/set/nope/web:2")
        assert (missing.status, (await missing.json())["error"]) == (
            400,
            'unable to find container named "nope"',
        )
    containers = api.stored(ROLLOUTS, "guestbook")["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "registry.example.com/team/web:2"
