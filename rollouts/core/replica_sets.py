"""Typed reading of ReplicaSets, which arrive as plain JSON dicts (as the informers cache them).

Also finds the Rollout's *new* ReplicaSet the way upstream does, so a cluster switched from
upstream's controller is adopted as it stands: first by ``rollouts-pod-template-hash`` label,
then by semantic equality of the pod templates (see :func:`templates_semantically_equal`).
Upstream's second fallback, the hash of a 2018 Kubernetes library, is not implemented: it only
matters for ReplicaSets created by controllers older than Argo Rollouts v0.9.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.core.pod_defaults import with_pod_defaults
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL, pod_template_hash

REVISION_ANNOTATION = "rollout.argoproj.io/revision"
REVISION_HISTORY_ANNOTATION = "rollout.argoproj.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "rollout.argoproj.io/desired-replicas"
EPHEMERAL_METADATA_ANNOTATION = "rollout.argoproj.io/ephemeral-metadata"
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"
#: Upstream's topology key of the injected anti-affinity term.
ANTI_AFFINITY_TOPOLOGY_KEY = "kubernetes.io/hostname"


@dataclass(frozen=True, slots=True)
class ReplicaSetView:
    """Read-only typed access to a ReplicaSet dict. Missing fields read as Kubernetes' zero values."""

    obj: Mapping[str, Any]

    @property
    def metadata(self) -> Mapping[str, Any]:
        return _mapping(self.obj.get("metadata"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def uid(self) -> str:
        return str(self.metadata.get("uid") or "")

    @property
    def labels(self) -> Mapping[str, str]:
        return _mapping(self.metadata.get("labels"))

    @property
    def annotations(self) -> Mapping[str, str]:
        return _mapping(self.metadata.get("annotations"))

    @property
    def creation_timestamp(self) -> str:
        # RFC 3339 in UTC with a Z suffix, so string order is time order.
        return str(self.metadata.get("creationTimestamp") or "")

    @property
    def pod_template_hash(self) -> str:
        return self.labels.get(POD_TEMPLATE_HASH_LABEL, "")

    @property
    def spec_replicas(self) -> int:
        # A ReplicaSet without spec.replicas runs one pod (Kubernetes' default).
        value = _mapping(self.obj.get("spec")).get("replicas")
        return 1 if value is None else int(value)

    def _status_int(self, key: str) -> int:
        return int(_mapping(self.obj.get("status")).get(key) or 0)

    @property
    def replicas(self) -> int:
        return self._status_int("replicas")

    @property
    def ready_replicas(self) -> int:
        return self._status_int("readyReplicas")

    @property
    def available_replicas(self) -> int:
        return self._status_int("availableReplicas")

    @property
    def template(self) -> Mapping[str, Any]:
        return _mapping(_mapping(self.obj.get("spec")).get("template"))

    @property
    def revision(self) -> int:
        """``rollout.argoproj.io/revision``; 0 when missing or malformed."""
        try:
            return int(self.annotations.get(REVISION_ANNOTATION, "0"))
        except ValueError:
            return 0

    @property
    def scale_down_deadline(self) -> str:
        return self.annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION, "")

    @property
    def injected_metadata(self) -> Mapping[str, Any]:
        """Labels/annotations the controller injected into the pod template (ephemeral metadata)."""
        text = self.annotations.get(EPHEMERAL_METADATA_ANNOTATION)
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def by_creation(replica_sets: Iterable[ReplicaSetView]) -> list[ReplicaSetView]:
    """Oldest first. Timestamps have one-second resolution, and a fast rollout creates several
    ReplicaSets within one second: ties go to the lower revision, and only then to the name (the
    tie-break of Kubernetes' controller utilities and upstream, which would call the newer revision
    "older" whenever its name sorts first)."""
    return sorted(replica_sets, key=lambda rs: (rs.creation_timestamp, rs.revision, rs.name))


def _strip_injected(template: Mapping[str, Any], injected: Mapping[str, Any]) -> dict[str, Any]:
    # Upstream removes every key recorded as injected, whatever its value now.
    out: dict[str, Any] = json.loads(json.dumps(template))
    meta = out.setdefault("metadata", {})
    for key in ("labels", "annotations"):
        current = meta.get(key) or {}
        for injected_key in injected.get(key) or {}:
            current.pop(injected_key, None)
        meta[key] = current
    meta.get("labels", {}).pop(POD_TEMPLATE_HASH_LABEL, None)
    return out


def _strip_injected_anti_affinity(template: dict[str, Any]) -> None:
    # The controller adds a preferred or required podAntiAffinity term selecting the stable
    # ReplicaSet's hash; it is not part of what the user wrote.
    affinity = template.get("spec", {}).get("affinity")
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, dict) else None
    if not isinstance(anti, dict):
        return
    for key in (
        "preferredDuringSchedulingIgnoredDuringExecution",
        "requiredDuringSchedulingIgnoredDuringExecution",
    ):
        terms = anti.get(key) or []
        anti[key] = [t for t in terms if not _is_injected_term(t.get("podAffinityTerm", t))]


def _is_injected_term(term: Mapping[str, Any]) -> bool:
    if term.get("topologyKey") != ANTI_AFFINITY_TOPOLOGY_KEY:
        return False
    exprs = _mapping(term.get("labelSelector")).get("matchExpressions") or []
    return any(e.get("key") == POD_TEMPLATE_HASH_LABEL and e.get("operator") == "In" for e in exprs)


def _prune_empty(value: Any) -> Any:
    # Semantic equality treats nil and empty maps/lists alike; drop them on both sides.
    if isinstance(value, Mapping):
        pruned = {k: _prune_empty(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_prune_empty(v) for v in value]
    return value


def templates_semantically_equal(live: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    """Whether a live ReplicaSet's template is the desired one up to what controllers add.

    The live side loses the hash label (done by the caller for injected metadata); the desired
    side gets the API server's pod defaults; the deprecated ``serviceAccount`` alias is ignored on
    both sides (the server copies ``serviceAccountName`` into it).
    """
    live_copy = json.loads(json.dumps(live))
    desired_copy = with_pod_defaults(desired)
    for side in (live_copy, desired_copy):
        side.setdefault("metadata", {}).setdefault("labels", {}).pop(POD_TEMPLATE_HASH_LABEL, None)
        side.setdefault("spec", {}).pop("serviceAccount", None)
        side["metadata"].pop("creationTimestamp", None)
    return bool(_prune_empty(live_copy) == _prune_empty(desired_copy))


def find_new_replica_set(
    template: Mapping[str, Any], collision_count: int | None, replica_sets: Sequence[ReplicaSetView]
) -> ReplicaSetView | None:
    """The ReplicaSet running ``template``: by hash label, else by semantic template equality."""
    ordered = by_creation(replica_sets)
    wanted = pod_template_hash(template, collision_count)
    for rs in ordered:
        if rs.pod_template_hash == wanted:
            return rs
    for rs in ordered:
        live = _strip_injected(rs.template, rs.injected_metadata)
        _strip_injected_anti_affinity(live)
        if templates_semantically_equal(live, template):
            return rs
    return None
