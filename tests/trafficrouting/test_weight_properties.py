"""Properties every weight-splitting router keeps: canary gets exactly the desired weight, the
experiment destinations theirs, and the route's weights add up to 100."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.rollout_status import WeightDestination
from rollouts.trafficrouting import alb_objects, istio_objects, smi_objects
from tests.trafficrouting.fakes import rollout


@st.composite
def splits(draw: st.DrawFn) -> tuple[int, list[WeightDestination]]:
    canary = draw(st.integers(0, 100))
    extra: list[WeightDestination] = []
    room = 100 - canary
    for i in range(draw(st.integers(0, 2))):
        weight = draw(st.integers(0, room))
        room -= weight
        extra.append(WeightDestination(service_name=f"exp-{i}", weight=weight, pod_template_hash=f"h{i}"))
    return canary, extra


def check(got: dict[str, int], canary: int, extra: list[WeightDestination]) -> None:
    assert got["canary-svc"] == canary
    for dest in extra:
        assert got[dest.service_name or ""] == dest.weight
    assert sum(got.values()) == 100


@given(splits())
def test_istio_split(split: tuple[int, list[WeightDestination]]) -> None:
    canary, extra = split
    r = rollout({"istio": {"virtualService": {"name": "vs", "routes": ["p"]}}})
    route: dict[str, Any] = {
        "name": "p",
        "route": [
            {"destination": {"host": "stable-svc"}, "weight": 100},
            {"destination": {"host": "canary-svc"}, "weight": 0},
            {"destination": {"host": "old-exp"}, "weight": 0},
        ],
    }
    vs = {"metadata": {"name": "vs"}, "spec": {"http": [route]}}
    assert r.canary and r.canary.traffic_routing and r.canary.traffic_routing.istio
    ref = r.canary.traffic_routing.istio.virtual_service
    assert ref is not None
    got = istio_objects.set_weights(r, ref, vs, canary, extra)
    check(
        dict([(d["destination"]["host"], d["weight"]) for d in got["spec"]["http"][0]["route"]]),
        canary,
        extra,
    )


@given(splits(), st.sampled_from(["v1alpha1", "v1alpha2", "v1alpha3"]))
def test_smi_split(split: tuple[int, list[WeightDestination]], version: str) -> None:
    canary, extra = split
    spec = smi_objects.desired_spec(rollout({"smi": {}}), canary, extra, version)
    check(dict([(b["service"], int(b["weight"])) for b in spec["backends"]]), canary, extra)


@given(splits())
def test_alb_split(split: tuple[int, list[WeightDestination]]) -> None:
    canary, extra = split
    action = json.loads(
        alb_objects.forward_action(rollout({"alb": {"ingress": "i", "servicePort": 80}}), canary, extra)
    )
    groups = action["ForwardConfig"]["TargetGroups"]
    check(dict([(g["ServiceName"], g["Weight"]) for g in groups]), canary, extra)
