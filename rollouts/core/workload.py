"""``spec.workloadRef``: a Rollout whose pod template (and selector) live in a Deployment.

The referenced object is an input: its ``spec.template`` and ``spec.selector`` stand in for the
Rollout's own on every pass (:func:`with_workload_template`). The informer layer records the
referenced object's ``metadata.generation`` in the Rollout annotation
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


def with_workload_template(ro: Rollout, workload: Mapping[str, Any] | None) -> Rollout:
    """The Rollout with the referenced object's template and selector; unchanged without a workloadRef.

    Raises ValueError when the Rollout has a workloadRef but ``workload`` is missing or has no
    template (the reconciler reports it as InvalidSpec).
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
    if isinstance(spec.get("selector"), Mapping):
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
