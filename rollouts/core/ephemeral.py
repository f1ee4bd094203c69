"""Ephemeral pod metadata: labels/annotations injected into a ReplicaSet's pod template for the
role it currently plays (canaryMetadata/stableMetadata, previewMetadata/activeMetadata).

What was injected is recorded on the ReplicaSet in ``rollout.argoproj.io/ephemeral-metadata`` (the
JSON of the injected ``{labels, annotations}``), so that only those keys are ever removed again —
metadata other controllers add (sidecar injectors, ...) is never touched. The pure functions here
compute the new template metadata; the plan carries it as a :class:`TemplateMetadataChange`.
Pods already running are relabelled by the reconciler, outside the core.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.core.pod_hash import go_json_string
from rollouts.core.replica_sets import ReplicaSetView

PodMetadata = Mapping[str, Mapping[str, str]]  # {"labels": {...}, "annotations": {...}}


def sync_pod_metadata(
    metadata: Mapping[str, Any], existing: PodMetadata | None, desired: PodMetadata | None
) -> tuple[dict[str, Any], bool]:
    """(new template metadata, modified): add ``desired``, drop previously injected keys no longer desired."""
    out: dict[str, Any] = copy.deepcopy(dict(metadata))
    modified = False
    for key in ("annotations", "labels"):
        wanted = dict((desired or {}).get(key) or {})
        current = dict(out.get(key) or {})
        for name, value in wanted.items():
            if current.get(name) != value:
                current[name] = value
                modified = True
        for name in (existing or {}).get(key) or {}:
            if name not in wanted and name in current:
                del current[name]
                modified = True
        if current or key in out:
            out[key] = current
    return out, modified


def metadata_annotation(desired: PodMetadata) -> str:
    """The annotation value, as Go marshals ``PodTemplateMetadata`` (labels first, sorted keys)."""
    parts = []
    for key in ("labels", "annotations"):
        values = desired.get(key) or {}
        if values:
            body = ",".join(f"{go_json_string(k)}:{go_json_string(v)}" for k, v in sorted(values.items()))
            parts.append(f'"{key}":{{{body}}}')
    return "{" + ",".join(parts) + "}"


@dataclass(frozen=True, slots=True)
class TemplateMetadataChange:
    """Replace ``spec.template.metadata`` of ReplicaSet ``name`` and set (or, if None, remove) its
    ``rollout.argoproj.io/ephemeral-metadata`` annotation."""

    name: str
    template_metadata: dict[str, Any]
    ephemeral_annotation: str | None


def replica_set_metadata_change(
    rs: ReplicaSetView, desired: PodMetadata | None
) -> TemplateMetadataChange | None:
    """The change that gives ``rs`` exactly the ``desired`` ephemeral metadata, or None if it has it."""
    existing = rs.injected_metadata or None
    new_meta, modified = sync_pod_metadata(rs.template.get("metadata") or {}, existing, desired)
    if not modified:
        return None
    annotation = metadata_annotation(desired) if desired else None
    return TemplateMetadataChange(rs.name, new_meta, annotation)
