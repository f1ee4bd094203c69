"""A command's connection to the cluster, and the one place errors become a message.

:class:`Client` is the slice of :class:`rollouts.k8s.KubeClient` the commands use; tests pass a
recording fake. :func:`run_command` connects lazily (importing the client only then), runs one
command's coroutine, closes the client, and turns every expected failure into :class:`CliError`
(one line, no traceback): API errors with the server's own message (``rollouts.argoproj.io "x"
not found``, ``… is forbidden: …``), an unreachable server, a kubeconfig that does not load.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

# Module-level alias: inside Client the name ``list`` is the method, not the builtin.
JSONList = list[Any]

if TYPE_CHECKING:
    from rollouts.k8s.client import KubeClient
    from rollouts.k8s.resources import Resource

T = TypeVar("T")


class CliError(Exception):
    """A failure to report as one line (``Error: <message>``) with exit status 1."""


class Client(Protocol):
    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]: ...

    async def list(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> dict[str, Any]: ...

    def watch(
        self,
        res: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        timeout_seconds: int,
        label_selector: str | None = None,
        field_selector: str | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncIterator[dict[str, Any]]: ...

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]: ...

    async def replace(self, res: Resource, body: dict[str, Any]) -> dict[str, Any]: ...

    async def patch(
        self,
        res: Resource,
        name: str,
        patch: dict[str, Any] | JSONList,
        namespace: str | None = None,
        *,
        patch_type: Any = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Target:
    """Where a command acts: the cluster (kubeconfig, context) and the namespace."""

    kubeconfig: str | None
    context: str | None
    namespace: str
    request_timeout: float = 30.0


#: The field manager upstream's plugin writes with is kubectl's default; ours names the tool.
FIELD_MANAGER = "kubectl-rollouts"


async def connect(target: Target) -> KubeClient:
    import asyncio
    import logging
    from pathlib import Path

    from rollouts.k8s.client import KubeClient  # lazy: aiohttp and kubernetes_asyncio are slow to import

    if target.kubeconfig is not None and not await asyncio.to_thread(Path(target.kubeconfig).is_file):
        raise CliError(f"kubeconfig {target.kubeconfig}: no such file")
    # The library logs its own warnings next to the error we report: one line is enough.
    logging.getLogger("kubernetes_asyncio").setLevel(logging.ERROR)
    return await KubeClient.connect(
        target.kubeconfig, context=target.context, request_timeout=target.request_timeout
    )


Connector = Callable[[Target], Awaitable[Client]]


def run_command(target: Target, work: Callable[[Client], Awaitable[T]], connector: Connector = connect) -> T:
    """Run ``work`` with a connected client; every anticipated failure becomes :class:`CliError`."""
    import asyncio  # here, not at the top: ``--help`` never needs it

    async def main() -> T:
        client = await connector(target)
        try:
            return await work(client)
        finally:
            await client.close()

    try:
        return asyncio.run(main())
    except CliError:
        raise
    except Exception as err:
        message = describe_error(err)
        if message is None:
            raise
        raise CliError(message) from err


def describe_error(err: BaseException) -> str | None:
    """One line for a failure we anticipate; None for a bug (which then shows its traceback)."""
    from rollouts.k8s.config import ConfigError
    from rollouts.k8s.errors import ApiError, TransportError

    if isinstance(err, ApiError):
        return err.message or f"{err.status} {err.reason}"
    if isinstance(err, TransportError):
        return f"cannot reach the Kubernetes API server: {err}"
    if isinstance(err, ConfigError):
        return str(err)
    if isinstance(err, TimeoutError):
        return "timed out waiting for the Kubernetes API server"
    if isinstance(err, OSError):
        return str(err)
    return None
