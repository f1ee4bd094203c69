"""The controller process's lifecycle, in one task group.

::

    connect client ─┬─ serve /metrics, /healthz (always, leader or not)
                    └─ leader election ──(leading)──> informers → wait for sync → N workers per controller

Shutdown (SIGTERM/SIGINT → :meth:`ControllerApp.stop`): stop intake (shut the queues down), let
running reconciles finish within ``--shutdown-grace``, cancel what is left, stop the informers,
stop renewing and release the lease (only now, so that no successor starts while our last
reconciles still write), stop the servers; :meth:`run` returns 0.

Lost lease: :class:`LeadershipLost` propagates out of the task group, which cancels every worker,
informer and server; :meth:`run` returns 1 so that the pod restarts as a fresh candidate.

Invariant: every task is created in the one TaskGroup; when :meth:`run` returns none is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog

from rollouts.clock import Clock
from rollouts.controller.controllers import Controller, ControllerRegistry, Informers, Runtime, run_worker
from rollouts.controller.flags import Options
from rollouts.controller.health import Health
from rollouts.controller.http import ServeError, healthz_app, metrics_app, serve
from rollouts.leaderelection import LeaderElectionConfig, LeaderElector, LeadershipLost, LeaseApi, lease_name
from rollouts.metrics import ControllerMetrics

log = structlog.get_logger("rollouts.controller.app")

EXIT_OK = 0
EXIT_LOST_LEASE = 1
EXIT_CANNOT_SERVE = 4
SYNC_LOG_INTERVAL = 10.0  # seconds between "still waiting for caches" lines


class _NoInformers:
    """Stands in when no controller is registered: nothing to watch, always synced."""

    async def run(self) -> None:
        await asyncio.Event().wait()

    async def wait_for_sync(self, timeout: float) -> bool:  # noqa: ASYNC109
        return True

    def has_synced(self) -> bool:
        return True


@dataclass
class Dependencies:
    """What the app is built from; tests pass fakes."""

    client: Any
    lease_api: LeaseApi
    clock: Clock
    metrics: ControllerMetrics
    identity: str
    registry: ControllerRegistry = field(default_factory=ControllerRegistry)
    informers_factory: Callable[[Any, Options], Informers] | None = None
    on_bound: Callable[[str, int], None] = lambda endpoint, port: None  # "metrics"/"healthz", port
    on_leading: Callable[[Runtime], None] = lambda runtime: None  # e.g. bind the metrics to the caches


class ControllerApp:
    def __init__(self, options: Options, deps: Dependencies) -> None:
        self.options = options
        self.deps = deps
        self.health = Health()
        self._stop = asyncio.Event()
        self._leading = asyncio.Event()
        self._informers: Informers | None = None
        self._informers_task: asyncio.Task[None] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._controllers: list[Controller] = []
        self.elector: LeaderElector | None = None
        if options.leader_elect:
            self.elector = LeaderElector(
                deps.lease_api,
                LeaderElectionConfig(
                    name=lease_name(options.instance_id),
                    namespace=options.namespace,
                    identity=deps.identity,
                    lease_duration=options.lease_duration,
                    renew_deadline=options.renew_deadline,
                    retry_period=options.retry_period,
                ),
                deps.clock,
                on_started_leading=self._leading.set,
                on_new_leader=lambda who: log.info("new leader observed", leader=who),
            )
        self._register_health_checks()

    def _register_health_checks(self) -> None:
        elector = self.elector
        leading = self._leading.is_set
        if elector is not None:
            self.health.add("leader-lease", lambda: not leading() or elector.lease_fresh())
        self.health.add(
            "caches-synced",
            lambda: not leading() or (self._informers is not None and self._informers.has_synced()),
        )
        self.health.add("workers", lambda: not leading() or all(not t.done() for t in self._workers))

    def stop(self) -> None:
        """Begin a graceful shutdown (safe to call from a signal handler, more than once)."""
        self._stop.set()

    def is_leader(self) -> bool:
        return self._leading.is_set()

    async def run(self) -> int:
        lost = False
        serve_errors: list[str] = []
        try:
            async with asyncio.TaskGroup() as tg:
                servers = [
                    tg.create_task(
                        serve(
                            metrics_app(self.deps.metrics),
                            self.options.metrics_bind,
                            self.options.metrics_port,
                            self._bound("metrics"),
                        )
                    ),
                    tg.create_task(
                        serve(
                            healthz_app(self.health),
                            self.options.healthz_bind,
                            self.options.healthz_port,
                            self._bound("healthz"),
                        )
                    ),
                ]
                elector_task = (
                    tg.create_task(self.elector.run(), name="leader-election")
                    if self.elector is not None
                    else None
                )
                if elector_task is None:
                    self._leading.set()
                await _first(self._leading.wait(), self._stop.wait())
                if not self._stop.is_set():
                    await self._lead(tg)
                await self._shutdown(elector_task, servers)
        except* LeadershipLost:
            lost = True
        except* ServeError as group:
            serve_errors.extend(str(e) for e in group.exceptions)
        if serve_errors:
            log.error("cannot serve the metrics/healthz endpoints", errors=serve_errors)
            return EXIT_CANNOT_SERVE
        if lost:
            log.error("leadership lost: exiting so that the pod restarts")
            return EXIT_LOST_LEASE
        log.info("stopped")
        return EXIT_OK

    def _bound(self, endpoint: str) -> Callable[[int], None]:
        def report(port: int) -> None:
            log.info("serving", endpoint=endpoint, port=port)
            self.deps.on_bound(endpoint, port)

        return report

    async def _lead(self, tg: asyncio.TaskGroup) -> None:
        """Leading: build the controllers (they ask for informers), start the informers, wait for
        their caches, then start the workers; return when asked to stop."""
        log.info("leading: starting controllers", controllers=len(self.deps.registry))
        if len(self.deps.registry) == 0 or self.deps.informers_factory is None:
            informers: Informers = _NoInformers()
        else:
            informers = self.deps.informers_factory(self.deps.client, self.options)
        self._informers = informers
        runtime = Runtime(self.options, self.deps.client, informers, self.deps.clock, self.deps.metrics)
        self._controllers = self.deps.registry.build(runtime)
        self.deps.on_leading(runtime)
        self._informers_task = tg.create_task(informers.run(), name="informers")
        for controller in self._controllers:
            tg.create_task(controller.queue.run(), name=f"{controller.name}-queue")
        while not self._stop.is_set():
            synced, _ = await _first(informers.wait_for_sync(SYNC_LOG_INTERVAL), self._stop.wait())
            if not synced.cancelled() and synced.result():
                break
            if not self._stop.is_set():
                log.info("waiting for informer caches to sync")
        if self._stop.is_set():
            return
        log.info("caches synced; starting workers")
        for controller in self._controllers:
            for worker in range(controller.threads):
                self._workers.append(
                    tg.create_task(run_worker(controller, worker), name=f"{controller.name}-worker-{worker}")
                )
        await self._stop.wait()

    async def _shutdown(
        self, elector_task: asyncio.Task[None] | None, servers: list[asyncio.Task[None]]
    ) -> None:
        log.info("shutting down")
        for controller in self._controllers:
            controller.queue.shutdown()
        if self._workers:
            await _first(asyncio.wait(self._workers), self.deps.clock.sleep(self.options.shutdown_grace))
            pending = [t for t in self._workers if not t.done()]
            if pending:
                log.warning("reconciles still running after the grace period; cancelling", count=len(pending))
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending)
        # Cancelling a child task (not the group) is not an error for the TaskGroup.
        if self._informers_task is not None:
            self._informers_task.cancel()
        if elector_task is not None:
            elector_task.cancel()
            await asyncio.wait([elector_task])
            if self.elector is not None:
                await self.elector.release()
        for server in servers:
            server.cancel()


async def _first(*coroutines: Coroutine[Any, Any, Any]) -> list[asyncio.Task[Any]]:
    """Run ``coroutines`` in a task group until the first completes, cancel the rest; return the
    (finished or cancelled) tasks in order so the caller can read a result."""
    first_done = asyncio.Event()
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(c) for c in coroutines]
        for task in tasks:
            task.add_done_callback(lambda _: first_done.set())
        await first_done.wait()
        for task in tasks:
            task.cancel()
    return tasks
