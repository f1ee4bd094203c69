"""The Rollout reconciler's Experiments: a canary ``experiment`` step's Experiment is created,
read, terminated and cleaned up here; the decisions are the pure
:mod:`rollouts.core.experiment.rollout_step`.

Per pass the Rollout reconciler calls :meth:`RolloutExperiments.owned` (the Experiments the
Rollout controls, from the Experiment informer's controller-uid index — never an API list),
hands :meth:`~RolloutExperiments.step_outcome` to the planner, then
:meth:`~RolloutExperiments.reconcile` with the plan: it creates the step's Experiment,
terminates (``spec.terminate: true``, a merge patch) those no longer wanted, deletes old
finished ones, and returns the plan with ``status.canary.currentExperiment`` set and the
``ExperimentCreated`` event added. Experiments are only created or changed before the Rollout's
own status is written, so a failure here fails the pass before anything claims progress.

Create conflicts (AlreadyExists) are resolved as upstream does: the existing Experiment is read
from the API (the cache may not hold it yet); it is adopted when it is running, controlled by
this Rollout and has the same spec, otherwise the name gets a ``-1``, ``-2`` … suffix.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.core.experiment.rollout_step import (
    EXPERIMENT_CREATED,
    StepExperimentActions,
    adopt_existing,
    collision_name,
    created_event_message,
    experiment_weight_destinations,
    named_current,
    step_experiment_actions,
    step_outcome,
    with_current_experiment,
    with_experiment_weights,
)
from rollouts.core.plan import Event, Plan, StepOutcome
from rollouts.informers.store import BY_CONTROLLER_UID, Store
from rollouts.k8s.errors import is_already_exists, is_not_found
from rollouts.k8s.resources import EXPERIMENTS
from rollouts.reconcilers.rollout_applier import ApiClient

log = structlog.get_logger("rollouts.reconcilers.rollout_experiments")

Obj = dict[str, Any]

#: Names tried after the first collision before the pass gives up (and is retried with backoff).
MAX_COLLISION_ATTEMPTS = 10

_TERMINATE_PATCH = {"spec": {"terminate": True}}


class RolloutExperiments:
    def __init__(self, client: ApiClient, experiments: Store) -> None:
        self._client = client
        self._experiments = experiments

    def owned(self, ro: Rollout) -> list[Mapping[str, Any]]:
        """The Experiments the Rollout controls (controller ownerReference with its uid)."""
        uid = ro.metadata.uid or ""
        return list(self._experiments.by_index(BY_CONTROLLER_UID, uid)) if uid else []

    @staticmethod
    def step_outcome(
        ro: Rollout, owned: Sequence[Mapping[str, Any]], replica_sets: Sequence[Mapping[str, Any]]
    ) -> StepOutcome | None:
        return step_outcome(ro, owned, replica_sets)

    @staticmethod
    def weight_destinations(
        ro: Rollout, owned: Sequence[Mapping[str, Any]], planned_status: Mapping[str, Any]
    ) -> list[WeightDestination]:
        """Per-template traffic of the step Experiment that stays current after this pass (none
        once the Rollout aborts or leaves the step), for the traffic routers."""
        return experiment_weight_destinations(ro, named_current(planned_status, owned))

    async def reconcile(
        self,
        ro: Rollout,
        plan: Plan,
        owned: Sequence[Mapping[str, Any]],
        replica_sets: Sequence[Mapping[str, Any]],
    ) -> Plan:
        """Carry out the pass's Experiment actions; the plan with the status and events updated."""
        if ro.canary is None:
            return plan
        actions = step_experiment_actions(ro, plan.status, owned, replica_sets)
        if actions.waiting:
            log.info("experiment step waits", rollout=ro.name, reason=actions.waiting)
        current, events = actions.current, list(plan.events)
        if actions.create is not None:
            created = await self._create(ro, actions.create)
            current = str(created["metadata"]["name"])
            events.append(Event("Normal", EXPERIMENT_CREATED, created_event_message(current)))
        await self._terminate(ro.namespace, actions)
        await self._delete(ro.namespace, actions)
        status = with_current_experiment(plan.status, current)
        status = with_experiment_weights(status, self.weight_destinations(ro, owned, status))
        return dataclasses.replace(plan, status=status, events=events)

    async def _create(self, ro: Rollout, manifest: Mapping[str, Any]) -> Obj:
        body = copy.deepcopy(dict(manifest))
        base = str(body["metadata"]["name"])
        for attempt in range(MAX_COLLISION_ATTEMPTS + 1):
            name = base if attempt == 0 else collision_name(base, attempt)
            body["metadata"]["name"] = name
            try:
                created: Obj = await self._client.create(EXPERIMENTS, body, ro.namespace)
                log.info("created experiment", rollout=ro.name, experiment=name)
                return created
            except Exception as exc:
                if not is_already_exists(exc):
                    raise
            existing = await self._client.get(EXPERIMENTS, name, ro.namespace)
            if adopt_existing(existing, body, ro.metadata.uid or ""):
                return existing
            log.info("experiment name taken", rollout=ro.name, experiment=name)
        raise RuntimeError(
            f"no free Experiment name for {base} after {MAX_COLLISION_ATTEMPTS} collision suffixes"
        )

    async def _terminate(self, namespace: str, actions: StepExperimentActions) -> None:
        for name in actions.terminate:
            log.info("terminating experiment", experiment=name)
            try:
                await self._client.patch(EXPERIMENTS, name, _TERMINATE_PATCH, namespace)
            except Exception as exc:
                if not is_not_found(exc):
                    raise

    async def _delete(self, namespace: str, actions: StepExperimentActions) -> None:
        for name in actions.delete:
            log.info("deleting old experiment", experiment=name)
            try:
                await self._client.delete(EXPERIMENTS, name, namespace)
            except Exception as exc:
                if not is_not_found(exc):
                    raise
