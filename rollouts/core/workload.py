"""``spec.workloadRef``: a Rollout whose pod template (and selector) live in a Deployment.

The referenced object is an input: its ``spec.template`` (and its ``spec.selector`` when the
Rollout has none) stand in for the Rollout's own on every pass (:func:`with_workload_template`).
Before that, :func:`workload_ref_error` says why a reference cannot be resolved, in upstream's
words (they become the whole detail of the InvalidSpec condition, without a field path): a
template written next to the reference, a kind other than ``apps/v1`` Deployment, or a missing
object (the lister's NotFound text, ``deployments.apps "<name>" not found``). Upstream also
resolves ``apps`` ReplicaSets and ``v1`` PodTemplates; we report those as not supported yet.

The reconciler records the referenced object's ``metadata.generation`` in the Rollout annotation
``rollout.argoproj.io/workload-generation``; the status echoes it as
``workloadObservedGeneration`` (:func:`workload_observed_generation`).

Migrating from a Deployment (``workloadRef.scaleDown``), only for the Rollout's first revision:

* ``never`` (or unset): the Deployment is left alone;
* ``onsuccess``: once the Rollout is Healthy, the Deployment is scaled to 0;
* ``progressively``: Healthy -> 0; before that the Deployment shrinks as the Rollout's pods
  become ready (``spec.replicas - status.readyReplicas``), so the two together keep capacity.

Phase and ready counts are those of the *stored* status, as upstream reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollouts.api.rollout import Rollout

WORKLOAD_GENERATION_ANNOTATION = "rollout.argoproj.io/workload-generation"
SCALE_DOWN_NEVER = "never"
SCALE_DOWN_ON_SUCCESS = "onsuccess"
SCALE_DOWN_PROGRESSIVELY = "progressively"
TEMPLATE_WITH_WORKLOAD_REF = "template must be empty for workload reference rollout"

#: group/kind -> the resource as an API NotFound error names it (``<plural>.<group>``).
_SUPPORTED_KINDS = {("apps", "Deployment"): "deployments.apps"}


def _is_empty(value: Any) -> bool:
    """True for None and for maps/lists holding only empty values (upstream's EmptyTemplate)."""
    if isinstance(value, Mapping):
        return all(_is_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_is_empty(v) for v in value)
    return value is None or value == ""


def workload_ref_error(ro: Rollout, workload: Mapping[str, Any] | None) -> str | None:
    """Why ``spec.workloadRef`` cannot be resolved against ``workload`` (None: it can, or there
    is no reference). ``ro`` is the Rollout as stored, before :func:`with_workload_template`."""
    ref = ro.spec.workload_ref
    if ref is None:
        return None
    if not _is_empty(ro.spec.template):
        return TEMPLATE_WITH_WORKLOAD_REF
    group = (ref.api_version or "").rpartition("/")[0] if "/" in (ref.api_version or "") else ""
    kind = ref.kind or ""
    resource = _SUPPORTED_KINDS.get((group, kind))
    if resource is None:
        return f"workload of type {group}/{kind} is not supported"
    if workload is None:
        return f'{resource} "{ref.name or ""}" not found'
    if not isinstance((workload.get("spec") or {}).get("template"), Mapping):
        return f'{resource} "{ref.name or ""}" has no pod template'
    return None


def with_workload_template(ro: Rollout, workload: Mapping[str, Any] | None) -> Rollout:
    """The Rollout with the referenced object's template and selector; unchanged without a workloadRef.

    Raises ValueError when the Rollout has a workloadRef but ``workload`` is missing or has no
    template (callers check :func:`workload_ref_error` first and report it as InvalidSpec).
    """
    ref = ro.spec.workload_ref
    if ref is None:
        return ro
    kind, name = ref.kind or "Deployment", ref.name or ""
    if workload is None:
        raise ValueError(f"workloadRef {kind} {name!r} not found")
    spec = workload.get("spec") or {}
    template = spec.get("template")
    if not isinstance(template, Mapping):
        raise ValueError(f"workloadRef {kind} {name!r} has no pod template")
    doc = ro.to_dict()
    doc["spec"]["template"] = dict(template)
    # upstream keeps a selector written on the Rollout; only a missing one comes from the workload
    if doc["spec"].get("selector") is None and isinstance(spec.get("selector"), Mapping):
        doc["spec"]["selector"] = dict(spec["selector"])
    return Rollout.from_dict(doc)


def workload_observed_generation(ro: Rollout) -> str | None:
    """``status.workloadObservedGeneration``: the recorded generation (None: no workloadRef, remove it)."""
    if ro.spec.workload_ref is None:
        return None
    text = (ro.metadata.annotations or {}).get(WORKLOAD_GENERATION_ANNOTATION, "")
    return str(int(text)) if text.strip().lstrip("-").isdigit() else "0"


def deployment_replicas(
    ro: Rollout,
    workload: Mapping[str, Any] | None,
    *,
    revision: int,
    new_spec_before: int,
    new_spec_after: int,
) -> int | None:
    """The ``spec.replicas`` to give the referenced Deployment in this pass, or None to leave it."""
    ref = ro.spec.workload_ref
    if ref is None or workload is None or revision != 1:
        return None
    mode = (ref.scale_down or SCALE_DOWN_NEVER).lower()
    stored = ro.status
    healthy = stored is not None and stored.phase == "Healthy"
    target: int | None = None
    if mode in (SCALE_DOWN_ON_SUCCESS, SCALE_DOWN_PROGRESSIVELY) and healthy:
        target = 0
    elif mode == SCALE_DOWN_PROGRESSIVELY and ro.spec.replicas is not None:
        ready = (stored.ready_replicas if stored is not None else None) or 0
        if ready > 0 or new_spec_before > new_spec_after:
            target = max(0, ro.spec.replicas - ready)
    current = (workload.get("spec") or {}).get("replicas")
    current = 1 if current is None else int(current)
    return None if target is None or target == current else target
