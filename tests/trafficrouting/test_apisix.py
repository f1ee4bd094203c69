"""APISIX: backend weights per named rule, the header-route ApisixRoute (created, updated,
deleted), managed-route removal limited to owned objects, errors as upstream, read-back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.steps import SetHeaderRoute
from rollouts.trafficrouting import apisix_objects
from rollouts.trafficrouting.apisix import ApisixRouter
from rollouts.trafficrouting.resources import APISIX_ROUTES
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import OWNER, RecordingClient, rollout


def routing(rules: list[str] | None = None) -> dict[str, Any]:
    route: dict[str, Any] = {"name": "main"}
    if rules is not None:
        route["rules"] = rules
    return {"apisix": {"route": route}, "managedRoutes": [{"name": "hdr"}]}


RO = rollout(routing(["rule-1"]))


def backends(stable: int | None = None, canary: int | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"serviceName": "stable-svc", "servicePort": 80}]
    out.append({"serviceName": "canary-svc", "servicePort": 80})
    if stable is not None:
        out[0]["weight"] = stable
    if canary is not None:
        out[1]["weight"] = canary
    return out


def main_route(**rule_extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {
            "name": "main",
            "namespace": "ns",
            "labels": {"app": "web"},
            "uid": "main-uid",
            "resourceVersion": "3",
            "generation": 2,
        },
        "spec": {
            "http": [
                {
                    "name": "rule-1",
                    "match": {"hosts": ["example.com"], "paths": ["/*"]},
                    "backends": backends(),
                    **rule_extra,
                },
                {"name": "other", "match": {"paths": ["/other"]}, "backends": [{"serviceName": "x"}]},
            ]
        },
    }


HEADER = SetHeaderRoute.model_validate(
    {
        "name": "hdr",
        "match": [
            {"headerName": "X-Canary", "headerValue": {"exact": "yes"}},
            {"headerName": "X-User", "headerValue": {"prefix": "beta."}},
            {"headerName": "X-Re", "headerValue": {"regex": "^a+$"}},
        ],
    }
)


def test_weights_go_to_the_named_rules_backends_only() -> None:
    got = apisix_objects.with_weights(RO, main_route(), 25)
    assert got["spec"]["http"][0]["backends"] == backends(stable=75, canary=25)
    assert got["spec"]["http"][1] == main_route()["spec"]["http"][1]


def test_the_default_rule_is_the_one_named_like_the_route() -> None:
    route = main_route()
    route["spec"]["http"][0]["name"] = "main"
    got = apisix_objects.with_weights(rollout(routing()), route, 10)
    assert got["spec"]["http"][0]["backends"] == backends(stable=90, canary=10)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({}, "spec.http was not found in Apisix Route manifest"),
        ({"http": [{"name": "nope", "backends": []}]}, "Apisix http route rule rule-1 not found"),
        ({"http": [{"backends": []}]}, "Apisix http route rule name field not found"),
        ({"http": ["rule-1"]}, "Failed type assertion for Apisix http route"),
        ({"http": [{"name": "rule-1"}]}, "Apisix http route backends not found"),
        (
            {"http": [{"name": "rule-1", "backends": [{"servicePort": 80}]}]},
            "serviceName field was not found",
        ),
        (
            {"http": [{"name": "rule-1", "backends": [{"serviceName": "stable-svc"}]}]},
            "apisix route canary-svc backend was not found",
        ),
        (
            {"http": [{"name": "rule-1", "backends": [{"serviceName": "canary-svc"}]}]},
            "apisix route stable-svc backend was not found",
        ),
    ],
)
def test_malformed_routes_are_reported_as_upstream_does(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(TrafficRoutingError, match=message):
        apisix_objects.with_weights(RO, {"metadata": {"name": "main"}, "spec": spec}, 10)


def test_route_name_is_required() -> None:
    with pytest.raises(TrafficRoutingError, match=r"apisix\.route\.name is required"):
        apisix_objects.route_name(rollout({"apisix": {}}))


@given(st.integers(min_value=0, max_value=100))
def test_weights_sum_to_100_and_read_back(weight: int) -> None:
    got = apisix_objects.with_weights(RO, main_route(), weight)
    assert [b["weight"] for b in got["spec"]["http"][0]["backends"]] == [100 - weight, weight]
    assert apisix_objects.carries_weights(RO, got, weight)
    assert not apisix_objects.carries_weights(RO, got, (weight + 1) % 101)


def test_a_new_header_route_copies_the_main_route_with_canary_only_priority_and_exprs() -> None:
    got = apisix_objects.header_route(RO, main_route(priority=4), None, HEADER)
    assert got == {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": "hdr", "namespace": "ns", "labels": {"app": "web"}, "ownerReferences": [OWNER]},
        "spec": {
            "http": [
                {
                    "name": "rule-1",
                    "match": {
                        "hosts": ["example.com"],
                        "paths": ["/*"],
                        "exprs": [
                            {
                                "subject": {"scope": "Header", "name": "X-Canary"},
                                "op": "Equal",
                                "value": "yes",
                            },
                            {
                                "subject": {"scope": "Header", "name": "X-User"},
                                "op": "RegexMatch",
                                "value": r"^beta\..*",
                            },
                            {
                                "subject": {"scope": "Header", "name": "X-Re"},
                                "op": "RegexMatch",
                                "value": "^a+$",
                            },
                        ],
                    },
                    "backends": [{"serviceName": "canary-svc", "servicePort": 80, "weight": 100}],
                    "priority": 5,
                },
                main_route()["spec"]["http"][1],
            ]
        },
    }
    assert apisix_objects.header_route(RO, main_route(), None, HEADER)["spec"]["http"][0]["priority"] == 1


def test_an_existing_header_route_gets_new_exprs_but_keeps_its_priority() -> None:
    first = apisix_objects.header_route(RO, main_route(), None, HEADER)
    step = SetHeaderRoute.model_validate(
        {"name": "hdr", "match": [{"headerName": "X-Other", "headerValue": {"exact": "1"}}]}
    )
    again = apisix_objects.header_route(RO, main_route(), first, step)
    rule = again["spec"]["http"][0]
    assert rule["priority"] == 1
    assert rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "X-Other"}, "op": "Equal", "value": "1"}
    ]
    assert rule["backends"] == [{"serviceName": "canary-svc", "servicePort": 80, "weight": 100}]


def test_a_header_match_without_a_value_is_a_clear_error() -> None:
    step = SetHeaderRoute.model_validate({"name": "hdr", "match": [{"headerName": "X-Canary"}]})
    with pytest.raises(TrafficRoutingError, match="'X-Canary' needs a headerValue"):
        apisix_objects.header_route(RO, main_route(), None, step)


def seeded() -> RecordingClient:
    client = RecordingClient()
    client.seed(APISIX_ROUTES, main_route())
    return client


async def test_applier_patches_weights_and_verifies() -> None:
    client = seeded()
    router = ApisixRouter(client, RO)
    assert router.type() == "Apisix"
    assert await router.verify_weight(40) is False
    await router.set_weight(40)
    await router.set_weight(40)
    [patch] = client.patches()
    assert patch["spec"]["http"][0]["backends"] == backends(stable=60, canary=40)
    assert await router.verify_weight(40) is True


async def test_applier_creates_updates_and_deletes_the_header_route() -> None:
    client = seeded()
    router = ApisixRouter(client, RO)
    await router.set_header_route(HEADER)
    assert client.stored(APISIX_ROUTES, "hdr")["metadata"]["ownerReferences"] == [OWNER]
    await router.set_header_route(HEADER)
    assert [c[0] for c in client.writes()] == ["create"], "unchanged: no second write"
    step = SetHeaderRoute.model_validate(
        {"name": "hdr", "match": [{"headerName": "X-Other", "headerValue": {"exact": "1"}}]}
    )
    await router.set_header_route(step)
    assert [c[0] for c in client.writes()] == ["create", "patch"]
    await router.set_header_route(SetHeaderRoute(name="hdr"))
    assert ("apisixroutes", "ns", "hdr") not in client.objects
    await router.set_header_route(SetHeaderRoute(name="hdr"))
    assert [c[0] for c in client.writes()] == ["create", "patch", "delete"]
    assert client.stored(APISIX_ROUTES, "main")["spec"] == main_route()["spec"], "main route untouched"


async def test_applier_refuses_a_foreign_route_of_the_same_name() -> None:
    client = seeded()
    client.seed(APISIX_ROUTES, {"metadata": {"name": "hdr", "namespace": "ns"}, "spec": {"http": []}})
    with pytest.raises(TrafficRoutingError, match=r"duplicate ApisixRoute \[hdr\] already exists"):
        await ApisixRouter(client, RO).set_header_route(HEADER)


async def test_remove_managed_routes_deletes_only_owned_routes() -> None:
    client = seeded()
    router = ApisixRouter(
        client, rollout({**routing(["rule-1"]), "managedRoutes": [{"name": "hdr"}, {"name": "x"}]})
    )
    await router.set_header_route(HEADER)
    client.seed(APISIX_ROUTES, {"metadata": {"name": "x", "namespace": "ns"}, "spec": {}})  # not ours
    await router.remove_managed_routes()
    assert ("apisixroutes", "ns", "hdr") not in client.objects
    assert ("apisixroutes", "ns", "x") in client.objects
    await router.remove_managed_routes()
    assert [c[0] for c in client.writes()] == ["create", "delete"]
