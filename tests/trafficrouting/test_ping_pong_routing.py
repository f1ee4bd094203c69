"""The routers send the canary weight to whichever ping-pong Service is the canary side now."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollouts.api.rollout import Rollout
from rollouts.api.steps import SetHeaderRoute
from rollouts.trafficrouting import alb_objects
from rollouts.trafficrouting.config import routed_services
from tests.trafficrouting.fakes import rollout

PING_PONG = {"pingService": "ping", "pongService": "pong"}


def _recorded(ro: Rollout, stable_ping_pong: str | None) -> Rollout:
    doc = ro.to_dict()
    if stable_ping_pong is not None:
        doc["status"] = {"canary": {"stablePingPong": stable_ping_pong}}
    return Rollout.from_dict(doc)


def _alb(stable_ping_pong: str | None, **canary: Any) -> Rollout:
    alb = {"alb": {"ingress": "ing", "servicePort": 80, "rootService": "root"}}
    return _recorded(rollout(alb, pingPong=PING_PONG, **canary), stable_ping_pong)


def _groups(action: str) -> list[tuple[str, int]]:
    forward = json.loads(action)["ForwardConfig"]["TargetGroups"]
    return [(g["ServiceName"], g["Weight"]) for g in forward]


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("ping", [("pong", 30), ("ping", 70)]),
        ("pong", [("ping", 30), ("pong", 70)]),
        (None, [("ping", 30), ("pong", 70)]),  # nothing recorded: pong is stable (upstream)
    ],
)
def test_alb_forward_action_follows_the_recorded_roles(recorded: str | None, expected: list[Any]) -> None:
    # the fixture also names canaryService/stableService: ALB prefers the ping-pong pair
    assert _groups(alb_objects.forward_action(_alb(recorded), 30)) == expected
    assert alb_objects.action_key(_alb(recorded)) == "alb.ingress.kubernetes.io/actions.root"


def test_alb_header_route_goes_to_the_canary_side() -> None:
    ingress = {
        "metadata": {"name": "ing", "namespace": "ns", "annotations": {}},
        "spec": {"rules": [{"http": {"paths": []}}]},
    }
    route = SetHeaderRoute.model_validate(
        {"name": "hdr", "match": [{"headerName": "X", "headerValue": {"exact": "1"}}]}
    )
    out = alb_objects.with_header_route(_alb("pong"), ingress, route)
    action = out["metadata"]["annotations"]["alb.ingress.kubernetes.io/actions.hdr"]
    assert _groups(action) == [("ping", 100)]


def test_istio_keeps_stable_and_canary_services_unless_none_is_named() -> None:
    istio = {"istio": {"virtualService": {"name": "vs"}}}
    both = _recorded(rollout(istio, pingPong=PING_PONG), "pong")
    assert routed_services(both, ping_pong_preferred=False) == ("stable-svc", "canary-svc")
    only_pair = _recorded(rollout(istio, pingPong=PING_PONG, canaryService=None, stableService=None), "pong")
    assert routed_services(only_pair, ping_pong_preferred=False) == ("pong", "ping")
