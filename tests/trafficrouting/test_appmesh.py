"""App Mesh: VirtualRouter weighted targets (route filter, namespaces, route types), VirtualNode
hash selectors with upstream's placeholders, reference validation and field errors, read-back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.validation_references import validate_app_mesh_virtual_router
from rollouts.trafficrouting import appmesh_objects
from rollouts.trafficrouting.appmesh import AppMeshRouter
from rollouts.trafficrouting.resources import (
    app_mesh_virtual_nodes,
    app_mesh_virtual_routers,
    app_mesh_virtual_services,
)
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import RecordingClient, rollout

VS, VR, VN = app_mesh_virtual_services(), app_mesh_virtual_routers(), app_mesh_virtual_nodes()


def routing(routes: list[str] | None = None) -> dict[str, Any]:
    service: dict[str, Any] = {"name": "app-vs"}
    if routes is not None:
        service["routes"] = routes
    return {
        "appMesh": {
            "virtualService": service,
            "virtualNodeGroup": {
                "canaryVirtualNodeRef": {"name": "app-canary"},
                "stableVirtualNodeRef": {"name": "app-stable"},
            },
        }
    }


RO = rollout(routing())


def targets(stable: int, canary: int, **stable_ref: Any) -> list[dict[str, Any]]:
    return [
        {"virtualNodeRef": {"name": "app-stable", **stable_ref}, "weight": stable},
        {"virtualNodeRef": {"name": "app-canary"}, "weight": canary},
    ]


def virtual_router(*routes: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "appmesh.k8s.aws/v1beta2",
        "kind": "VirtualRouter",
        "metadata": {"name": "app-vr", "namespace": "ns"},
        "spec": {"listeners": [{"portMapping": {"port": 80, "protocol": "http"}}], "routes": list(routes)},
    }


def route(
    name: str, route_type: str = "httpRoute", weighted: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "action": {"weightedTargets": weighted if weighted is not None else targets(100, 0)}
    }
    if route_type == "httpRoute":
        rule["match"] = {"prefix": "/"}
    return {"name": name, route_type: rule}


def test_every_route_type_gets_the_weights() -> None:
    router = virtual_router(*(route(t, t) for t in ("httpRoute", "tcpRoute", "http2Route", "grpcRoute")))
    got = appmesh_objects.with_weights(RO, router, 30)
    for index, route_type in enumerate(("httpRoute", "tcpRoute", "http2Route", "grpcRoute")):
        assert got["spec"]["routes"][index][route_type]["action"]["weightedTargets"] == targets(70, 30)
    assert got["spec"]["listeners"] == router["spec"]["listeners"]


def test_only_the_named_routes_are_changed_when_routes_are_given() -> None:
    router = virtual_router(route("primary"), route("secondary"))
    got = appmesh_objects.with_weights(rollout(routing(["secondary"])), router, 10)
    assert got["spec"]["routes"][0] == route("primary")
    assert got["spec"]["routes"][1]["httpRoute"]["action"]["weightedTargets"] == targets(90, 10)


def test_targets_in_another_namespace_or_of_other_nodes_are_left_alone() -> None:
    weighted = [*targets(100, 0, namespace="elsewhere"), {"virtualNodeRef": {"name": "other"}, "weight": 7}]
    got = appmesh_objects.with_weights(RO, virtual_router(route("r", weighted=weighted)), 40)
    assert got["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"] == [
        {"virtualNodeRef": {"name": "app-stable", "namespace": "elsewhere"}, "weight": 100},
        {"virtualNodeRef": {"name": "app-canary"}, "weight": 40},
        {"virtualNodeRef": {"name": "other"}, "weight": 7},
    ]
    same_ns = targets(100, 0, namespace="ns")
    got = appmesh_objects.with_weights(RO, virtual_router(route("r", weighted=same_ns)), 40)
    assert got["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"][0]["weight"] == 60


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        (None, 'spec.routes: Invalid value: "app-vr": No routes found'),
        (["r"], 'spec.routes[0]: Invalid value: "app-vr": not well-formed'),
        ([{"httpRoute": {}}], 'spec.routes[0].name: Invalid value: "app-vr": not well-formed'),
        ([{"name": "r", "udpRoute": {}}], 'spec.routes[0]: Invalid value: "app-vr": not well-formed'),
        (
            [{"name": "r", "tcpRoute": {"action": {}}}],
            'spec.routes[0].tcpRoute.action.weightedTargets: Invalid value: "app-vr": not well-formed',
        ),
        (
            [route("r", weighted=[{"weight": 1}])],
            'spec.routes[0].httpRoute.action.weightedTargets[0].virtualNodeRef: Invalid value: "app-vr": '
            "not well-formed",
        ),
        (
            [route("r", weighted=[{"virtualNodeRef": {"name": "x"}, "weight": "1"}])],
            'spec.routes[0].httpRoute.action.weightedTargets[0].weight: Invalid value: "app-vr": '
            "not well-formed",
        ),
    ],
)
def test_malformed_routers_give_upstreams_field_errors(routes: list[Any] | None, message: str) -> None:
    router = virtual_router()
    if routes is None:
        del router["spec"]["routes"]
    else:
        router["spec"]["routes"] = routes
    with pytest.raises(TrafficRoutingError) as caught:
        appmesh_objects.with_weights(RO, router, 10)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("router", "message"),
    [
        (
            {**virtual_router(route("r")), "kind": "VirtualNode"},
            "Expected object kind to be VirtualRouter but is VirtualNode",
        ),
        (virtual_router(), "No routes defined for AppMesh virtual-router app-vr"),
        (virtual_router({"name": "r", "udpRoute": {}}), "route r. Error: Route has unsupported route type"),
        (
            virtual_router({"name": "r", "httpRoute": {}}),
            "Invalid route action found for AppMesh virtual-router app-vr",
        ),
        (
            virtual_router(route("r", weighted=targets(100, 0)[:1])),
            "Invalid number of weightedTargets (1) for AppMesh virtual-router app-vr and route r, expected 2",
        ),
    ],
)
def test_reference_validation_of_the_virtual_router(router: dict[str, Any], message: str) -> None:
    [error] = validate_app_mesh_virtual_router(router)
    assert message in str(error)


def test_a_well_formed_router_validates() -> None:
    assert validate_app_mesh_virtual_router(virtual_router(route("a"), route("b", "grpcRoute"))) == []


@pytest.mark.parametrize(
    ("canary", "stable", "expected"),
    [
        ("abc", "def", ("abc", "def")),
        ("", "def", ("canary-hash", "def")),
        ("def", "def", ("canary-hash", "def")),
        ("abc", "", ("abc", "stable-hash")),
        ("", "", ("canary-hash", "stable-hash")),
        ("stable-hash", "", ("canary-hash", "stable-hash")),
    ],
)
def test_node_hashes_are_never_empty_nor_equal(canary: str, stable: str, expected: tuple[str, str]) -> None:
    assert appmesh_objects.node_hashes(canary, stable) == expected


def test_node_with_hash_keeps_other_labels_and_marks_the_node() -> None:
    node = {
        "metadata": {"name": "app-stable", "namespace": "ns", "annotations": {"a": "b"}},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "listeners": []},
    }
    got = appmesh_objects.node_with_hash(RO, node, "abc")
    assert got["metadata"]["annotations"] == {
        "a": "b",
        "argo-rollouts.argoproj.io/managed-by-rollouts": "app",
    }
    assert got["spec"] == {
        "podSelector": {"matchLabels": {"app": "web", "rollouts-pod-template-hash": "abc"}},
        "listeners": [],
    }
    bare = appmesh_objects.node_with_hash(RO, {"metadata": {"name": "n"}}, "x")
    assert bare["spec"] == {"podSelector": {"matchLabels": {"rollouts-pod-template-hash": "x"}}}


def test_refs_are_required() -> None:
    with pytest.raises(TrafficRoutingError, match=r"virtualService\.name is required"):
        appmesh_objects.app_mesh_refs(rollout({"appMesh": {}}))
    with pytest.raises(TrafficRoutingError, match="virtualNodeGroup needs"):
        appmesh_objects.app_mesh_refs(rollout({"appMesh": {"virtualService": {"name": "vs"}}}))


@given(st.integers(min_value=0, max_value=100))
def test_weights_sum_to_100_and_read_back(weight: int) -> None:
    got = appmesh_objects.with_weights(RO, virtual_router(route("r")), weight)
    assert [t["weight"] for t in got["spec"]["routes"][0]["httpRoute"]["action"]["weightedTargets"]] == [
        100 - weight,
        weight,
    ]
    assert appmesh_objects.carries_weights(RO, got, weight)
    assert not appmesh_objects.carries_weights(RO, got, (weight + 1) % 101)


def seeded(router_namespace: str | None = None) -> RecordingClient:
    client = RecordingClient()
    ref: dict[str, Any] = {"name": "app-vr"}
    if router_namespace:
        ref["namespace"] = router_namespace
    client.seed(
        VS,
        {
            "metadata": {"name": "app-vs", "namespace": "ns"},
            "spec": {"provider": {"virtualRouter": {"virtualRouterRef": ref}}},
        },
    )
    vr = virtual_router(route("r"))
    vr["metadata"]["namespace"] = router_namespace or "ns"
    client.seed(VR, vr)
    for node in ("app-stable", "app-canary"):
        client.seed(VN, {"metadata": {"name": node, "namespace": "ns"}, "spec": {"podSelector": {}}})
    return client


async def test_applier_patches_the_router_and_verifies_against_the_observed_generation() -> None:
    client = seeded()
    router = AppMeshRouter(client, RO)
    assert router.type() == "AppMesh"
    await router.set_weight(25)
    await router.set_weight(25)
    assert client.patches() == [
        {
            "spec": {
                "routes": [
                    {
                        "name": "r",
                        "httpRoute": {
                            "match": {"prefix": "/"},
                            "action": {"weightedTargets": targets(75, 25)},
                        },
                    }
                ]
            }
        }
    ]
    assert await router.verify_weight(25) is True
    assert await router.verify_weight(30) is False
    # The App Mesh controller reports an older generation: not live yet.
    stored = client.objects[("virtualrouters", "ns", "app-vr")]
    stored["status"] = {"observedGeneration": stored["metadata"]["generation"] - 1}
    assert await router.verify_weight(25) is False
    stored["status"] = {"observedGeneration": stored["metadata"]["generation"]}
    assert await router.verify_weight(25) is True


async def test_applier_follows_the_router_reference_into_its_namespace() -> None:
    client = seeded(router_namespace="mesh")
    await AppMeshRouter(client, RO).set_weight(5)
    weighted = client.stored(VR, "app-vr", "mesh")["spec"]["routes"][0]["httpRoute"]["action"][
        "weightedTargets"
    ]
    assert weighted == targets(95, 5)


async def test_applier_updates_both_node_selectors() -> None:
    client = seeded()
    router = AppMeshRouter(client, RO)
    await router.update_hash("abc", "def")
    await router.update_hash("abc", "def")
    assert [c[2] for c in client.writes()] == ["app-stable", "app-canary"]
    labels = {
        node: client.stored(VN, node)["spec"]["podSelector"]["matchLabels"]
        for node in ("app-stable", "app-canary")
    }
    assert labels == {
        "app-stable": {"rollouts-pod-template-hash": "def"},
        "app-canary": {"rollouts-pod-template-hash": "abc"},
    }


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ((VS, "app-vs"), "Virtual-service is missing"),
        ((VR, "app-vr"), "Virtual-router is missing"),
    ],
)
async def test_missing_objects_are_named(missing: tuple[Any, str], message: str) -> None:
    client = seeded()
    del client.objects[(missing[0].plural, "ns", missing[1])]
    with pytest.raises(TrafficRoutingError, match=message):
        await AppMeshRouter(client, RO).set_weight(10)


async def test_a_missing_node_and_a_service_without_router_are_reported() -> None:
    client = seeded()
    del client.objects[("virtualnodes", "ns", "app-canary")]
    with pytest.raises(TrafficRoutingError, match="Virtual-node is missing: VirtualNode `app-canary`"):
        await AppMeshRouter(client, RO).update_hash("a", "b")
    client.objects[("virtualservices", "ns", "app-vs")]["spec"] = {"provider": {"virtualNode": {}}}
    with pytest.raises(TrafficRoutingError, match="not associated with virtual-router"):
        await AppMeshRouter(client, RO).set_weight(10)


async def test_applier_refuses_a_router_upstream_would_reject() -> None:
    client = seeded()
    client.objects[("virtualrouters", "ns", "app-vr")]["spec"]["routes"][0]["httpRoute"]["action"][
        "weightedTargets"
    ] = targets(100, 0)[:1]
    with pytest.raises(TrafficRoutingError, match=r"Invalid number of weightedTargets \(1\)"):
        await AppMeshRouter(client, RO).set_weight(10)
    assert client.writes() == []
