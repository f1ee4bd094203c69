"""Ambassador / Emissary-ingress (pure): the canary Mapping cloned from each base Mapping.

For every name in ``trafficRouting.ambassador.mappings`` (a Mapping in the Rollout's namespace
that routes to the stable Service and has no ``weight``) the router keeps a second Mapping,
``<base>-canary`` (the base name cut to 246 characters, so the result stays a valid name), equal
to the base except for:

* ``metadata``: only name, namespace and — beyond upstream — a controller reference to the
  Rollout, so that a canary Mapping left behind by a deleted Rollout is garbage-collected;
* ``spec.service``: the first occurrence of the stable Service's name replaced by the canary's
  (``stable-svc:8080`` → ``canary-svc:8080``; a namespace suffix is kept);
* ``spec.weight``: the desired canary weight. Ambassador sends that share to the canary Mapping
  and the rest to the base one, so the base Mapping itself is never written.

The canary Mapping exists only while the weight is above 0 (see :mod:`.ambassador` for the
removal). Experiment destinations are not routed, as upstream.
"""

from __future__ import annotations

import copy
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.traffic_routing import AmbassadorTrafficRouting
from rollouts.api.validation_references import validate_ambassador_mapping
from rollouts.trafficrouting.config import router_block
from rollouts.trafficrouting.ownership import rollout_owner_reference
from rollouts.trafficrouting.router import TrafficRoutingError

#: Longest base name kept: ``<base>-canary`` must fit in a 253-character object name.
MAX_BASE_NAME = 246


def base_mapping_names(rollout: Rollout) -> list[str]:
    block: AmbassadorTrafficRouting = router_block(rollout, "ambassador", "ambassador")
    if not block.mappings:
        raise TrafficRoutingError("trafficRouting.ambassador.mappings must name at least one Mapping")
    return list(block.mappings)


def canary_mapping_name(base_name: str) -> str:
    return f"{base_name[:MAX_BASE_NAME]}-canary"


def mapping_weight(mapping: dict[str, Any]) -> int:
    """``spec.weight``; 0 when absent or not an integer (upstream reads it the same way)."""
    weight = (mapping.get("spec") or {}).get("weight")
    return weight if isinstance(weight, int) and not isinstance(weight, bool) else 0


def canary_mapping(rollout: Rollout, base: dict[str, Any], desired_weight: int) -> dict[str, Any]:
    """The canary Mapping to create for ``base`` at ``desired_weight``."""
    errors = validate_ambassador_mapping(base)
    if errors:
        raise TrafficRoutingError(str(errors[0]))
    canary = rollout.canary
    assert canary is not None
    meta = base.get("metadata") or {}
    spec = copy.deepcopy(base.get("spec") or {})
    service = str(spec.get("service") or "")
    if canary.stable_service:
        spec["service"] = service.replace(canary.stable_service, canary.canary_service or "", 1)
    spec["weight"] = desired_weight
    return {
        "apiVersion": base.get("apiVersion"),
        "kind": base.get("kind"),
        "metadata": {
            "name": canary_mapping_name(str(meta.get("name", ""))),
            "namespace": meta.get("namespace") or rollout.namespace,
            "ownerReferences": [rollout_owner_reference(rollout)],
        },
        "spec": spec,
    }


def with_weight(mapping: dict[str, Any], desired_weight: int) -> dict[str, Any]:
    result = copy.deepcopy(mapping)
    result.setdefault("spec", {})["weight"] = desired_weight
    return result


def format_errors(errors: list[Exception]) -> Exception | None:
    """One error for the whole pass over the Mappings, worded as upstream's (``2 errors found: [a][b]``)."""
    if not errors:
        return None
    if len(errors) == 1:
        return errors[0]
    return TrafficRoutingError(f"{len(errors)} errors found: " + "".join(f"[{e}]" for e in errors))
