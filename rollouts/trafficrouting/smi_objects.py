"""SMI (pure): the TrafficSplit a Rollout owns.

Name: ``trafficSplitName`` or the Rollout's name; ``spec.service``: ``rootService`` or the stable
Service; ``spec.backends``: canary (desired weight), the experiment destinations, then stable
(``100 - w - Σ additional``). v1alpha1 writes weights as Quantity strings (``"20"``), v1alpha2 and
v1alpha3 as integers — the same shapes upstream writes per ``--traffic-split-api-version``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import WeightDestination
from rollouts.api.traffic_routing import SMITrafficRouting
from rollouts.trafficrouting.config import router_block
from rollouts.trafficrouting.ownership import rollout_owner_reference
from rollouts.trafficrouting.resources import SMI_GROUP
from rollouts.trafficrouting.weights import stable_weight


def smi_config(rollout: Rollout) -> SMITrafficRouting:
    block: SMITrafficRouting = router_block(rollout, "smi", "smi")
    return block


def traffic_split_name(rollout: Rollout) -> str:
    return smi_config(rollout).traffic_split_name or rollout.name


def _weight(value: int, version: str) -> int | str:
    return str(value) if version == "v1alpha1" else value


def desired_spec(
    rollout: Rollout,
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
    version: str = "v1alpha1",
) -> dict[str, Any]:
    canary = rollout.canary
    assert canary is not None
    stable_svc = canary.stable_service or ""
    backends: list[dict[str, Any]] = [
        {"service": canary.canary_service or "", "weight": _weight(desired_weight, version)}
    ]
    for dest in additional_destinations:
        backends.append({"service": dest.service_name or "", "weight": _weight(dest.weight or 0, version)})
    backends.append(
        {
            "service": stable_svc,
            "weight": _weight(stable_weight(desired_weight, additional_destinations), version),
        }
    )
    return {"service": smi_config(rollout).root_service or stable_svc, "backends": backends}


def desired_traffic_split(
    rollout: Rollout,
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
    version: str = "v1alpha1",
) -> dict[str, Any]:
    return {
        "apiVersion": f"{SMI_GROUP}/{version}",
        "kind": "TrafficSplit",
        "metadata": {
            "name": traffic_split_name(rollout),
            "namespace": rollout.namespace,
            "ownerReferences": [rollout_owner_reference(rollout)],
        },
        "spec": desired_spec(rollout, desired_weight, additional_destinations, version),
    }


def carries_weights(
    traffic_split: dict[str, Any],
    rollout: Rollout,
    desired_weight: int,
    additional_destinations: Sequence[WeightDestination] = (),
) -> bool:
    """Whether the split's backends give each service its weight (Quantity or int, order aside)."""

    def as_map(backends: list[dict[str, Any]]) -> dict[str, int]:
        out = {}
        for b in backends:
            try:
                out[str(b.get("service"))] = int(str(b.get("weight")))
            except ValueError:
                return {}
        return out

    want = as_map(desired_spec(rollout, desired_weight, additional_destinations, "v1alpha2")["backends"])
    have = as_map((traffic_split.get("spec") or {}).get("backends") or [])
    return want == have
