"""The Rollout's side of a canary ``experiment`` step: which Experiment is current, what its phase
means for the step, and which Experiments to create, terminate and delete.

A Rollout pass runs in three parts (the reconciler's order):

1. :func:`step_outcome` — before planning: the current step's Experiment (the one
   ``status.canary.currentExperiment`` names, of this pod template and these steps) as the
   planner's :class:`~rollouts.core.plan.StepOutcome`. The planner completes the step on
   Successful, aborts on Failed/Error (``Experiment analysis phase is error/failed: <message>``)
   and pauses on Inconclusive (``InconclusiveExperiment``).
2. :func:`step_experiment_actions` — after planning, on the *planned* status: create the step's
   Experiment when none is current, keep the current one while it runs, terminate every other
   owned Experiment that still runs (abort, promote / promote-full past the step, a new revision),
   delete finished ones beyond the history limits or of ReplicaSets that are gone.
3. :func:`with_current_experiment` — record the running Experiment in the status.

Upstream's rules (rollout/experiment.go, utils/experiment/filter.go), re-expressed. Where we
differ on purpose:

* a current Experiment must carry the Rollout's current pod hash and belong to the step index
  the pass started on, so that a new revision or a step advanced in this pass never reads the
  previous step's Experiment as its own (upstream relies on the status reset of an earlier pass);
* a finished Experiment stays current (named in the status) while the Rollout is still on its
  step — upstream forgets it at once, and a pass that cannot act on it (a paused Rollout) then
  creates a second Experiment for the same step;
* while an ``InconclusiveExperiment`` pause stands, no replacement Experiment is created; it is
  created (under a collision-suffixed name) once the user resumes. Upstream creates it at once,
  during the pause.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.api.defaults import (
    successful_run_history_limit_or_default,
    unsuccessful_run_history_limit_or_default,
)
from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import RolloutExperimentStep
from rollouts.core.experiment.from_rollout import experiment_for_step
from rollouts.core.plan import StepOutcome
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL, pod_template_hash, steps_hash
from rollouts.core.replica_sets import ReplicaSetView, find_new_replica_set
from rollouts.core.steps import INCONCLUSIVE_EXPERIMENT, current_step, parse_steps

#: Phases after which an Experiment runs no more (upstream's ``AnalysisPhase.Completed``).
FINISHED_PHASES = frozenset({"Successful", "Failed", "Error", "Inconclusive"})
_UNSUCCESSFUL_PHASES = frozenset({"Failed", "Error", "Inconclusive"})

#: The event upstream records when it creates the step's Experiment.
EXPERIMENT_CREATED = "ExperimentCreated"

Obj = Mapping[str, Any]


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _name(obj: Obj) -> str:
    return str(_meta(obj).get("name") or "")


def _phase(experiment: Obj) -> str:
    return str((experiment.get("status") or {}).get("phase") or "")


def _pod_hash(obj: Obj) -> str:
    return str((_meta(obj).get("labels") or {}).get(POD_TEMPLATE_HASH_LABEL) or "")


def has_finished(experiment: Obj) -> bool:
    return _phase(experiment) in FINISHED_PHASES


def created_event_message(name: str) -> str:
    return f"Created Experiment '{name}'"


def named_current(status: Mapping[str, Any], owned: Sequence[Obj]) -> Obj | None:
    """The owned Experiment ``status.canary.currentExperiment`` names (upstream's current one)."""
    wanted = (status.get("canary") or {}).get("currentExperiment")
    if not wanted:
        return None
    return next((ex for ex in owned if _name(ex) == wanted), None)


def _experiment_step(ro: Rollout, index: Any) -> RolloutExperimentStep | None:
    canary = ro.canary
    if canary is None:
        return None
    position = index if isinstance(index, int) else 0
    steps = canary.steps or []
    if not 0 <= position < len(steps):
        return None
    return steps[position].experiment


def _status_is_current(ro: Rollout, status: Mapping[str, Any], replica_sets: Sequence[Obj]) -> bool:
    """Whether the stored status still describes this pod template and these steps (otherwise
    the planner resets the steps and nothing read from the old status applies). The template's
    ReplicaSet is found as the planner finds it (hash label, else an equal template)."""
    canary, template = ro.canary, ro.spec.template
    if canary is None or template is None:
        return False
    collision = status.get("collisionCount")
    found = find_new_replica_set(template, collision, [ReplicaSetView(rs) for rs in replica_sets])
    pod_hash = (found.pod_template_hash if found else None) or pod_template_hash(template, collision)
    raw_steps = [s.to_dict() for s in canary.steps or []]
    return status.get("currentPodHash") == pod_hash and status.get("currentStepHash") == steps_hash(raw_steps)


def step_outcome(ro: Rollout, owned: Sequence[Obj], replica_sets: Sequence[Obj]) -> StepOutcome | None:
    """The planner's input for an ``experiment`` step; None when the current step is another kind
    or its Experiment does not exist (yet). ``replica_sets``: the Rollout's own, as planned with."""
    status = ro.status.to_dict() if ro.status else {}
    if not _status_is_current(ro, status, replica_sets):
        return None
    if _experiment_step(ro, status.get("currentStepIndex")) is None:
        return None
    experiment = named_current(status, owned)
    if experiment is None or _pod_hash(experiment) != status.get("currentPodHash"):
        return None
    message = str((experiment.get("status") or {}).get("message") or "")
    return StepOutcome("experiment", _name(experiment), _phase(experiment), message)


@dataclass(frozen=True, slots=True)
class StepExperimentActions:
    """What the reconciler does about the Rollout's Experiments in one pass."""

    #: The Experiment manifest to create (on AlreadyExists see :func:`adopt_existing`).
    create: dict[str, Any] | None = None
    #: The existing Experiment that stays current (recorded in status.canary.currentExperiment).
    current: str | None = None
    #: Running Experiments to stop with ``spec.terminate: true``.
    terminate: tuple[str, ...] = ()
    #: Finished Experiments to delete (history limits, ReplicaSet gone).
    delete: tuple[str, ...] = ()
    #: Why no Experiment is created although the step wants one (for the log).
    waiting: str = ""


def step_experiment_actions(
    ro: Rollout,
    planned_status: Mapping[str, Any],
    owned: Sequence[Obj],
    replica_sets: Sequence[Obj],
) -> StepExperimentActions:
    """Decide about the Rollout's Experiments from the status this pass will write.

    ``owned`` are the Experiments the Rollout controls; ``replica_sets`` the Rollout's own
    ReplicaSets (the new and the stable one supply the templates). Raises
    :class:`~rollouts.core.experiment.from_rollout.ExperimentStepError` for a step that cannot
    become an Experiment (a bad specRef, an unresolvable argument).
    """
    stored = ro.status.to_dict() if ro.status else {}
    index = planned_status.get("currentStepIndex")
    step = _experiment_step(ro, index)
    pod_hash = str(planned_status.get("currentPodHash") or "")
    # upstream stops every Experiment on an abort and on promote-full
    stopped = any(bool(s.get(key)) for s in (planned_status, stored) for key in ("abort", "promoteFull"))
    wants_step = step is not None and not stopped

    current = named_current(stored, owned) if wants_step else None
    if current is not None and (
        _pod_hash(current) != pod_hash
        or index != stored.get("currentStepIndex")
        or _phase(current) == "Inconclusive"
    ):
        # another revision's or another step's Experiment, or an inconclusive one (the step runs
        # a new Experiment once the user resumes): not current
        current = None

    create: dict[str, Any] | None = None
    waiting = ""
    if wants_step and step is not None and current is None:
        create, waiting = _new_experiment(ro, step, planned_status, replica_sets, index or 0, pod_hash)

    current_name = _name(current) if current is not None else None
    others = [ex for ex in owned if _name(ex) != current_name]
    terminate = tuple(
        _name(ex) for ex in others if not (ex.get("spec") or {}).get("terminate") and not has_finished(ex)
    )
    delete = tuple(
        experiments_to_delete(
            others,
            replica_sets,
            successful_run_history_limit_or_default(ro),
            unsuccessful_run_history_limit_or_default(ro),
        )
    )
    return StepExperimentActions(create, current_name, terminate, delete, waiting)


def _new_experiment(
    ro: Rollout,
    step: RolloutExperimentStep,
    status: Mapping[str, Any],
    replica_sets: Sequence[Obj],
    index: int,
    pod_hash: str,
) -> tuple[dict[str, Any] | None, str]:
    if any(p.get("reason") == INCONCLUSIVE_EXPERIMENT for p in status.get("pauseConditions") or []):
        return None, "the rollout is paused on an inconclusive experiment"
    stable_hash = str(status.get("stableRS") or "")
    new_rs = next((rs for rs in replica_sets if _pod_hash(rs) == pod_hash), None)
    stable_rs = next((rs for rs in replica_sets if _pod_hash(rs) == stable_hash), None)
    if new_rs is None or stable_rs is None or stable_hash == pod_hash:
        # upstream: no experiment before the stable ReplicaSet exists; the new one may have been
        # created in this very pass and not be cached yet
        return None, "the new and the stable ReplicaSet are not both cached yet"
    rollout = ro.to_dict()
    manifest = experiment_for_step(
        rollout, step, step_index=index, pod_hash=pod_hash, new_rs=new_rs, stable_rs=stable_rs
    )
    return manifest, ""


def adopt_existing(existing: Obj, desired: Obj, rollout_uid: str) -> bool:
    """After AlreadyExists: whether the Experiment of that name is the one this Rollout meant to
    create (a stale cache): still running, controlled by the Rollout and with the same spec
    (``terminate`` aside). Otherwise the caller retries under :func:`collision_name`."""
    if has_finished(existing):
        return False
    refs = _meta(existing).get("ownerReferences") or []
    controller = next((r for r in refs if isinstance(r, Mapping) and r.get("controller")), None)
    if controller is None or controller.get("uid") != rollout_uid:
        return False

    def spec(obj: Obj) -> dict[str, Any]:
        body = dict(obj.get("spec") or {})
        body.pop("terminate", None)
        return body

    return spec(existing) == spec(desired)


def collision_name(base: str, attempt: int) -> str:
    """The name of the ``attempt``-th retry (1, 2, …) after a collision: ``<base>-<attempt>``."""
    return f"{base}-{attempt}"


def with_current_experiment(status: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    """A copy of the Rollout status with ``status.canary.currentExperiment`` set (or removed)."""
    out = copy.deepcopy(dict(status))
    canary = dict(out.get("canary") or {})
    if name:
        canary["currentExperiment"] = name
    else:
        canary.pop("currentExperiment", None)
    out["canary"] = canary
    return out


def experiments_to_delete(
    experiments: Sequence[Obj], replica_sets: Sequence[Obj], limit_successful: int, limit_unsuccessful: int
) -> list[str]:
    """Names of the non-current Experiments to delete, as upstream's FilterExperimentsToDelete:
    those without a pod hash label, whose ReplicaSet is gone or being deleted, and finished ones
    beyond the newest ``limit_successful`` Successful / ``limit_unsuccessful`` others."""
    deleting_by_hash: dict[str, bool] = {}
    for rs in replica_sets:
        if _pod_hash(rs):
            deleting_by_hash[_pod_hash(rs)] = bool(_meta(rs).get("deletionTimestamp"))
    newest_first = sorted(
        experiments,
        key=lambda ex: (str(_meta(ex).get("creationTimestamp") or ""), _name(ex)),
        reverse=True,
    )
    kept_successful = kept_unsuccessful = 0
    out: list[str] = []
    for ex in newest_first:
        if _meta(ex).get("deletionTimestamp"):
            continue
        pod_hash = _pod_hash(ex)
        if not pod_hash or deleting_by_hash.get(pod_hash, True):
            out.append(_name(ex))
        elif _phase(ex) == "Successful":
            if kept_successful < limit_successful:
                kept_successful += 1
            else:
                out.append(_name(ex))
        elif _phase(ex) in _UNSUCCESSFUL_PHASES:
            if kept_unsuccessful < limit_unsuccessful:
                kept_unsuccessful += 1
            else:
                out.append(_name(ex))
    return out


def experiment_weight_destinations(ro: Rollout, experiment: Obj | None) -> list[WeightDestination]:
    """Traffic for the templates of a running step Experiment that ask for a ``weight``: one
    destination per template status (its Service and pod hash), as upstream adds to the route.
    The step is the latest ``experiment`` step at or before the current one (upstream's rule)."""
    if experiment is None or _phase(experiment) != "Running" or ro.canary is None:
        return []
    status = ro.status.to_dict() if ro.status else {}
    steps = ro.canary.steps or []
    index = status.get("currentStepIndex")
    if current_step(parse_steps([s.to_dict() for s in steps]), index) is None:
        return []
    step = next((s.experiment for s in reversed(steps[: (index or 0) + 1]) if s.experiment is not None), None)
    if step is None:
        return []
    weights = {t.name: t.weight for t in step.templates or [] if t.weight is not None}
    out = []
    for template_status in (experiment.get("status") or {}).get("templateStatuses") or []:
        weight = weights.get(template_status.get("name"))
        if weight is not None:
            out.append(
                WeightDestination(
                    service_name=template_status.get("serviceName"),
                    pod_template_hash=template_status.get("podTemplateHash"),
                    weight=weight,
                )
            )
    return out


def with_experiment_weights(
    status: Mapping[str, Any], destinations: Sequence[WeightDestination]
) -> dict[str, Any]:
    """A copy of the Rollout status whose ``canary.weights`` lists the experiment ``destinations``
    as ``additional`` and gives the stable what remains (upstream's rule: stable = total - canary -
    Σ additional). Without planned weights (no traffic routing) the status is returned as is."""
    out = copy.deepcopy(dict(status))
    weights = (out.get("canary") or {}).get("weights")
    if not isinstance(weights, dict):
        return out
    # idempotent: what earlier destinations took goes back to the stable before the new ones take theirs
    before = sum(
        int(d.get("weight") or 0) for d in weights.pop("additional", None) or [] if isinstance(d, dict)
    )
    taken = sum(d.weight or 0 for d in destinations)
    if destinations:
        weights["additional"] = [d.to_dict() for d in destinations]
    stable = weights.get("stable")
    if isinstance(stable, dict) and before != taken:
        stable["weight"] = max(0, int(stable.get("weight") or 0) + before - taken)
    return out
