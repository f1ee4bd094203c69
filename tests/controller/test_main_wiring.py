"""main's wiring: the ``*_info`` collectors read the very informer caches the controllers share."""

from __future__ import annotations

from rollouts.clock import FakeClock
from rollouts.controller.controllers import Runtime
from rollouts.controller.flags import parse
from rollouts.controller.instance import instance_id_selector
from rollouts.controller.main import bind_metrics_to_caches, build_informers
from rollouts.k8s.resources import ROLLOUTS
from rollouts.metrics import ControllerMetrics


def test_metrics_read_the_shared_rollout_cache_with_the_instance_selector() -> None:
    options = parse(["--instance-id", "blue", "--namespaced", "--namespace", "team"], {})
    clock = FakeClock()
    factory = build_informers(clock)(object(), options)  # type: ignore[arg-type]  # no call is made
    metrics = ControllerMetrics("v")
    bind_metrics_to_caches(metrics)(Runtime(options, object(), factory, clock, metrics))
    informer = factory.informer(ROLLOUTS, label_selector=instance_id_selector("blue"))
    assert len(factory.informers()) == 3  # rollouts, analysisruns, experiments: shared, not duplicated
    informer.store.upsert(
        {"metadata": {"namespace": "team", "name": "web", "resourceVersion": "1"}, "spec": {}}
    )
    text = metrics.render().decode()
    assert (
        'rollout_info{name="web",namespace="team",phase="Progressing",strategy="none",traffic_router=""} 1.0'
        in text
    )
