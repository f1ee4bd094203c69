"""The objects an Experiment template owns: its ReplicaSet and (when asked) its Service.

The ReplicaSet is named ``<experiment>-<template>``; its pod template is the user's with the
``rollouts-pod-template-hash`` label added (to the pod labels, the selector and the
ReplicaSet's own labels), and the experiment/template names are recorded as annotations —
they, with the controller owner reference, are how a ReplicaSet is matched to its template.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from rollouts.api.common import JSONObject
from rollouts.api.experiment import (
    EXPERIMENT_NAME_ANNOTATION,
    EXPERIMENT_TEMPLATE_NAME_ANNOTATION,
    Experiment,
    TemplateSpec,
)
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL, pod_template_hash
from rollouts.core.replica_sets import ReplicaSetView


class AmbiguousReplicaSets(ValueError):
    """Two owned ReplicaSets claim the same template (upstream refuses to reconcile then)."""


def owner_reference(experiment: Experiment) -> dict[str, Any]:
    """The controller reference every object the Experiment creates carries."""
    return {
        "apiVersion": Experiment.API_VERSION,
        "kind": Experiment.KIND,
        "name": experiment.name,
        "uid": experiment.metadata.uid or "",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def replica_set_name(experiment: Experiment, template: TemplateSpec) -> str:
    return f"{experiment.name}-{template.name}"


def _is_controlled_by(obj: Mapping[str, Any], uid: str) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(isinstance(r, dict) and r.get("controller") and r.get("uid") == uid for r in refs)


def replica_sets_by_template(
    experiment: Experiment, replica_sets: Iterable[Mapping[str, Any]]
) -> dict[str, ReplicaSetView]:
    """Owned ReplicaSets keyed by the template they were made for (templates still in the spec only).

    Raises :class:`AmbiguousReplicaSets` when two claim one template.
    """
    defined = {t.name for t in experiment.spec.templates or []}
    uid = experiment.metadata.uid or ""
    found: dict[str, ReplicaSetView] = {}
    for obj in replica_sets:
        rs = ReplicaSetView(obj)
        if (
            not _is_controlled_by(obj, uid)
            or rs.annotations.get(EXPERIMENT_NAME_ANNOTATION) != experiment.name
        ):
            continue
        template_name = rs.annotations.get(EXPERIMENT_TEMPLATE_NAME_ANNOTATION, "")
        if not template_name:
            continue
        if template_name in found:
            raise AmbiguousReplicaSets(
                f"multiple ReplicaSets match single experiment template: {template_name}"
            )
        if template_name in defined:
            found[template_name] = rs
    return found


def new_replica_set(
    experiment: Experiment, template: TemplateSpec, collision_count: int | None, replicas: int
) -> dict[str, Any]:
    """The ReplicaSet for ``template`` (created at ``replicas``; upstream creates at 0 then scales)."""
    pod_template: JSONObject = copy.deepcopy(template.template or {})
    metadata = pod_template.setdefault("metadata", {})
    labels = dict(metadata.get("labels") or {})
    # A stale hash label copied from elsewhere must not feed into the hash.
    labels.pop(POD_TEMPLATE_HASH_LABEL, None)
    if labels:
        metadata["labels"] = labels
    else:
        metadata.pop("labels", None)
    pod_hash = pod_template_hash(pod_template, collision_count)
    metadata["labels"] = {**labels, POD_TEMPLATE_HASH_LABEL: pod_hash}
    selector = template.selector.to_dict() if template.selector is not None else {}
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), POD_TEMPLATE_HASH_LABEL: pod_hash}
    spec: dict[str, Any] = {"replicas": replicas, "selector": selector, "template": pod_template}
    if template.min_ready_seconds:
        spec["minReadySeconds"] = template.min_ready_seconds
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": replica_set_name(experiment, template),
            "namespace": experiment.namespace,
            "labels": {POD_TEMPLATE_HASH_LABEL: pod_hash},
            "annotations": {
                EXPERIMENT_NAME_ANNOTATION: experiment.name,
                EXPERIMENT_TEMPLATE_NAME_ANNOTATION: template.name or "",
            },
            "ownerReferences": [owner_reference(experiment)],
        },
        "spec": spec,
    }


def service_ports(rs: ReplicaSetView) -> list[dict[str, Any]]:
    """One Service port per container port of the ReplicaSet's pods (target = the same port)."""
    pod_spec = ((rs.obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    ports: list[dict[str, Any]] = []
    for container in pod_spec.get("containers") or []:
        for port in container.get("ports") or []:
            number = port.get("containerPort")
            if not isinstance(number, int):
                continue
            entry: dict[str, Any] = {
                "protocol": port.get("protocol") or "TCP",
                "port": number,
                "targetPort": number,
            }
            if port.get("name"):
                entry["name"] = port["name"]
            ports.append(entry)
    return ports


def new_service(
    experiment: Experiment, template: TemplateSpec, rs: ReplicaSetView, ports: list[dict[str, Any]]
) -> dict[str, Any]:
    """The Service in front of a template's pods: selects the ReplicaSet's labels (hash included)."""
    name = (template.service.name if template.service else None) or rs.name
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": experiment.namespace,
            "annotations": {
                EXPERIMENT_NAME_ANNOTATION: experiment.name,
                EXPERIMENT_TEMPLATE_NAME_ANNOTATION: template.name or "",
            },
            "ownerReferences": [owner_reference(experiment)],
        },
        "spec": {"selector": dict(rs.labels), "ports": ports},
    }
