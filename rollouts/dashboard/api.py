"""The dashboard's HTTP API (aiohttp handlers) and the application that serves it with the page.

Reads come from the :class:`~rollouts.dashboard.cache.ClusterCache` (never from the API server);
actions go through the CLI's own functions (:mod:`rollouts.cli.actions`), so a button sends
exactly what ``kubectl-rollouts promote|abort|retry|restart`` sends. The routes are listed in the
package docstring (:mod:`rollouts.dashboard`).

Errors are JSON ``{"error": "<one line>", "code": <http status>}``: the API server's own status
and message for a refused write (404 not found, 403 forbidden, 409 conflict …), 400 for a request
we refuse (bad JSON, a namespace this dashboard does not serve, an action upstream refuses), 502
when the API server cannot be reached and 504 when it does not answer in time.

Cross-site requests: the dashboard has no login (it acts with the kubeconfig's credentials), so
a write whose ``Origin`` is not this server's own is refused (403), and PUT with a JSON body is
never a "simple" request a foreign page could send without a CORS preflight we never grant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources as package_files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import structlog
from aiohttp import web

from rollouts.cli import actions
from rollouts.cli.session import Client, CliError, describe_error
from rollouts.clock import Clock
from rollouts.dashboard.cache import ClusterCache
from rollouts.dashboard.info import rollout_info
from rollouts.dashboard.sse import follow, open_stream
from rollouts.k8s.resources import ANALYSIS_RUNS, EXPERIMENTS, PODS, REPLICASETS, ROLLOUTS

log = structlog.get_logger("rollouts.dashboard")

STATIC_DIR = Path(str(package_files.files("rollouts.dashboard") / "static"))

CACHE_KEY = web.AppKey("cache", ClusterCache)
CLIENT_KEY = web.AppKey("client", Client)
CLOCK_KEY = web.AppKey("clock", Clock)
SETTINGS_KEY = web.AppKey("settings", dict[str, str])

JSON = dict[str, Any]
#: rollout name -> its info, as last sent on one list stream
Sent = dict[str, bytes]


def json_response(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


def error_response(status: int, message: str) -> web.Response:
    return json_response({"error": message, "code": status}, status)


def _http_status(err: Exception) -> tuple[int, str] | None:
    """The status and one-line message for a failure we anticipate; None for a bug."""
    from rollouts.k8s.errors import ApiError, TransportError

    if isinstance(err, CliError):
        return 400, str(err)
    if isinstance(err, ApiError):
        return (err.status if 400 <= err.status < 600 else 502), describe_error(err) or str(err)
    if isinstance(err, TransportError):
        return 502, describe_error(err) or str(err)
    if isinstance(err, TimeoutError):
        return 504, "timed out waiting for the Kubernetes API server"
    return None


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as err:
        if request.path.startswith("/api/") and err.status >= 400:
            return error_response(err.status, err.reason)
        raise
    except Exception as err:
        known = _http_status(err)
        if known is None:
            log.exception("dashboard request failed", method=request.method, path=request.path)
            return error_response(500, f"internal error: {type(err).__name__}")
        return error_response(*known)


@web.middleware
async def same_origin_writes(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if (
        request.method not in ("GET", "HEAD")
        and origin is not None
        and urlsplit(origin).netloc != request.host
    ):
        return error_response(403, f"cross-origin request from {origin} refused")
    return await handler(request)


def _served(request: web.Request) -> tuple[ClusterCache, str]:
    cache, namespace = request.app[CACHE_KEY], request.match_info["namespace"]
    if not cache.serves(namespace):
        raise CliError(f"this dashboard serves namespace {cache.namespace!r} only (started with --namespace)")
    return cache, namespace


def _infos(cache: ClusterCache, namespace: str) -> dict[str, JSON]:
    """Every Rollout of the namespace as RolloutInfo, by name."""
    replica_sets = cache.items(REPLICASETS, namespace)
    pods = cache.items(PODS, namespace)
    experiments = cache.items(EXPERIMENTS, namespace)
    runs = cache.items(ANALYSIS_RUNS, namespace)
    infos = {}
    for rollout in cache.items(ROLLOUTS, namespace):
        info = rollout_info(rollout, replica_sets, pods, experiments, runs)
        infos[info["objectMeta"]["name"]] = info
    return dict(sorted(infos.items()))


def _info(cache: ClusterCache, namespace: str, name: str) -> JSON | None:
    rollout = next(
        (ro for ro in cache.items(ROLLOUTS, namespace) if (ro.get("metadata") or {}).get("name") == name),
        None,
    )
    if rollout is None:
        return None
    return rollout_info(
        rollout,
        cache.items(REPLICASETS, namespace),
        cache.items(PODS, namespace),
        cache.items(EXPERIMENTS, namespace),
        cache.items(ANALYSIS_RUNS, namespace),
    )


def _not_found(name: str) -> web.Response:
    return error_response(404, f'rollouts.argoproj.io "{name}" not found')


# -- reads -----------------------------------------------------------------------------------


async def get_version(request: web.Request) -> web.Response:
    return json_response({"rolloutsVersion": request.app[SETTINGS_KEY]["version"]})


async def get_namespace(request: web.Request) -> web.Response:
    cache = request.app[CACHE_KEY]
    default = request.app[SETTINGS_KEY]["namespace"]
    return json_response(
        {"namespace": default, "availableNamespaces": sorted({default, *cache.namespaces()})}
    )


async def list_rollout_infos(request: web.Request) -> web.Response:
    cache, namespace = _served(request)
    return json_response({"rollouts": list(_infos(cache, namespace).values())})


async def get_rollout_info(request: web.Request) -> web.Response:
    cache, namespace = _served(request)
    name = request.match_info["name"]
    info = _info(cache, namespace, name)
    return _not_found(name) if info is None else json_response(info)


def list_changes(cache: ClusterCache, namespace: str, sent: Sent) -> list[object]:
    """The watch events that bring a client holding ``sent`` up to date (and update ``sent``)."""
    events: list[object] = []
    current = _infos(cache, namespace)
    for name, info in current.items():
        encoded = orjson.dumps(info)
        if sent.get(name) != encoded:
            events.append({"type": "MODIFIED" if name in sent else "ADDED", "rolloutInfo": info})
            sent[name] = encoded
    for name in [n for n in sent if n not in current]:
        del sent[name]
        events.append(
            {"type": "DELETED", "rolloutInfo": {"objectMeta": {"name": name, "namespace": namespace}}}
        )
    return events


async def watch_rollout_infos(request: web.Request) -> web.StreamResponse:
    cache, namespace = _served(request)
    sent: Sent = {}
    response = await open_stream(request)
    await follow(response, lambda: list_changes(cache, namespace, sent), cache.feed, request.app[CLOCK_KEY])
    return response


def one_change(cache: ClusterCache, namespace: str, name: str, sent: Sent) -> list[object]:
    """The watch event (if any) that brings a client holding ``sent`` up to date on one Rollout."""
    info = _info(cache, namespace, name)
    if info is None:
        if name not in sent:
            return []
        del sent[name]
        return [{"type": "DELETED", "rolloutInfo": {"objectMeta": {"name": name, "namespace": namespace}}}]
    encoded = orjson.dumps(info)
    if sent.get(name) == encoded:
        return []
    kind = "MODIFIED" if name in sent else "ADDED"
    sent[name] = encoded
    return [{"type": kind, "rolloutInfo": info}]


async def watch_rollout_info(request: web.Request) -> web.StreamResponse:
    cache, namespace = _served(request)
    name = request.match_info["name"]
    if _info(cache, namespace, name) is None:
        return _not_found(name)
    sent: Sent = {}
    response = await open_stream(request)
    await follow(
        response, lambda: one_change(cache, namespace, name, sent), cache.feed, request.app[CLOCK_KEY]
    )
    return response


# -- actions ---------------------------------------------------------------------------------


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError as err:
        raise CliError(f"the request body is not JSON: {err}") from None
    if not isinstance(body, dict):
        raise CliError("the request body must be a JSON object")
    return body


async def promote(request: web.Request) -> web.Response:
    _, namespace = _served(request)
    full = (await _body(request)).get("full", False)
    if not isinstance(full, bool):
        raise CliError('"full" must be true or false')
    client = request.app[CLIENT_KEY]
    return json_response(await actions.send_promote(client, namespace, request.match_info["name"], full=full))


async def abort(request: web.Request) -> web.Response:
    _, namespace = _served(request)
    return json_response(
        await actions.send_abort(request.app[CLIENT_KEY], namespace, request.match_info["name"])
    )


async def retry(request: web.Request) -> web.Response:
    _, namespace = _served(request)
    return json_response(
        await actions.send_retry(request.app[CLIENT_KEY], namespace, request.match_info["name"])
    )


async def restart(request: web.Request) -> web.Response:
    _, namespace = _served(request)
    now = request.app[CLOCK_KEY].now()
    rollout = await actions.send_restart(
        request.app[CLIENT_KEY], namespace, request.match_info["name"], at=now
    )
    return json_response(rollout)


async def undo(request: web.Request) -> web.Response:
    """Roll back to a revision (the page's Rollback button). The CLI's ``undo`` answers with a
    message, not the object (it may patch a workloadRef's Deployment instead): so do we."""
    _, namespace = _served(request)
    try:
        revision = int(request.match_info["revision"])
    except ValueError:
        raise CliError(f"revision must be a number, got {request.match_info['revision']!r}") from None
    name = request.match_info["name"]
    message = await actions.undo(request.app[CLIENT_KEY], namespace, name, to_revision=revision)
    return json_response({"message": message})


async def set_image(request: web.Request) -> web.Response:
    """``set image``: ``{image}`` may hold slashes (a registry path), so it is the rest of the path."""
    _, namespace = _served(request)
    container, image = request.match_info["container"], request.match_info["image"]
    name = request.match_info["name"]
    message = await actions.set_image(request.app[CLIENT_KEY], namespace, name, container, image)
    return json_response({"message": message})


# -- the page --------------------------------------------------------------------------------


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def build_app(
    cache: ClusterCache, client: Client, clock: Clock, *, default_namespace: str, version: str
) -> web.Application:
    """The application: API routes, the page and its static files. At shutdown the change feed
    closes first, so that every live stream ends before the server waits for its handlers."""
    app = web.Application(middlewares=[json_errors, same_origin_writes])
    app[CACHE_KEY], app[CLIENT_KEY], app[CLOCK_KEY] = cache, client, clock
    app[SETTINGS_KEY] = {"namespace": default_namespace, "version": version}

    async def end_streams(_app: web.Application) -> None:
        cache.feed.close()

    app.on_shutdown.append(end_streams)
    base = "/api/v1/rollouts/{namespace}"
    app.router.add_get("/api/v1/version", get_version)
    app.router.add_get("/api/v1/namespace", get_namespace)
    app.router.add_get(base + "/info", list_rollout_infos)
    app.router.add_get(base + "/info/watch", watch_rollout_infos)
    app.router.add_get(base + "/{name}/info", get_rollout_info)
    app.router.add_get(base + "/{name}/info/watch", watch_rollout_info)
    app.router.add_put(base + "/{name}/promote", promote)
    app.router.add_put(base + "/{name}/abort", abort)
    app.router.add_put(base + "/{name}/retry", retry)
    app.router.add_put(base + "/{name}/restart", restart)
    app.router.add_put(base + "/{name}/undo/{revision}", undo)
    app.router.add_put(base + "/{name}/set/{container}/{image:.+}", set_image)
    app.router.add_get("/", index)
    # upstream's page lives under /rollouts/…: its bookmarks land on the page too
    app.router.add_get("/rollouts", index)
    app.router.add_get("/rollouts/{tail:.*}", index)
    app.router.add_static("/static/", STATIC_DIR)
    return app
