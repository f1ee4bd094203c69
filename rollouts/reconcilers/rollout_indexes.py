"""Which Rollout an object concerns: the index functions and owner lookups the handlers use.

A Rollout names its Services (active/preview, canary/stable, ping/pong), its workloadRef
Deployment and its analysis templates; the Rollout cache is indexed by those names
(``namespace/name`` values; ``/name`` for a ClusterAnalysisTemplate) so that a change to one of
them finds the Rollouts referring to it without a scan (templates nested in templates are not
followed: a Rollout waiting for one of those looks again with the InvalidSpec recheck). ReplicaSets,
AnalysisRuns and Experiments point the other way, through their controller ownerReference.

All functions take the cached JSON and never raise on malformed input (a bad object indexes to
nothing): an index function that raises would break the informer for every object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BY_SERVICE = "rollouts-by-service"
BY_WORKLOAD_REF = "rollouts-by-workload-ref"
BY_ANALYSIS_TEMPLATE = "rollouts-by-analysis-template"

#: (strategy, field) pairs naming Services; ping/pong live one level deeper.
_SERVICE_FIELDS = (
    ("blueGreen", "activeService"),
    ("blueGreen", "previewService"),
    ("canary", "canaryService"),
    ("canary", "stableService"),
)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _namespace(obj: Mapping[str, Any]) -> str:
    return str(_mapping(obj.get("metadata")).get("namespace") or "")


def referenced_service_names(rollout: Mapping[str, Any]) -> list[str]:
    """The Service names a Rollout refers to, in a stable order, without duplicates."""
    strategy = _mapping(_mapping(rollout.get("spec")).get("strategy"))
    names: list[str] = []
    for kind, field in _SERVICE_FIELDS:
        value = _mapping(strategy.get(kind)).get(field)
        if isinstance(value, str) and value:
            names.append(value)
    ping_pong = _mapping(_mapping(strategy.get("canary")).get("pingPong"))
    for field in ("pingService", "pongService"):
        value = ping_pong.get(field)
        if isinstance(value, str) and value:
            names.append(value)
    return list(dict.fromkeys(names))


def rollouts_by_service(rollout: dict[str, Any]) -> list[str]:
    namespace = _namespace(rollout)
    return [f"{namespace}/{name}" for name in referenced_service_names(rollout)]


def rollouts_by_workload_ref(rollout: dict[str, Any]) -> list[str]:
    ref = _mapping(_mapping(rollout.get("spec")).get("workloadRef"))
    name = ref.get("name")
    if ref.get("kind", "Deployment") != "Deployment" or not isinstance(name, str) or not name:
        return []
    return [f"{_namespace(rollout)}/{name}"]


def _analyses(strategy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    canary, blue_green = _mapping(strategy.get("canary")), _mapping(strategy.get("blueGreen"))
    found = [_mapping(_mapping(step).get("analysis")) for step in canary.get("steps") or ()]
    found.append(_mapping(canary.get("analysis")))
    found += [_mapping(blue_green.get(k)) for k in ("prePromotionAnalysis", "postPromotionAnalysis")]
    return found


def rollouts_by_analysis_template(rollout: dict[str, Any]) -> list[str]:
    """``namespace/name`` of each AnalysisTemplate, ``/name`` of each ClusterAnalysisTemplate the
    Rollout's analyses name directly."""
    strategy = _mapping(_mapping(rollout.get("spec")).get("strategy"))
    keys: list[str] = []
    for analysis in _analyses(strategy):
        for ref in analysis.get("templates") or ():
            name = _mapping(ref).get("templateName")
            if isinstance(name, str) and name:
                scope = "" if _mapping(ref).get("clusterScope") else _namespace(rollout)
                keys.append(f"{scope}/{name}")
    return list(dict.fromkeys(keys))


def controller_rollout_key(obj: Mapping[str, Any]) -> str | None:
    """``namespace/name`` of the Rollout controlling ``obj`` (a controller ownerReference), if any."""
    for ref in _mapping(obj.get("metadata")).get("ownerReferences") or ():
        if (
            isinstance(ref, Mapping)
            and ref.get("controller")
            and ref.get("kind") == "Rollout"
            and str(ref.get("apiVersion", "")).startswith("argoproj.io/")
            and isinstance(ref.get("name"), str)
        ):
            return f"{_namespace(obj)}/{ref['name']}"
    return None


def object_index_value(obj: Mapping[str, Any]) -> str:
    """``namespace/name`` of any namespaced object (the value the reference indexes hold)."""
    return f"{_namespace(obj)}/{_mapping(obj.get('metadata')).get('name') or ''}"
