"""How a controller (Rollout, Experiment, AnalysisRun, …) plugs into the process.

A controller is a name, a worker count, a work queue of ``namespace/name`` keys fed by handlers it
registers on the shared informers, and ``async reconcile(key)``. The process owns everything else:
it builds the controllers registered in a :class:`ControllerRegistry` once it leads, starts the
informers, waits for their caches, then runs ``threads`` workers per controller (:func:`run_worker`)
in its task group. On shutdown it shuts the queues down; a worker finishes the key in hand and exits.

The order is client-go's: controllers are built first (their factories ask the shared informer
factory for informers and register handlers), then the informers start, then — once every cache
has synced — the workers. Each controller's queue is a :class:`rollouts.workqueue.RateLimitingQueue`
whose background task the process runs; its metrics provider is ``runtime.metrics.workqueue``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from rollouts.clock import Clock
from rollouts.controller.flags import Options
from rollouts.metrics import ControllerMetrics
from rollouts.workqueue import RateLimitingQueue

log = structlog.get_logger("rollouts.controller")


class Informers(Protocol):
    """What the process needs of :class:`rollouts.informers.factory.SharedInformerFactory`."""

    async def run(self) -> None:
        """Run every informer (present and future) until cancelled or stopped."""
        ...

    async def wait_for_sync(self, timeout: float) -> bool:  # noqa: ASYNC109 (on the injected clock)
        """Whether every informer's cache holds its initial list within ``timeout`` seconds."""
        ...

    def has_synced(self) -> bool: ...


class Controller(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def threads(self) -> int: ...

    @property
    def queue(self) -> RateLimitingQueue[str]: ...

    async def reconcile(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a controller factory receives to build its controller."""

    options: Options
    client: Any  # a rollouts.k8s.client.KubeClient in the process; tests pass fakes
    informers: Informers
    clock: Clock
    metrics: ControllerMetrics


ControllerFactory = Callable[[Runtime], Controller]


@dataclass
class ControllerRegistry:
    """The controllers the process runs when it leads; ``main`` registers the factories."""

    factories: dict[str, ControllerFactory] = field(default_factory=dict)

    def register(self, name: str, factory: ControllerFactory) -> None:
        if name in self.factories:
            raise ValueError(f"controller {name!r} is already registered")
        self.factories[name] = factory

    def build(self, runtime: Runtime) -> list[Controller]:
        return [factory(runtime) for factory in self.factories.values()]

    def __len__(self) -> int:
        return len(self.factories)


async def run_worker(controller: Controller, worker: int) -> None:
    """Process keys until the queue shuts down. A failed reconcile is re-queued with backoff;
    a successful one resets the key's backoff. Exceptions never kill the worker."""
    queue = controller.queue
    async for key in queue:
        try:
            await controller.reconcile(key)
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            log.warning(
                "reconcile failed; requeued", controller=controller.name, key=key, worker=worker, error=reason
            )
            queue.add_rate_limited(key)
        else:
            queue.forget(key)
        finally:
            queue.done(key)
