"""Anti-affinity injection (``strategy.{canary,blueGreen}.antiAffinity``), upstream's rules re-expressed.

While an update is in progress (a stable ReplicaSet exists and is not the current template's),
the new ReplicaSet's pod template gets one more podAntiAffinity term: pods labelled with the
stable hash (``rollouts-pod-template-hash In [stableRS]``, the Rollout's namespace, topology
``kubernetes.io/hostname``), so new pods prefer -- or, with the ``required`` form, must use --
nodes without stable pods. The preferred form carries the user's weight. The user's own affinity
is kept; the term is appended to it.

The injected term is never part of the pod-template hash (the hash is of ``spec.template`` as
written) and is ignored when matching ReplicaSets to templates
(:func:`rollouts.core.replica_sets.find_new_replica_set`). When the stable ReplicaSet changes
during an update, an existing new ReplicaSet's term is rewritten to the new stable hash. A
completed Rollout leaves the term in place (upstream does not remove it).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rollouts.api.rollout import AntiAffinity, Rollout
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL
from rollouts.core.replica_sets import ANTI_AFFINITY_TOPOLOGY_KEY

PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"


def rollout_anti_affinity(ro: Rollout) -> AntiAffinity | None:
    """The configured anti-affinity, or None when absent or empty (canary's wins over blue-green's)."""
    chosen = None
    for strategy in (ro.blue_green, ro.canary):
        if strategy is not None and strategy.anti_affinity is not None:
            chosen = strategy.anti_affinity
    if chosen is None:
        return None
    preferred = chosen.preferred_during_scheduling_ignored_during_execution
    required = chosen.required_during_scheduling_ignored_during_execution
    return chosen if preferred is not None or required is not None else None


def injected_term(namespace: str, stable_hash: str) -> dict[str, Any]:
    return {
        "labelSelector": {
            "matchExpressions": [{"key": POD_TEMPLATE_HASH_LABEL, "operator": "In", "values": [stable_hash]}]
        },
        "namespaces": [namespace],
        "topologyKey": ANTI_AFFINITY_TOPOLOGY_KEY,
    }


def replica_set_affinity(
    ro: Rollout, template: Mapping[str, Any], stable_hash: str, current_hash: str
) -> dict[str, Any] | None:
    """The affinity for the new ReplicaSet's pod template: the template's own, plus the injected term.

    ``stable_hash`` is the stored ``status.stableRS``; ``current_hash`` the current template's hash.
    """
    own = (template.get("spec") or {}).get("affinity")
    affinity: dict[str, Any] | None = copy.deepcopy(dict(own)) if isinstance(own, Mapping) else None
    strategy = rollout_anti_affinity(ro)
    if strategy is None or not stable_hash or stable_hash == current_hash:
        return affinity
    affinity = affinity or {}
    anti = affinity.setdefault("podAntiAffinity", {})
    term = injected_term(ro.namespace or "", stable_hash)
    preferred = strategy.preferred_during_scheduling_ignored_during_execution
    if preferred is not None:
        weighted = {"weight": preferred.weight, "podAffinityTerm": term}
        anti[PREFERRED] = [*(anti.get(PREFERRED) or []), weighted]
    else:
        anti[REQUIRED] = [*(anti.get(REQUIRED) or []), term]
    return affinity


def _injected_values(affinity: Mapping[str, Any] | None, strategy: AntiAffinity) -> list[str] | None:
    """The hash values of the first term selecting on the hash label, in the configured form."""
    anti = (affinity or {}).get("podAntiAffinity") or {}
    preferred = strategy.preferred_during_scheduling_ignored_during_execution is not None
    for entry in anti.get(PREFERRED if preferred else REQUIRED) or []:
        term = (entry.get("podAffinityTerm") or {}) if preferred else entry
        for expression in (term.get("labelSelector") or {}).get("matchExpressions") or []:
            if expression.get("key") == POD_TEMPLATE_HASH_LABEL:
                return list(expression.get("values") or [])
    return None


def injected_term_is_stale(
    ro: Rollout, affinity: Mapping[str, Any] | None, stable_hash: str, current_hash: str
) -> bool:
    """Whether an existing new ReplicaSet's injected term names a stable hash that is no longer stable."""
    strategy = rollout_anti_affinity(ro)
    if strategy is None or stable_hash == current_hash:
        return False
    values = _injected_values(affinity, strategy)
    return bool(values) and values is not None and values[0] != stable_hash
