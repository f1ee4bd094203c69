"""``python -m rollouts`` / ``rollouts-controller``: parse flags, set up logging, wire, run.

Exit status: 0 after a graceful stop (SIGTERM/SIGINT), 1 when leadership was lost (the pod
restarts as a fresh candidate), 2 on bad flags, 3 when the cluster configuration cannot be loaded,
4 when the metrics or healthz port cannot be listened on.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

import structlog

from rollouts import logging as rollouts_logging
from rollouts.clock import Clock, SystemClock
from rollouts.controller.app import ControllerApp, Dependencies
from rollouts.controller.controllers import ControllerRegistry, Runtime
from rollouts.controller.flags import Options, parse
from rollouts.controller.instance import handles, instance_id_selector
from rollouts.controller.router_flags import ROUTER_FLAGS, router_settings
from rollouts.informers.factory import SharedInformerFactory
from rollouts.k8s.client import KubeClient
from rollouts.k8s.resources import ANALYSIS_RUNS, EXPERIMENTS, ROLLOUTS
from rollouts.leaderelection import default_identity
from rollouts.leaderelection.kube import KubeLeaseApi
from rollouts.metrics import ControllerMetrics
from rollouts.reconcilers.analysis_provider_scope import process_provider_scope
from rollouts.reconcilers.analysisrun import AnalysisRunController, new_analysis_run_controller
from rollouts.reconcilers.experiment import ExperimentController, new_experiment_controller
from rollouts.reconcilers.rollout import RolloutController, RolloutControllerSetup
from rollouts.reconcilers.service import ServiceController

EXIT_CONFIG = 3

log = structlog.get_logger("rollouts.controller")


def controller_version() -> str:
    try:
        return "v" + version("rollouts")
    except PackageNotFoundError:
        return "v0.0.0-unknown"


def registry() -> ControllerRegistry:
    """The controllers this build runs; the reconcilers register here as they land."""
    controllers = ControllerRegistry()
    controllers.register("rollouts", rollout_controller)
    controllers.register("experiments", experiment_controller)
    controllers.register("analysisruns", analysis_run_controller)
    controllers.register("services", service_controller)
    return controllers


def analysis_run_controller(runtime: Runtime) -> AnalysisRunController:
    return new_analysis_run_controller(
        runtime,
        label_selector=instance_id_selector(runtime.options.instance_id),
        providers=process_provider_scope(runtime.client, runtime.clock, runtime.options.namespace),
    )


def experiment_controller(runtime: Runtime) -> ExperimentController:
    if not isinstance(runtime.informers, SharedInformerFactory):
        raise TypeError("the Experiment controller needs the shared informer factory")
    return new_experiment_controller(
        client=runtime.client,
        informers=runtime.informers,
        clock=runtime.clock,
        metrics=runtime.metrics,
        threads=runtime.options.experiment_threads,
        label_selector=instance_id_selector(runtime.options.instance_id),
    )


def rollout_controller(runtime: Runtime) -> RolloutController:
    if not isinstance(runtime.informers, SharedInformerFactory):
        raise TypeError("the Rollout controller needs the shared informer factory")
    instance_id = runtime.options.instance_id
    return RolloutController(
        RolloutControllerSetup(
            client=runtime.client,
            informers=runtime.informers,
            clock=runtime.clock,
            metrics=runtime.metrics,
            threads=runtime.options.rollout_threads,
            label_selector=instance_id_selector(instance_id),
            handles=lambda obj: handles(obj, instance_id),
            router_settings=router_settings(runtime.options),
        )
    )


def service_controller(runtime: Runtime) -> ServiceController:
    if not isinstance(runtime.informers, SharedInformerFactory):
        raise TypeError("the Service controller needs the shared informer factory")
    return ServiceController(
        runtime.client,
        runtime.informers,
        runtime.clock,
        runtime.metrics,
        rollout_label_selector=instance_id_selector(runtime.options.instance_id),
    )


def build_informers(clock: Clock) -> Callable[[KubeClient, Options], SharedInformerFactory]:
    def build(client: KubeClient, options: Options) -> SharedInformerFactory:
        return SharedInformerFactory(
            client, clock, namespace=options.watch_namespace, default_resync_seconds=options.rollout_resync
        )

    return build


def bind_metrics_to_caches(metrics: ControllerMetrics) -> Callable[[Runtime], None]:
    """Once leading, point the ``*_info`` collectors at the informer caches of the three kinds
    (the same selector-filtered informers the controllers use, so they are shared, not duplicated)."""

    def bind(runtime: Runtime) -> None:
        factory = runtime.informers
        if not isinstance(factory, SharedInformerFactory):
            return  # no controllers registered: nothing is cached
        selector = instance_id_selector(runtime.options.instance_id)
        metrics.bind_caches(
            rollouts=factory.informer(ROLLOUTS, label_selector=selector).store,
            analysis_runs=factory.informer(ANALYSIS_RUNS, label_selector=selector).store,
            experiments=factory.informer(EXPERIMENTS, label_selector=selector).store,
        )

    return bind


async def run(options: Options) -> int:
    metrics = ControllerMetrics(controller_version())
    try:
        client = await KubeClient.connect(
            options.kubeconfig,
            context=options.context,
            qps=options.qps,
            burst=options.burst,
            on_request=metrics.k8s_requests,
        )
    except Exception as exc:  # a missing/invalid kubeconfig or service account: say so, no traceback
        log.error("cannot load the cluster configuration", error=str(exc) or type(exc).__name__)
        return EXIT_CONFIG
    async with client:
        clock = SystemClock()
        app = ControllerApp(
            options,
            Dependencies(
                client=client,
                lease_api=KubeLeaseApi(client),
                clock=clock,
                metrics=metrics,
                identity=default_identity(),
                registry=registry(),
                informers_factory=build_informers(clock),
                on_leading=bind_metrics_to_caches(metrics),
            ),
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, app.stop)
        try:
            log.info(
                "starting",
                version=controller_version(),
                namespace=options.namespace,
                leader_elect=options.leader_elect,
                instance_id=options.instance_id or None,
            )
            return await app.run()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    if options.version:
        print(f"rollouts-controller: {controller_version()}")
        return 0
    rollouts_logging.configure(options.loglevel, "json" if options.logformat == "json" else "text")
    for flag in options.inert:
        if flag in ROUTER_FLAGS:
            continue
        log.warning("flag accepted for compatibility but has no effect yet", flag=flag)
    return asyncio.run(run(options))


if __name__ == "__main__":
    sys.exit(main())
