"""The Experiment a Rollout's canary ``experiment`` step creates (for the Rollout reconciler).

Name ``<rollout>-<podHash>-<revision>-<stepIndex>``; labels: the Rollout's, plus
``rollouts-pod-template-hash`` (and the controller instance id when the Rollout has one);
annotation ``rollout.argoproj.io/revision``; controlled by the Rollout. Each template copies the
pod template, minReadySeconds and (unless given) selector of the canary (``specRef: canary``,
the new ReplicaSet) or the stable ReplicaSet; the step's ``metadata`` labels are added to the
pod labels and to the selector, its annotations to the pod annotations. ``weight`` or
``service`` asks for a Service. The experiment inherits ``progressDeadlineSeconds`` from the
Rollout. Analysis args are resolved here: ``podTemplateHashValue`` (Stable/Latest) and
``fieldRef`` on the Rollout.

Whether the step is done is decided by the Rollout planner from the Experiment's phase
(:class:`rollouts.core.plan.StepOutcome`); :func:`step_outcome_phase` reads it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from rollouts.api.experiment import Experiment
from rollouts.api.steps import AnalysisRunArgument, RolloutExperimentStep
from rollouts.core.experiment.analysis_runs import INSTANCE_ID_LABEL
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL
from rollouts.core.replica_sets import REVISION_ANNOTATION

CANARY_SPEC_REF = "canary"
STABLE_SPEC_REF = "stable"

_LABEL_PATH = re.compile(r"metadata\.(labels|annotations)\['([^']*)'\]$")


class ExperimentStepError(ValueError):
    """The step cannot be turned into an Experiment (upstream's message where it has one)."""


def experiment_name(rollout_name: str, pod_hash: str, revision: str, step_index: int) -> str:
    return f"{rollout_name}-{pod_hash}-{revision}-{step_index}"


def _owner(rollout: Mapping[str, Any]) -> dict[str, Any]:
    meta = rollout.get("metadata") or {}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": meta.get("name"),
        "uid": meta.get("uid"),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def field_value(rollout: Mapping[str, Any], path: str) -> str:
    """A ``fieldRef.fieldPath`` on the Rollout: ``metadata.labels['k']``, ``metadata.annotations['k']``
    or a dotted path to a scalar (``metadata.name``, ``spec.replicas``)."""
    labelled = _LABEL_PATH.match(path)
    if labelled is not None:
        found = ((rollout.get("metadata") or {}).get(labelled.group(1)) or {}).get(labelled.group(2))
        if found is None:
            raise ExperimentStepError(f"failed to resolve fieldPath {path}")
        return str(found)
    node: Any = rollout
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ExperimentStepError(f"failed to resolve fieldPath {path}")
        node = node[part]
    if isinstance(node, Mapping | list):
        raise ExperimentStepError(f"fieldPath {path} is not a scalar")
    return str(node).lower() if isinstance(node, bool) else str(node)


def resolve_step_args(
    args: list[AnalysisRunArgument], rollout: Mapping[str, Any], stable_hash: str, canary_hash: str
) -> list[dict[str, Any]]:
    """The analysis args as the Experiment carries them (values resolved where the Rollout can)."""
    out: list[dict[str, Any]] = []
    for arg in args:
        entry: dict[str, Any] = {"name": arg.name or ""}
        source = arg.value_from
        if arg.value is not None:
            entry["value"] = arg.value
        elif source is not None and source.pod_template_hash_value is not None:
            choice = source.pod_template_hash_value
            if choice not in ("Stable", "Latest"):
                raise ExperimentStepError(f"podTemplateHashValue must be Stable or Latest, not {choice!r}")
            entry["value"] = stable_hash if choice == "Stable" else canary_hash
        elif source is not None and source.field_ref is not None:
            entry["value"] = field_value(rollout, source.field_ref.field_path or "")
        # neither: the arg stays without a value, and the AnalysisTemplate must supply one
        out.append(entry)
    return out


def experiment_for_step(
    rollout: Mapping[str, Any],
    step: RolloutExperimentStep,
    *,
    step_index: int,
    pod_hash: str,
    new_rs: Mapping[str, Any],
    stable_rs: Mapping[str, Any],
) -> dict[str, Any]:
    """The Experiment manifest for the Rollout's current ``experiment`` step.

    ``pod_hash`` is the Rollout's current pod template hash; ``new_rs``/``stable_rs`` the canary
    and stable ReplicaSets (upstream creates no experiment before the stable one exists).
    """
    meta = rollout.get("metadata") or {}
    revision = str((meta.get("annotations") or {}).get(REVISION_ANNOTATION, ""))
    labels = {**(meta.get("labels") or {}), POD_TEMPLATE_HASH_LABEL: pod_hash}
    instance_id = (meta.get("labels") or {}).get(INSTANCE_ID_LABEL)
    if instance_id:
        labels[INSTANCE_ID_LABEL] = instance_id
    spec: dict[str, Any] = {"templates": [_template(t, new_rs, stable_rs) for t in step.templates or []]}
    if step.duration is not None:
        spec["duration"] = step.duration
    deadline = (rollout.get("spec") or {}).get("progressDeadlineSeconds")
    if deadline is not None:
        spec["progressDeadlineSeconds"] = deadline
    if step.dry_run:
        spec["dryRun"] = [d.to_dict() for d in step.dry_run]
    if step.analysis_run_metadata is not None:
        spec["analysisRunMetadata"] = step.analysis_run_metadata.to_dict()
    if step.scale_down_delay_seconds is not None:
        spec["scaleDownDelaySeconds"] = step.scale_down_delay_seconds
    stable_hash = _hash_of(stable_rs)
    canary_hash = _hash_of(new_rs)
    analyses = []
    for analysis in step.analyses or []:
        entry: dict[str, Any] = {"name": analysis.name, "templateName": analysis.template_name}
        if analysis.cluster_scope:
            entry["clusterScope"] = True
        args = resolve_step_args(analysis.args or [], rollout, stable_hash, canary_hash)
        if args:
            entry["args"] = args
        if analysis.required_for_completion:
            entry["requiredForCompletion"] = True
        analyses.append(entry)
    if analyses:
        spec["analyses"] = analyses
    return {
        "apiVersion": Experiment.API_VERSION,
        "kind": Experiment.KIND,
        "metadata": {
            "name": experiment_name(str(meta.get("name") or ""), pod_hash, revision, step_index),
            "namespace": meta.get("namespace"),
            "labels": labels,
            "annotations": {REVISION_ANNOTATION: revision},
            "ownerReferences": [_owner(rollout)],
        },
        "spec": spec,
    }


def _hash_of(rs: Mapping[str, Any]) -> str:
    return str(((rs.get("metadata") or {}).get("labels") or {}).get(POD_TEMPLATE_HASH_LABEL, ""))


def _template(step_template: Any, new_rs: Mapping[str, Any], stable_rs: Mapping[str, Any]) -> dict[str, Any]:
    if step_template.spec_ref == CANARY_SPEC_REF:
        source = new_rs
    elif step_template.spec_ref == STABLE_SPEC_REF:
        source = stable_rs
    else:
        raise ExperimentStepError("Invalid template step SpecRef: must be canary or stable")
    rs_spec = source.get("spec") or {}
    pod_template = copy.deepcopy(rs_spec.get("template") or {})
    if step_template.selector is not None:
        selector = step_template.selector.to_dict()
    else:
        selector = copy.deepcopy(rs_spec.get("selector") or {})
    metadata = step_template.metadata
    if metadata is not None and metadata.labels:
        pod_meta = pod_template.setdefault("metadata", {})
        pod_meta["labels"] = {**(pod_meta.get("labels") or {}), **metadata.labels}
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), **metadata.labels}
    if metadata is not None and metadata.annotations:
        pod_meta = pod_template.setdefault("metadata", {})
        pod_meta["annotations"] = {**(pod_meta.get("annotations") or {}), **metadata.annotations}
    template: dict[str, Any] = {"name": step_template.name, "selector": selector, "template": pod_template}
    if step_template.replicas is not None:
        template["replicas"] = step_template.replicas
    if rs_spec.get("minReadySeconds"):
        template["minReadySeconds"] = rs_spec["minReadySeconds"]
    if step_template.weight is not None or step_template.service is not None:
        name = step_template.service.name if step_template.service is not None else None
        template["service"] = {"name": name} if name else {}
    return template


def step_outcome_phase(experiment: Mapping[str, Any]) -> tuple[str, str]:
    """(phase, message) of an Experiment for the Rollout planner's step outcome ("" while unset)."""
    status = experiment.get("status") or {}
    return str(status.get("phase") or ""), str(status.get("message") or "")
