"""The AnalysisRun a Rollout creates: its name, labels, annotations, owner and spec.

* Name: ``<rollout>-<podHash>-<revision>`` plus ``-<stepIndex>`` (a step), ``-pre`` / ``-post``
  (blue-green); the background run has no suffix. The revision is the Rollout's
  ``rollout.argoproj.io/revision`` annotation.
* Labels: ``rollouts-pod-template-hash`` (the new ReplicaSet's hash), ``rollout-type``
  (Step / Background / PrePromotion / PostPromotion), ``step-index`` for a step run, the
  controller instance id when the Rollout has one, then ``analysisRunMetadata.labels``, then the
  Rollout's ``selector.matchLabels`` (which win).
* Annotations: ``rollout.argoproj.io/revision``, then ``analysisRunMetadata.annotations``.
* A controller ownerReference to the Rollout.
* Spec: :func:`rollouts.core.analysis_templates.run_spec` of the referenced templates, with the
  Rollout's args (:mod:`.args`), dryRun and measurementRetention.

Name collisions (upstream's): when a run of the wanted name exists, it is reused if it is ours,
not completed and semantically equal (same metrics, args, dryRun, measurementRetention: our own
create seen late); otherwise the next name ``<name>.1``, ``<name>.2``… is tried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rollouts.api.analysis import AnalysisPhase
from rollouts.api.rollout import Rollout
from rollouts.api.steps import RolloutAnalysis
from rollouts.core.analysis_templates import ResolvedTemplates, TemplateRef, run_spec
from rollouts.core.ownership import rollout_owner_reference
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL
from rollouts.core.replica_sets import REVISION_ANNOTATION
from rollouts.core.rollout_analysis.args import rollout_run_args

ROLLOUT_TYPE_LABEL = "rollout-type"
STEP_INDEX_LABEL = "step-index"
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


class RunKind(StrEnum):
    """Why a Rollout runs an analysis; the value is the ``rollout-type`` label."""

    STEP = "Step"
    BACKGROUND = "Background"
    PRE_PROMOTION = "PrePromotion"
    POST_PROMOTION = "PostPromotion"


@dataclass(frozen=True, slots=True)
class RunPurpose:
    """One analysis the Rollout wants now: what kind, its spec, and for a step its index."""

    kind: RunKind
    analysis: RolloutAnalysis
    step_index: int | None = None

    @property
    def infix(self) -> str:
        if self.kind is RunKind.STEP:
            return str(self.step_index)
        return {RunKind.PRE_PROMOTION: "pre", RunKind.POST_PROMOTION: "post"}.get(self.kind, "")

    def template_refs(self) -> list[TemplateRef]:
        return template_refs(self.analysis)


def template_refs(analysis: RolloutAnalysis) -> list[TemplateRef]:
    return [TemplateRef(t.template_name or "", bool(t.cluster_scope)) for t in analysis.templates or []]


def run_name(ro: Rollout, purpose: RunPurpose, pod_hash: str) -> str:
    revision = (ro.metadata.annotations or {}).get(REVISION_ANNOTATION, "")
    parts = [ro.name, pod_hash, revision]
    if purpose.infix:
        parts.append(purpose.infix)
    return "-".join(parts)


def run_labels(ro: Rollout, purpose: RunPurpose, pod_hash: str) -> dict[str, str]:
    labels = {POD_TEMPLATE_HASH_LABEL: pod_hash, ROLLOUT_TYPE_LABEL: purpose.kind.value}
    if purpose.kind is RunKind.STEP:
        labels[STEP_INDEX_LABEL] = str(purpose.step_index)
    instance_id = (ro.metadata.labels or {}).get(INSTANCE_ID_LABEL)
    if instance_id:
        labels[INSTANCE_ID_LABEL] = instance_id
    metadata = purpose.analysis.analysis_run_metadata
    labels.update((metadata.labels if metadata else None) or {})
    labels.update((ro.spec.selector.match_labels if ro.spec.selector else None) or {})
    return labels


def new_run(
    ro: Rollout,
    rollout_json: Mapping[str, Any],
    purpose: RunPurpose,
    templates: ResolvedTemplates,
    *,
    new_hash: str,
    stable_hash: str,
) -> dict[str, Any]:
    """The AnalysisRun manifest for ``purpose``; raises ValueError (args, template merging)."""
    analysis = purpose.analysis
    args = rollout_run_args(analysis.args or [], rollout_json, new_hash=new_hash, stable_hash=stable_hash)
    spec = run_spec(
        templates,
        args,
        [d.to_dict() for d in analysis.dry_run or []],
        [r.to_dict() for r in analysis.measurement_retention or []],
    )
    annotations = {REVISION_ANNOTATION: (ro.metadata.annotations or {}).get(REVISION_ANNOTATION, "")}
    metadata = analysis.analysis_run_metadata
    annotations.update((metadata.annotations if metadata else None) or {})
    return {
        "apiVersion": Rollout.API_VERSION,
        "kind": "AnalysisRun",
        "metadata": {
            "name": run_name(ro, purpose, new_hash),
            "namespace": ro.namespace,
            "labels": run_labels(ro, purpose, new_hash),
            "annotations": annotations,
            "ownerReferences": [rollout_owner_reference(ro)],
        },
        "spec": spec,
    }


def controller_uid(obj: Mapping[str, Any]) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if isinstance(ref, Mapping) and ref.get("controller"):
            return str(ref.get("uid") or "")
    return None


def _semantic(spec: Mapping[str, Any]) -> str:
    keys = ("metrics", "dryRun", "measurementRetention", "args")
    return json.dumps({k: spec.get(k) or None for k in keys}, sort_keys=True)


def reusable(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether ``existing`` (found under ``wanted``'s name) is our own run for the same purpose."""
    return (
        not AnalysisPhase.is_completed((existing.get("status") or {}).get("phase"))
        and _semantic(existing.get("spec") or {}) == _semantic(wanted.get("spec") or {})
        and controller_uid(existing) == controller_uid(wanted)
    )


def candidate_names(base: str) -> Iterator[str]:
    """``base``, then ``base.1``, ``base.2``, … (upstream's collision counter)."""
    yield base
    n = 1
    while True:
        yield f"{base}.{n}"
        n += 1


def with_name(run: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {**run, "metadata": {**(run.get("metadata") or {}), "name": name}}
