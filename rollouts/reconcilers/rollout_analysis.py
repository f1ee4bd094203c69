"""The Rollout reconciler's AnalysisRuns: created, read, terminated and cleaned up here; the
decisions are the pure :mod:`rollouts.core.rollout_analysis`.

Per pass the Rollout reconciler calls, in order:

1. :meth:`RolloutAnalysisRuns.reference_errors` with the spec checks: a missing template (or
   templates that do not combine with the Rollout's args) is an InvalidSpec error, as upstream.
2. :meth:`~RolloutAnalysisRuns.reconcile` before planning: the decision on the stored status,
   then the writes — create the needed runs, terminate (``{"spec": {"terminate": true}}``, a
   merge patch) the ones no longer wanted, delete the history beyond the limits. It returns the
   current runs and their outcomes for the planner. Runs come from the AnalysisRun informer's
   controller-uid index and templates from the (Cluster)AnalysisTemplate informers; nothing is
   listed from the API.
3. :meth:`~RolloutAnalysisRuns.finish` with the plan: the status entries of the current runs and
   the ``AnalysisRun<Phase>`` events.

Create conflicts (AlreadyExists: the cache is behind, or another owner took the name) follow
upstream: the existing run is read from the API and reused when it is ours, running and the same
spec; otherwise the next ``.1``, ``.2`` … name is tried. A run that cannot be built (an argument's
field reference that does not resolve) fails the pass, as upstream, and it is retried with backoff.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from rollouts.api.common import FieldError
from rollouts.api.rollout import Rollout
from rollouts.core.plan import Plan
from rollouts.core.rollout_analysis import (
    AnalysisWorld,
    RunKind,
    RunOutcomes,
    candidate_names,
    decide_analysis_runs,
    outcomes,
    reusable,
    run_status_events,
    template_reference_errors,
    with_name,
    with_run_statuses,
)
from rollouts.informers.store import BY_CONTROLLER_UID, BY_NAMESPACE, Store
from rollouts.k8s.errors import is_already_exists, is_not_found
from rollouts.k8s.resources import ANALYSIS_RUNS
from rollouts.reconcilers.rollout_applier import ApiClient

log = structlog.get_logger("rollouts.reconcilers.rollout_analysis")

Obj = Mapping[str, Any]

#: Names tried after the first collision before the pass gives up (and is retried with backoff).
MAX_COLLISION_ATTEMPTS = 10

_TERMINATE_PATCH = {"spec": {"terminate": True}}


class AnalysisRunBuildError(RuntimeError):
    """A run the Rollout needs cannot be built (upstream fails the pass the same way)."""


@dataclass(frozen=True, slots=True)
class AnalysisPass:
    """The current runs after :meth:`RolloutAnalysisRuns.reconcile`, and their outcomes."""

    current: Mapping[RunKind, Obj] = field(default_factory=dict)
    outcomes: RunOutcomes = field(default_factory=RunOutcomes)


def _by_name(objs: Sequence[Obj]) -> dict[str, Obj]:
    return {str((o.get("metadata") or {}).get("name") or ""): o for o in objs}


class RolloutAnalysisRuns:
    def __init__(self, client: ApiClient, runs: Store, templates: Store, cluster_templates: Store) -> None:
        self._client = client
        self._runs = runs
        self._templates = templates
        self._cluster_templates = cluster_templates

    def _namespace_templates(self, namespace: str) -> dict[str, Obj]:
        return _by_name(self._templates.by_index(BY_NAMESPACE, namespace))

    def reference_errors(self, ro: Rollout) -> list[FieldError]:
        return template_reference_errors(
            ro, self._namespace_templates(ro.namespace), _by_name(self._cluster_templates.list())
        )

    def owned(self, ro: Rollout) -> list[Obj]:
        uid = ro.metadata.uid or ""
        return list(self._runs.by_index(BY_CONTROLLER_UID, uid)) if uid else []

    async def reconcile(
        self, ro: Rollout, rollout: Obj, replica_sets: Sequence[Obj], now: datetime
    ) -> AnalysisPass:
        """Create, terminate and delete this pass's runs; the current runs for the planner."""
        world = AnalysisWorld(
            ro=ro,
            rollout_json=rollout,
            replica_sets=replica_sets,
            runs=self.owned(ro),
            templates=self._namespace_templates(ro.namespace),
            cluster_templates=_by_name(self._cluster_templates.list()),
            now=now,
        )
        decision = decide_analysis_runs(world)
        if decision.errors:
            raise AnalysisRunBuildError("; ".join(decision.errors))
        current = dict(decision.current)
        for wanted in decision.create:
            current[wanted.kind] = await self._create(ro, wanted.manifest)
        for name in decision.terminate:
            log.info("terminating analysis run", rollout=ro.name, analysis_run=name)
            try:
                await self._client.patch(ANALYSIS_RUNS, name, _TERMINATE_PATCH, ro.namespace)
            except Exception as exc:
                if not is_not_found(exc):
                    raise
        for name in decision.delete:
            log.info("deleting old analysis run", rollout=ro.name, analysis_run=name)
            try:
                await self._client.delete(ANALYSIS_RUNS, name, ro.namespace)
            except Exception as exc:
                if not is_not_found(exc):
                    raise
        return AnalysisPass(current, outcomes(current))

    async def _create(self, ro: Rollout, manifest: Obj) -> Obj:
        names = candidate_names(str(manifest["metadata"]["name"]))
        for _ in range(MAX_COLLISION_ATTEMPTS + 1):
            body = copy.deepcopy(with_name(manifest, next(names)))
            name = str(body["metadata"]["name"])
            try:
                created: Obj = await self._client.create(ANALYSIS_RUNS, body, ro.namespace)
                log.info("created analysis run", rollout=ro.name, analysis_run=name)
                return created
            except Exception as exc:
                if not is_already_exists(exc):
                    raise
            existing = await self._client.get(ANALYSIS_RUNS, name, ro.namespace)
            if reusable(existing, body):
                return existing
            log.info("analysis run name taken", rollout=ro.name, analysis_run=name)
        raise AnalysisRunBuildError(
            f"no free AnalysisRun name for {manifest['metadata']['name']} "
            f"after {MAX_COLLISION_ATTEMPTS} collision suffixes"
        )

    @staticmethod
    def finish(ro: Rollout, plan: Plan, analysis: AnalysisPass) -> Plan:
        """The plan with the current runs' status entries and phase-change events."""
        stored = ro.status.to_dict() if ro.status else {}
        status = with_run_statuses(plan.status, stored, analysis.current)
        events = [*plan.events, *run_status_events(stored, analysis.current)]
        return dataclasses.replace(plan, status=status, events=events)
