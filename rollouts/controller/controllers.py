"""How a controller (Rollout, Experiment, AnalysisRun, …) plugs into the process.

A controller is a name, a worker count, a work queue of ``namespace/name`` keys fed by handlers it
registers on the shared informers, and ``async reconcile(key)``. The process owns everything else:
it builds the controllers registered in a :class:`ControllerRegistry` once it leads, starts the
informers, waits for their caches, then runs ``threads`` workers per controller (:func:`run_worker`)
in its task group. On shutdown it shuts the queues down; a worker finishes the key in hand and exits.

The queue and informer shapes here are the minimum the process needs, written as Protocols so
that the concrete :mod:`rollouts.workqueue` / :mod:`rollouts.informers` types satisfy them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from rollouts.clock import Clock
from rollouts.controller.flags import Options
from rollouts.metrics import ControllerMetrics

log = structlog.get_logger("rollouts.controller")


class WorkQueue(Protocol):
    async def get(self) -> str | None:
        """The next key, or None once the queue is shut down (no more keys will come)."""
        ...

    def done(self, key: str) -> None: ...

    def forget(self, key: str) -> None: ...

    def add_rate_limited(self, key: str) -> None: ...

    def shut_down(self) -> None: ...


class Informers(Protocol):
    """The shared informers of the process (one list+watch per resource type)."""

    async def run(self) -> None:
        """Run every informer until cancelled."""
        ...

    async def wait_for_sync(self) -> None:
        """Return once every informer's cache holds its initial list."""
        ...

    def has_synced(self) -> bool: ...


class Controller(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def threads(self) -> int: ...

    @property
    def queue(self) -> WorkQueue: ...

    async def reconcile(self, key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a controller factory receives to build its controller."""

    options: Options
    client: Any  # rollouts.k8s.client.KubeClient once it lands
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
    while (key := await queue.get()) is not None:
        try:
            await controller.reconcile(key)
        except Exception as exc:
            log.warning(
                "reconcile failed; requeued",
                controller=controller.name,
                key=key,
                worker=worker,
                error=str(exc) or type(exc).__name__,
            )
            queue.add_rate_limited(key)
        else:
            queue.forget(key)
            log.debug("reconciled", controller=controller.name, key=key, worker=worker)
        finally:
            queue.done(key)
