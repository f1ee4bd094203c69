"""The Experiment's analyses: building each AnalysisRun from its templates, and one analysis' step.

A run is built from an AnalysisTemplate (or a ClusterAnalysisTemplate with ``clusterScope``)
and the templates it nests (``spec.templates``, followed recursively, each used once): metrics
concatenated, template args merged with the caller's args taking precedence, dryRun and
measurementRetention rules from the templates then the experiment. Templates arrive as plain
JSON dicts keyed by name (the reconciler reads them from its caches).

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
from rollouts.core.experiment.actions import Actions, PlannedEvent
from rollouts.core.experiment.args import ArgResolutionError, resolve_args
from rollouts.core.experiment.replica_sets import owner_reference
from rollouts.core.experiment.state import is_terminating
from rollouts.core.replica_sets import ReplicaSetView

#: Label naming the controller instance that owns an object (propagated to created runs).
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"

Templates = Mapping[str, Mapping[str, Any]]


class TemplateNotFound(LookupError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f'{kind.lower()}.argoproj.io "{name}" not found')


def _collect_templates(
    ref_name: str, cluster_scope: bool, templates: Templates, cluster_templates: Templates
) -> list[Mapping[str, Any]]:
    """The referenced template and every template it nests, depth first, each once."""
    out: list[Mapping[str, Any]] = []
    seen: set[tuple[bool, str]] = set()

    def visit(name: str, cluster: bool) -> None:
        if (cluster, name) in seen:
            return
        seen.add((cluster, name))
        source = cluster_templates if cluster else templates
        found = source.get(name)
        if found is None:
            raise TemplateNotFound("ClusterAnalysisTemplate" if cluster else "AnalysisTemplate", name)
        out.append(found)
        for nested in (found.get("spec") or {}).get("templates") or []:
            visit(str(nested.get("templateName") or ""), bool(nested.get("clusterScope")))

    visit(ref_name, cluster_scope)
    return out


def _merge_args(template_args: list[dict[str, Any]], caller_args: list[Argument]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for template_arg in template_args:
        name = str(template_arg.get("name") or "")
        if name in merged and merged[name] != template_arg:
            raise ValueError(f"two templates define the argument '{name}' differently")
        merged[name] = dict(template_arg)
    for arg in caller_args:
        name = arg.name or ""
        entry = merged.setdefault(name, {"name": name})
        if arg.value is not None:
            entry["value"] = arg.value
            entry.pop("valueFrom", None)
        elif arg.value_from is not None:
            entry["valueFrom"] = arg.value_from.to_dict()
            entry.pop("value", None)
    for name, entry in merged.items():
        if "value" not in entry and "valueFrom" not in entry:
            raise ValueError(f"args.{name} was not resolved")
    return list(merged.values())


def new_analysis_run(
    experiment: Experiment,
    analysis: ExperimentAnalysisTemplateRef,
    run_name: str,
    args: list[Argument],
    templates: Templates,
    cluster_templates: Templates,
) -> dict[str, Any]:
    """The AnalysisRun for ``analysis``; raises ValueError/LookupError with upstream-like messages."""
    found = _collect_templates(
        analysis.template_name or "", bool(analysis.cluster_scope), templates, cluster_templates
    )
    metrics: list[Any] = []
    template_args: list[dict[str, Any]] = []
    dry_run: list[Any] = []
    retention: list[Any] = []
    for template in found:
        template_spec = template.get("spec") or {}
        metrics.extend(template_spec.get("metrics") or [])
        template_args.extend(template_spec.get("args") or [])
        dry_run.extend(template_spec.get("dryRun") or [])
        retention.extend(template_spec.get("measurementRetention") or [])
    names = [str(m.get("name")) for m in metrics]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ValueError(f"two metrics have the same name '{duplicate}'")
    dry_run.extend(d.to_dict() for d in experiment.spec.dry_run or [])
    retention.extend(r.to_dict() for r in experiment.spec.measurement_retention or [])

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
    spec: dict[str, Any] = {"metrics": metrics}
    merged_args = _merge_args(template_args, args)
    if merged_args:
        spec["args"] = merged_args
    if dry_run:
        spec["dryRun"] = dry_run
    if retention:
        spec["measurementRetention"] = retention
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
            _collect_templates(
                analysis.template_name or "", bool(analysis.cluster_scope), templates, cluster_templates
            )
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
