"""The Experiment's analyses: building each AnalysisRun from its templates, and one analysis' step.

A run is built from an AnalysisTemplate (or a ClusterAnalysisTemplate with ``clusterScope``)
and the templates it nests, with the rules every template-built run shares
(:mod:`rollouts.core.analysis_templates`: metrics, args, dryRun and measurementRetention merged
as upstream merges them; the experiment's dryRun/measurementRetention rules first). Templates
arrive as plain JSON dicts keyed by name (the reconciler reads them from its caches). A missing
template reads as the API server's NotFound, as upstream's lister reports it here.

Analysis rules (upstream's): before the experiment is available, only check that the template
exists; once available, create the run (unless terminating); while it runs, copy its phase and
message; when the experiment is terminating, terminate runs that have not completed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.api.analysis import AnalysisPhase, Argument
from rollouts.api.experiment import Experiment, ExperimentAnalysisRunStatus, ExperimentAnalysisTemplateRef
from rollouts.core.analysis_templates import (
    ResolvedTemplates,
    TemplateRef,
    Templates,
    resolve_templates,
    run_spec,
)
from rollouts.core.analysis_templates import TemplateNotFound as SharedTemplateNotFound
from rollouts.core.experiment.actions import Actions, PlannedEvent
from rollouts.core.experiment.args import ArgResolutionError, resolve_args
from rollouts.core.experiment.replica_sets import owner_reference
from rollouts.core.experiment.state import is_terminating
from rollouts.core.replica_sets import ReplicaSetView

#: Label naming the controller instance that owns an object (propagated to created runs).
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


class TemplateNotFound(LookupError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f'{kind.lower()}.argoproj.io "{name}" not found')


def _resolve(
    ref_name: str, cluster_scope: bool, templates: Templates, cluster_templates: Templates
) -> ResolvedTemplates:
    """The referenced template and every template it nests (shared rules: core.analysis_templates)."""
    try:
        return resolve_templates([TemplateRef(ref_name, cluster_scope)], templates, cluster_templates)
    except SharedTemplateNotFound as err:
        raise TemplateNotFound(err.kind, err.name) from None


def new_analysis_run(
    experiment: Experiment,
    analysis: ExperimentAnalysisTemplateRef,
    run_name: str,
    args: list[Argument],
    templates: Templates,
    cluster_templates: Templates,
) -> dict[str, Any]:
    """The AnalysisRun for ``analysis``; raises ValueError/LookupError with upstream-like messages."""
    resolved = _resolve(
        analysis.template_name or "", bool(analysis.cluster_scope), templates, cluster_templates
    )
    spec = run_spec(
        resolved,
        [a.to_dict() for a in args],
        [d.to_dict() for d in experiment.spec.dry_run or []],
        [r.to_dict() for r in experiment.spec.measurement_retention or []],
    )

    labels: dict[str, str] = {}
    instance_id = (experiment.metadata.labels or {}).get(INSTANCE_ID_LABEL)
    if instance_id:
        labels[INSTANCE_ID_LABEL] = instance_id
    annotations: dict[str, str] = {}
    run_metadata = experiment.spec.analysis_run_metadata
    if run_metadata is not None:
        labels.update(run_metadata.labels or {})
        annotations.update(run_metadata.annotations or {})
    metadata: dict[str, Any] = {
        "name": run_name,
        "namespace": experiment.namespace,
        "ownerReferences": [owner_reference(experiment)],
    }
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": Experiment.API_VERSION, "kind": "AnalysisRun", "metadata": metadata, "spec": spec}


def _is_ours(run: Mapping[str, Any], experiment: Experiment) -> bool:
    refs = (run.get("metadata") or {}).get("ownerReferences") or []
    return any(r.get("controller") and r.get("uid") == experiment.metadata.uid for r in refs)


def free_run_name(experiment: Experiment, analysis_name: str, runs: Mapping[str, Mapping[str, Any]]) -> str:
    """``<experiment>-<analysis>``, or the first ``.<n>`` suffix not taken by another owner's run.

    A run of that name already ours is reused (our own create seen through a lagging cache).
    """
    base = f"{experiment.name}-{analysis_name}"
    candidate, n = base, 0
    while candidate in runs and not _is_ours(runs[candidate], experiment):
        n += 1
        candidate = f"{base}.{n}"
    return candidate


@dataclass(frozen=True, slots=True)
class AnalysisWorld:
    """What every analysis of one pass reads, and where its actions go."""

    experiment: Experiment
    replica_sets: Mapping[str, ReplicaSetView]
    runs: Mapping[str, Mapping[str, Any]]
    templates: Templates
    cluster_templates: Templates
    actions: Actions


def reconcile_analysis(
    world: AnalysisWorld, analysis: ExperimentAnalysisTemplateRef
) -> ExperimentAnalysisRunStatus:
    """Plan one analysis into ``world.actions``; return its new status entry."""
    name = analysis.name or ""
    old = world.experiment.status
    previous = next((r for r in (old.analysis_runs if old else None) or [] if r.name == name), None)
    prev = previous or ExperimentAnalysisRunStatus(name=name)
    new = prev.model_copy(deep=True)
    _step(world, analysis, prev, new)
    if new.phase and new.phase != prev.phase:
        text = f"AnalysisRun '{name}' transitioned from {prev.phase or ''} -> {new.phase}"
        if new.message:
            text += ": " + new.message
        bad = new.phase in (AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE)
        world.actions.events.append(
            PlannedEvent("Warning" if bad else "Normal", f"AnalysisRun{new.phase}", text)
        )
    return new


def _step(
    world: AnalysisWorld,
    analysis: ExperimentAnalysisTemplateRef,
    prev: ExperimentAnalysisRunStatus,
    new: ExperimentAnalysisRunStatus,
) -> None:
    experiment, actions, runs = world.experiment, world.actions, world.runs
    templates, cluster_templates = world.templates, world.cluster_templates
    old = experiment.status
    name = analysis.name or ""
    if old is None or not old.available_at:
        try:
            _resolve(analysis.template_name or "", bool(analysis.cluster_scope), templates, cluster_templates)
        except LookupError as err:
            kind = "ClusterAnalysisTemplate" if analysis.cluster_scope else "AnalysisTemplate"
            new.phase = AnalysisPhase.ERROR
            new.message = f"{kind} verification failed for analysis '{name}': {_text(err)}"
        return
    terminating = is_terminating(experiment, old)
    if not prev.analysis_run:
        if terminating:
            return
        run_name = free_run_name(experiment, name, runs)
        try:
            args = resolve_args(analysis.args or [], world.replica_sets, available_at=old.available_at)
            run = new_analysis_run(experiment, analysis, run_name, args, templates, cluster_templates)
        except (ArgResolutionError, ValueError, LookupError) as err:
            new.phase = AnalysisPhase.ERROR
            new.message = f"Failed to create AnalysisRun for analysis '{name}': {_text(err)}"
            return
        if run_name not in runs:
            actions.create_analysis_runs.append(run)
        new.phase = AnalysisPhase.PENDING
        new.analysis_run = run_name
        return
    if AnalysisPhase.is_completed(prev.phase):
        return
    found = runs.get(prev.analysis_run)
    if found is None:
        new.phase = AnalysisPhase.ERROR
        new.message = f'analysisrun.argoproj.io "{prev.analysis_run}" not found'
        return
    run_phase = (found.get("status") or {}).get("phase")
    if terminating:
        if not AnalysisPhase.is_completed(run_phase) and not (found.get("spec") or {}).get("terminate"):
            actions.terminate_analysis_runs.append(prev.analysis_run)
            actions.events.append(
                PlannedEvent("Normal", "AnalysisRunTerminating", f"Terminating {name} ({prev.analysis_run})")
            )
        return
    new.phase = run_phase
    new.message = (found.get("status") or {}).get("message")


def _text(err: BaseException) -> str:
    # LookupError's str() quotes its argument; the message itself is what upstream shows.
    return str(err.args[0]) if err.args else type(err).__name__
