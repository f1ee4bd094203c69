"""Applying an :class:`~rollouts.core.experiment.ExperimentPlan` through the API client.

Order: ReplicaSets created, deadline annotations written, ReplicaSets scaled, Services created
and deleted, AnalysisRuns created and terminated — then, only if all of that succeeded, the
status (the planner assumed every action succeeds, so a status must not outrun them). A create
that finds the object already there (our own earlier create, seen before the cache caught up)
and a delete that finds it gone are successes; any other API error fails the reconcile, which
is retried with backoff and re-planned from fresh caches.
"""

from __future__ import annotations

from typing import Any, Protocol

from rollouts.core.experiment import ExperimentPlan
from rollouts.k8s.errors import is_already_exists, is_not_found
from rollouts.k8s.resources import ANALYSIS_RUNS, EXPERIMENTS, REPLICASETS, SERVICES

Obj = dict[str, Any]
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"


class ExperimentClient(Protocol):
    async def create(self, res: Any, body: Obj, namespace: str | None = None) -> Obj: ...

    async def patch(
        self, res: Any, name: str, patch: Any, namespace: str | None = None, **kw: Any
    ) -> Obj: ...

    async def delete(self, res: Any, name: str, namespace: str | None = None, **kw: Any) -> None: ...

    async def replace_status(self, res: Any, body: Obj) -> Obj: ...

    async def replace(self, res: Any, body: Obj) -> Obj: ...


async def _create(client: ExperimentClient, res: Any, body: Obj, namespace: str) -> None:
    try:
        await client.create(res, body, namespace)
    except Exception as err:
        if not is_already_exists(err):
            raise


async def apply_actions(client: ExperimentClient, namespace: str, plan: ExperimentPlan) -> None:
    """Everything but the status, in the plan's order."""
    for rs in plan.create_replica_sets:
        await _create(client, REPLICASETS, rs, namespace)
    for mark in plan.set_scale_down_deadlines:
        patch = {"metadata": {"annotations": {SCALE_DOWN_DEADLINE_ANNOTATION: mark.deadline}}}
        await client.patch(REPLICASETS, mark.name, patch, namespace)
    for scale in plan.scale_replica_sets:
        await client.patch(REPLICASETS, scale.name, {"spec": {"replicas": scale.replicas}}, namespace)
    for svc in plan.create_services:
        await _create(client, SERVICES, svc, namespace)
    for name in plan.delete_services:
        try:
            await client.delete(SERVICES, name, namespace)
        except Exception as err:
            if not is_not_found(err):
                raise
    for run in plan.create_analysis_runs:
        await _create(client, ANALYSIS_RUNS, run, namespace)
    for name in plan.terminate_analysis_runs:
        await client.patch(ANALYSIS_RUNS, name, {"spec": {"terminate": True}}, namespace)


async def write_status(client: ExperimentClient, experiment: Obj, status: Obj) -> None:
    """Replace the status (optimistic concurrency on resourceVersion: a stale read gets a 409).

    Upstream's CRDs have no status subresource; this project's do. A 404 on ``/status`` means
    the former, and the whole object is replaced instead.
    """
    body = {**experiment, "status": status}
    try:
        await client.replace_status(EXPERIMENTS, body)
    except Exception as err:
        if not is_not_found(err):
            raise
        await client.replace(EXPERIMENTS, body)
