"""Istio: weights on HTTP/TLS/TCP routes, DestinationRule subsets, header and mirror routes."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting import istio_objects
from rollouts.trafficrouting.istio import IstioRouter
from rollouts.trafficrouting.resources import destination_rules, virtual_services
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import RecordingClient, rollout

VS = virtual_services()
DR = destination_rules()


def dest(host: str, weight: int, subset: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"host": host}
    if subset:
        d["subset"] = subset
    return {"destination": d, "weight": weight}


def vs(*http: dict[str, Any], tls: list[Any] | None = None, tcp: list[Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"hosts": ["app"], "http": list(http)}
    if tls is not None:
        spec["tls"] = tls
    if tcp is not None:
        spec["tcp"] = tcp
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "vs", "namespace": "ns"},
        "spec": spec,
    }


PRIMARY = {"name": "primary", "route": [dest("stable-svc", 100), dest("canary-svc.ns.svc.cluster.local", 0)]}
MANAGED = [{"name": "header"}, {"name": "mirror"}]


def ro(**vs_ref: Any) -> Any:
    return rollout({"istio": {"virtualService": {"name": "vs", **vs_ref}}, "managedRoutes": MANAGED})


def test_named_http_route_weights_and_other_routes_untouched() -> None:
    other = {"name": "other", "route": [dest("stable-svc", 100)]}
    r = ro(routes=["primary"])
    got = istio_objects.set_weights(r, _ref(r), vs(PRIMARY, other), 20)
    assert got["spec"]["http"] == [
        {"name": "primary", "route": [dest("stable-svc", 80), dest("canary-svc.ns.svc.cluster.local", 20)]},
        other,
    ]


def _ref(r: Any) -> Any:
    return r.canary.traffic_routing.istio.virtual_service


def test_single_unnamed_route_is_used_when_routes_omitted() -> None:
    r = ro()
    unnamed = {"route": [dest("stable-svc", 100), dest("canary-svc", 0)]}
    got = istio_objects.set_weights(r, _ref(r), vs(unnamed), 50)
    assert got["spec"]["http"][0]["route"] == [dest("stable-svc", 50), dest("canary-svc", 50)]
    with pytest.raises(TrafficRoutingError, match="exactly one route"):
        istio_objects.set_weights(r, _ref(r), vs(unnamed, PRIMARY), 50)


def test_missing_named_route_is_an_error() -> None:
    r = ro(routes=["nope"])
    with pytest.raises(TrafficRoutingError, match="HTTP Route 'nope' is not found"):
        istio_objects.set_weights(r, _ref(r), vs(PRIMARY), 10)


def test_tls_and_tcp_routes_by_port_and_sni_hosts() -> None:
    r = ro(tlsRoutes=[{"port": 443, "sniHosts": ["a.example.com"]}], tcpRoutes=[{"port": 9000}])
    tls = [
        {
            "match": [{"port": 443, "sniHosts": ["a.example.com"]}],
            "route": [dest("stable-svc", 100), dest("canary-svc", 0)],
        },
        {"match": [{"port": 8443, "sniHosts": ["a.example.com"]}], "route": [dest("stable-svc", 100)]},
    ]
    tcp = [{"match": [{"port": 9000}], "route": [dest("stable-svc", 100), dest("canary-svc", 0)]}]
    got = istio_objects.set_weights(r, _ref(r), vs(PRIMARY, tls=tls, tcp=tcp), 30)
    assert got["spec"]["tls"][0]["route"] == [dest("stable-svc", 70), dest("canary-svc", 30)]
    assert got["spec"]["tls"][1]["route"] == [dest("stable-svc", 100)]
    assert got["spec"]["tcp"][0]["route"] == [dest("stable-svc", 70), dest("canary-svc", 30)]
    assert got["spec"]["http"] == [PRIMARY], "a named HTTP route is only edited when listed in routes"


def test_tls_route_needs_the_exact_sni_host_set() -> None:
    r = ro(tlsRoutes=[{"port": 443, "sniHosts": ["a.example.com"]}])
    tls = [{"match": [{"port": 443, "sniHosts": ["a.example.com", "b"]}], "route": [dest("stable-svc", 100)]}]
    with pytest.raises(TrafficRoutingError, match="No matching TLS routes"):
        istio_objects.set_weights(r, _ref(r), vs(PRIMARY, tls=tls), 30)


def test_managed_routes_take_port_subset_and_destination_rule_host() -> None:
    r = rollout(
        {
            "istio": {
                "virtualService": {"name": "vs"},
                "destinationRule": {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
            },
            "managedRoutes": MANAGED,
        }
    )
    unnamed = {
        "route": [
            {"destination": {"host": "app", "subset": "stable", "port": {"number": 8080}}, "weight": 90},
            {"destination": {"host": "app", "subset": "canary", "port": {"number": 8080}}, "weight": 10},
        ]
    }
    got = istio_objects.set_header_route(r, _ref(r), vs(unnamed), header(), "app.ns.svc.cluster.local")
    assert got["spec"]["http"][0]["route"] == [
        {
            "weight": 100,
            "destination": {"host": "app.ns.svc.cluster.local", "subset": "canary", "port": {"number": 8080}},
        }
    ]
    mirrored = istio_objects.set_mirror_route(r, _ref(r), vs(unnamed), mirror(), "app")
    assert mirrored["spec"]["http"][0]["mirror"] == {
        "host": "app",
        "subset": "canary",
        "port": {"number": 8080},
    }
    assert mirrored["spec"]["http"][0]["route"] == unnamed["route"]


def test_subsets_decide_roles_with_a_destination_rule_and_experiments_are_added() -> None:
    r = rollout(
        {
            "istio": {
                "virtualService": {"name": "vs", "routes": ["primary"]},
                "destinationRule": {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
            }
        }
    )
    route = {"name": "primary", "route": [dest("app", 100, "stable"), dest("app", 0, "canary")]}
    extra = [WeightDestination(service_name="exp-svc", weight=10, pod_template_hash="h3")]
    got = istio_objects.set_weights(r, _ref(r), vs(route), 20, extra)
    assert got["spec"]["http"][0]["route"] == [
        dest("app", 70, "stable"),
        dest("app", 20, "canary"),
        dest("exp-svc", 10),
    ]


def test_destination_rule_subsets_follow_the_hashes_as_upstream_rewrites_them() -> None:
    r = rollout(
        {
            "istio": {
                "virtualService": {"name": "vs"},
                "destinationRule": {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
            }
        }
    )
    dr = {
        "metadata": {"name": "dr", "namespace": "ns"},
        "spec": {
            "host": "app",
            "subsets": [
                {
                    "name": "canary",
                    "labels": {"app": "x"},
                    "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
                },
                {"name": "stable", "labels": {"rollouts-pod-template-hash": "old"}},
                {"name": "leftover", "labels": {"rollouts-pod-template-hash": "zzz"}},
            ],
        },
    }
    experiment = [WeightDestination(service_name="exp-svc", weight=5, pod_template_hash="e1")]
    got = istio_objects.destination_rule_with_hashes(r, dr, "c1", "", experiment)
    assert got["spec"] == {
        "host": "app",
        "subsets": [
            {
                "name": "canary",
                "labels": {"app": "x", "rollouts-pod-template-hash": "c1"},
                "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
            },
            {"name": "stable", "labels": {}},  # an empty hash removes the label
            {"name": "exp-svc", "labels": {"rollouts-pod-template-hash": "e1"}},
        ],
    }
    assert got["metadata"]["annotations"] == {"argo-rollouts.argoproj.io/managed-by-rollouts": "app"}


def test_finished_experiment_destinations_are_dropped() -> None:
    r = ro(routes=["primary"])
    route = {
        "name": "primary",
        "route": [dest("stable-svc", 70), dest("canary-svc", 20), dest("old-exp", 10)],
    }
    got = istio_objects.set_weights(r, _ref(r), vs(route), 30)
    assert got["spec"]["http"][0]["route"] == [dest("stable-svc", 70), dest("canary-svc", 30)]


def test_selected_route_must_reach_canary_and_stable() -> None:
    r = ro(routes=["primary"])
    route = {"name": "primary", "route": [dest("stable-svc", 100)]}
    with pytest.raises(TrafficRoutingError, match="Canary Service 'canary-svc' not found in route"):
        istio_objects.set_weights(r, _ref(r), vs(route), 30)


def header(name: str = "header") -> SetHeaderRoute:
    return SetHeaderRoute.model_validate(
        {"name": name, "match": [{"headerName": "X-Canary", "headerValue": {"regex": "^on$"}}]}
    )


def mirror() -> SetMirrorRoute:
    return SetMirrorRoute.model_validate(
        {
            "name": "mirror",
            "percentage": 35,
            "match": [{"method": {"exact": "GET"}, "path": {"prefix": "/api"}}],
        }
    )


def test_header_and_mirror_routes_sit_on_top_in_managed_routes_order_and_are_removed() -> None:
    r = ro(routes=["primary"])
    with_mirror = istio_objects.set_mirror_route(r, _ref(r), vs(PRIMARY), mirror())
    both = istio_objects.set_header_route(r, _ref(r), with_mirror, header())
    assert both["spec"]["http"] == [
        {
            "name": "header",
            "match": [{"headers": {"X-Canary": {"regex": "^on$"}}}],
            "route": [{"destination": {"host": "canary-svc"}, "weight": 100}],
        },
        {
            "name": "mirror",
            "match": [{"method": {"exact": "GET"}, "uri": {"prefix": "/api"}}],
            "route": PRIMARY["route"],
            "mirror": {"host": "canary-svc"},
            "mirrorPercentage": {"value": 35.0},
        },
        PRIMARY,
    ]
    # weights still land on the primary route, never on the managed ones
    weighted = istio_objects.set_weights(r, _ref(r), both, 40)
    assert weighted["spec"]["http"][0] == both["spec"]["http"][0], "header routes keep all traffic on canary"
    # a managed mirror route follows the split, as upstream re-weights it with the primary route
    assert weighted["spec"]["http"][1]["route"] == weighted["spec"]["http"][2]["route"]
    assert weighted["spec"]["http"][2]["route"] == [
        dest("stable-svc", 60),
        dest("canary-svc.ns.svc.cluster.local", 40),
    ]
    removed_one = istio_objects.set_header_route(r, _ref(r), both, SetHeaderRoute(name="header"))
    assert [h["name"] for h in removed_one["spec"]["http"]] == ["mirror", "primary"]
    assert istio_objects.remove_managed_routes(r, both)["spec"]["http"] == [PRIMARY]


def test_header_route_must_be_managed() -> None:
    r = ro(routes=["primary"])
    with pytest.raises(TrafficRoutingError, match="managedRoutes"):
        istio_objects.set_header_route(r, _ref(r), vs(PRIMARY), header("unlisted"))


async def test_applier_patches_several_virtual_services_and_verifies() -> None:
    client = RecordingClient()
    client.seed(VS, vs(PRIMARY))
    second = vs(PRIMARY)
    second["metadata"].update(name="vs2", namespace="other")
    client.seed(VS, second)
    r = rollout(
        {
            "istio": {
                "virtualServices": [
                    {"name": "vs", "routes": ["primary"]},
                    {"name": "vs2.other", "routes": ["primary"]},
                ]
            },
            "managedRoutes": MANAGED,
        }
    )
    router = IstioRouter(client, r)
    assert router.type() == "Istio"
    await router.set_weight(20)
    assert [(c[0], c[2]) for c in client.writes()] == [("patch", "vs"), ("patch", "vs2")]
    assert client.stored(VS, "vs2", "other")["spec"]["http"][0]["route"][1]["weight"] == 20
    assert await router.verify_weight(20) is True
    assert await router.verify_weight(50) is False
    await router.set_header_route(header())
    assert client.stored(VS, "vs")["spec"]["http"][0]["name"] == "header"
    await router.remove_managed_routes()
    assert [h["name"] for h in client.stored(VS, "vs")["spec"]["http"]] == ["primary"]
    client.calls.clear()
    await router.set_weight(20)
    assert client.writes() == []


async def test_applier_updates_destination_rule() -> None:
    client = RecordingClient()
    client.seed(
        DR,
        {"metadata": {"name": "dr", "namespace": "ns"}, "spec": {"subsets": [{"name": "c"}, {"name": "s"}]}},
    )
    r = rollout(
        {
            "istio": {
                "virtualService": {"name": "vs"},
                "destinationRule": {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"},
            }
        }
    )
    await IstioRouter(client, r).update_hash("ch", "sh")
    subsets = client.stored(DR, "dr")["spec"]["subsets"]
    assert subsets == [
        {"name": "c", "labels": {"rollouts-pod-template-hash": "ch"}},
        {"name": "s", "labels": {"rollouts-pod-template-hash": "sh"}},
    ]


async def test_applier_addresses_managed_routes_to_the_destination_rule_host() -> None:
    client = RecordingClient()
    client.seed(
        DR, {"metadata": {"name": "dr", "namespace": "ns"}, "spec": {"host": "app.ns.svc.cluster.local"}}
    )
    route = {"name": "primary", "route": [dest("app", 100, "stable"), dest("app", 0, "canary")]}
    client.seed(VS, vs(route))
    r = rollout(
        {
            "istio": {
                "virtualService": {"name": "vs", "routes": ["primary"]},
                "destinationRule": {"name": "dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
            },
            "managedRoutes": MANAGED,
        }
    )
    await IstioRouter(client, r).set_header_route(header())
    managed = client.stored(VS, "vs")["spec"]["http"][0]
    assert managed["route"] == [
        {"weight": 100, "destination": {"host": "app.ns.svc.cluster.local", "subset": "canary"}}
    ]
