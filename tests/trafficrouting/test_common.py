"""Shared pieces: weights, the status helper, merge patches, the router factory."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import StringMatch
from rollouts.k8s.errors import is_conflict
from rollouts.trafficrouting.applying import patch_towards
from rollouts.trafficrouting.factory import routers_for
from rollouts.trafficrouting.matches import as_regex
from rollouts.trafficrouting.observed import generation_observed
from rollouts.trafficrouting.patching import apply_merge_patch, merge_patch
from rollouts.trafficrouting.resources import HTTP_ROUTES
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.weights import stable_weight, traffic_weights
from tests.trafficrouting.fakes import RecordingClient, rollout

json_leaf = st.one_of(st.integers(), st.text(max_size=3), st.booleans())
json_doc = st.recursive(
    st.dictionaries(st.text(max_size=3), json_leaf, max_size=4),
    lambda children: st.dictionaries(
        st.text(max_size=3), st.one_of(json_leaf, children, st.lists(json_leaf, max_size=3)), max_size=4
    ),
    max_leaves=12,
)


@given(json_doc, json_doc)
def test_merge_patch_turns_current_into_desired(current: dict[str, Any], desired: dict[str, Any]) -> None:
    patch = merge_patch(current, desired)
    assert apply_merge_patch(current, patch) == desired
    assert merge_patch(desired, desired) == {}


@given(st.integers(0, 100), st.lists(st.integers(0, 30), max_size=3))
def test_stable_weight_is_the_remainder(canary: int, extra: list[int]) -> None:
    dests = [WeightDestination(service_name=f"e{i}", weight=w) for i, w in enumerate(extra)]
    got = stable_weight(canary, dests)
    assert got == max(0, 100 - canary - sum(extra))


def test_status_weights_shape() -> None:
    weights = traffic_weights(
        canary_weight=20,
        canary_service="c",
        canary_hash="ch",
        stable_service="s",
        stable_hash="sh",
        additional_destinations=[WeightDestination(service_name="e", weight=10, pod_template_hash="eh")],
    )
    assert weights.model_dump(by_alias=True, exclude_none=True) == {
        "canary": {"weight": 20, "serviceName": "c", "podTemplateHash": "ch"},
        "stable": {"weight": 70, "serviceName": "s", "podTemplateHash": "sh"},
        "additional": [{"weight": 10, "serviceName": "e", "podTemplateHash": "eh"}],
    }


@pytest.mark.parametrize(
    ("match", "accepts", "rejects"),
    [
        (StringMatch(exact="a.b"), "a.b", "axb"),
        (StringMatch(prefix="v1."), "v1.2", "v12"),
        (StringMatch(regex="^x+$"), "xxx", "xy"),
    ],
)
def test_as_regex(match: StringMatch, accepts: str, rejects: str) -> None:
    assert re.fullmatch(as_regex(match), accepts)
    assert not re.fullmatch(as_regex(match), rejects)


def test_factory_builds_configured_routers_and_rejects_unsupported() -> None:
    client = RecordingClient()
    routing = {
        "nginx": {"stableIngress": "i"},
        "smi": {},
        "istio": {"virtualService": {"name": "vs"}},
        "alb": {"ingress": "i", "servicePort": 80},
        "traefik": {"weightedTraefikServiceName": "t"},
        "ambassador": {"mappings": ["m"]},
        "apisix": {"route": {"name": "r"}},
        "appMesh": {"virtualService": {"name": "vs"}},
        "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "r"}},
    }
    assert [r.type() for r in routers_for(client, rollout(routing))] == [
        "ALB",
        "Istio",
        "Nginx",
        "SMI",
        "Ambassador",
        "AppMesh",
        "Traefik",
        "Apisix",
        "GatewayAPI",
    ]
    with pytest.raises(TrafficRoutingError, match=r"not supported by this controller: plugins\[acme/x\]"):
        routers_for(client, rollout({"plugins": {"acme/x": {}}}))


async def test_a_patch_fails_when_the_object_changed_since_it_was_read() -> None:
    client = RecordingClient()
    client.seed(HTTP_ROUTES, {"metadata": {"name": "r", "namespace": "ns"}, "spec": {"rules": []}})
    stale = client.stored(HTTP_ROUTES, "r")
    await client.patch(HTTP_ROUTES, "r", {"spec": {"hostnames": ["x"]}}, "ns")  # someone else's edit
    desired = {**stale, "spec": {"rules": [{"backendRefs": []}]}}
    with pytest.raises(Exception) as caught:
        await patch_towards(client, HTTP_ROUTES, stale, desired, "ns", sections=("spec",))
    assert is_conflict(caught.value)


@pytest.mark.parametrize(
    ("status", "observed"),
    [
        ({}, True),  # no controller reports anything
        ({"observedGeneration": 3}, True),
        ({"observedGeneration": "2"}, False),  # Istio's string form
        ({"conditions": [{"type": "Ready", "observedGeneration": 2}]}, False),
        ({"parents": [{"conditions": [{"observedGeneration": 3}, {"observedGeneration": 2}]}]}, False),
        ({"parents": [{"conditions": [{"observedGeneration": 4}]}]}, True),
    ],
)
def test_generation_observed(status: dict[str, Any], observed: bool) -> None:
    assert generation_observed({"metadata": {"generation": 3}, "status": status}) is observed
