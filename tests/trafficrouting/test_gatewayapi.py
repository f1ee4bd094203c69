"""Gateway API: HTTPRoute backendRef weights, managed header rules, verify with observedGeneration."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting import gatewayapi_objects as gw
from rollouts.trafficrouting.gatewayapi import GatewayAPIRouter
from rollouts.trafficrouting.resources import HTTP_ROUTES
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import RecordingClient, rollout

ANNOTATION = gw.MANAGED_ROUTES_ANNOTATION


def http_route(name: str = "route") -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [
                        {"name": "stable-svc", "port": 80, "weight": 100},
                        {"name": "canary-svc", "port": 80, "weight": 0},
                    ],
                }
            ],
        },
    }


def ro(config: dict[str, Any] | None = None) -> Any:
    return rollout(
        {
            "plugins": {gw.PLUGIN_NAME: config or {"httpRoute": "route"}},
            "managedRoutes": [{"name": "h1"}, {"name": "h2"}],
        }
    )


def header(name: str, value: dict[str, str] | None) -> SetHeaderRoute:
    match: dict[str, Any] = {"headerName": "X-Canary"}
    if value is not None:
        match["headerValue"] = value
    return SetHeaderRoute.model_validate({"name": name, "match": [match]})


def test_weights_on_backend_refs() -> None:
    got = gw.set_weights(ro(), http_route(), 30)
    assert got["spec"]["rules"][0]["backendRefs"] == [
        {"name": "stable-svc", "port": 80, "weight": 70},
        {"name": "canary-svc", "port": 80, "weight": 30},
    ]


def test_route_without_our_services_is_an_error() -> None:
    route = http_route()
    route["spec"]["rules"][0]["backendRefs"] = [{"name": "x"}]
    with pytest.raises(TrafficRoutingError, match="no backendRef"):
        gw.set_weights(ro(), route, 30)


def test_config_shapes() -> None:
    refs = gw.http_route_refs(
        ro({"httpRoutes": [{"name": "a", "useHeaderRoutes": True}, {"name": "b"}], "namespace": "gw-ns"})
    )
    assert [(r.name, r.namespace, r.use_header_routes) for r in refs] == [
        ("a", "gw-ns", True),
        ("b", "gw-ns", False),
    ]
    with pytest.raises(TrafficRoutingError, match="httpRoute or httpRoutes is required"):
        gw.http_route_refs(ro({"namespace": "x"}))


def test_header_rules_are_appended_recorded_and_removed() -> None:
    r = ro()
    one = gw.set_header_route(r, http_route(), header("h1", {"exact": "yes"}))
    two = gw.set_header_route(r, one, header("h2", {"prefix": "v1"}))
    rules = two["spec"]["rules"]
    assert rules[1] == {
        "matches": [
            {
                "path": {"type": "PathPrefix", "value": "/"},
                "headers": [{"type": "Exact", "name": "X-Canary", "value": "yes"}],
            }
        ],
        "backendRefs": [{"name": "canary-svc", "port": 80}],
    }
    assert rules[2]["matches"][0]["headers"] == [
        {"type": "RegularExpression", "name": "X-Canary", "value": "^v1.*"}
    ]
    assert json.loads(two["metadata"]["annotations"][ANNOTATION]) == ["h1", "h2"]
    # weights only touch the user's rules
    weighted = gw.set_weights(r, two, 50)
    assert weighted["spec"]["rules"][1:] == rules[1:]
    # replacing h1 moves it last; removing h2 drops only its rule
    again = gw.set_header_route(r, two, header("h1", {"exact": "no"}))
    assert json.loads(again["metadata"]["annotations"][ANNOTATION]) == ["h2", "h1"]
    without_h2 = gw.set_header_route(r, again, SetHeaderRoute(name="h2"))
    assert len(without_h2["spec"]["rules"]) == 2
    assert without_h2["spec"]["rules"][1]["matches"][0]["headers"][0]["value"] == "no"
    cleaned = gw.remove_managed_routes(without_h2)
    assert cleaned["spec"] == http_route()["spec"]
    assert ANNOTATION not in cleaned["metadata"]["annotations"]


def test_verify_requires_the_gateway_to_have_observed_the_generation() -> None:
    route = gw.set_weights(ro(), http_route(), 20)
    route["metadata"]["generation"] = 3
    route["status"] = {"parents": [{"conditions": [{"type": "Accepted", "observedGeneration": 2}]}]}
    assert gw.weights_match(ro(), route, 20) is False
    route["status"]["parents"][0]["conditions"][0]["observedGeneration"] = 3
    assert gw.weights_match(ro(), route, 20) is True
    assert gw.weights_match(ro(), route, 30) is False


async def test_applier_round_trip() -> None:
    client = RecordingClient()
    client.seed(HTTP_ROUTES, http_route())
    router = GatewayAPIRouter(client, ro())
    assert router.type() == "GatewayAPI"
    await router.set_weight(20)
    assert await router.verify_weight(20) is True
    await router.set_header_route(header("h1", {"exact": "yes"}))
    assert len(client.stored(HTTP_ROUTES, "route")["spec"]["rules"]) == 2
    await router.remove_managed_routes()
    stored = client.stored(HTTP_ROUTES, "route")
    assert len(stored["spec"]["rules"]) == 1
    assert stored["metadata"].get("annotations", {}) == {}


async def test_header_routes_skip_routes_without_use_header_routes() -> None:
    client = RecordingClient()
    client.seed(HTTP_ROUTES, http_route("a"))
    client.seed(HTTP_ROUTES, http_route("b"))
    router = GatewayAPIRouter(
        client, ro({"httpRoutes": [{"name": "a", "useHeaderRoutes": True}, {"name": "b"}]})
    )
    await router.set_header_route(header("h1", {"exact": "yes"}))
    assert len(client.stored(HTTP_ROUTES, "a")["spec"]["rules"]) == 2
    assert len(client.stored(HTTP_ROUTES, "b")["spec"]["rules"]) == 1


def mirror(percentage: int | None = 25) -> SetMirrorRoute:
    return SetMirrorRoute.model_validate(
        {
            "name": "h2",
            "percentage": percentage,
            "match": [
                {
                    "method": {"exact": "GET"},
                    "path": {"prefix": "/api"},
                    "headers": {"X-Env": {"regex": "dev|qa"}},
                }
            ],
        }
    )


def test_mirror_rule_mirrors_to_canary_keeps_the_split_and_follows_later_weights() -> None:
    r = ro()
    got = gw.set_mirror_route(r, gw.set_weights(r, http_route(), 10), mirror())
    assert got["spec"]["rules"][1] == {
        "matches": [
            {
                "path": {"type": "PathPrefix", "value": "/api"},
                "method": "GET",
                "headers": [{"type": "RegularExpression", "name": "X-Env", "value": "dev|qa"}],
            }
        ],
        "filters": [
            {
                "type": "RequestMirror",
                "requestMirror": {"backendRef": {"name": "canary-svc", "port": 80}, "percent": 25},
            }
        ],
        "backendRefs": [
            {"name": "stable-svc", "port": 80, "weight": 90},
            {"name": "canary-svc", "port": 80, "weight": 10},
        ],
    }
    later = gw.set_weights(r, got, 40)
    assert [b["weight"] for b in later["spec"]["rules"][1]["backendRefs"]] == [60, 40]
    assert (
        gw.set_mirror_route(r, got, SetMirrorRoute(name="h2"))["spec"]
        == gw.set_weights(r, http_route(), 10)["spec"]
    )


def test_mirror_method_must_be_exact() -> None:
    step = SetMirrorRoute.model_validate({"name": "h2", "match": [{"method": {"prefix": "G"}}]})
    with pytest.raises(TrafficRoutingError, match="method exactly"):
        gw.set_mirror_route(ro(), http_route(), step)
