"""The Events each router records for the Rollout: upstream's reasons, one per write, none without one."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.k8s.errors import ApiError
from rollouts.k8s.resources import INGRESSES, Resource
from rollouts.trafficrouting.alb import ALBRouter
from rollouts.trafficrouting.base import RouterEvent
from rollouts.trafficrouting.istio import IstioRouter
from rollouts.trafficrouting.nginx import NginxRouter
from rollouts.trafficrouting.resources import destination_rules, virtual_services
from rollouts.trafficrouting.smi import SMIRouter
from tests.trafficrouting.fakes import RecordingClient, rollout
from tests.trafficrouting.test_alb import ingress as alb_ingress
from tests.trafficrouting.test_istio import dest, vs
from tests.trafficrouting.test_nginx import stable_ingress


def _reasons(events: list[RouterEvent]) -> list[tuple[str, str]]:
    return [(e.type, e.reason) for e in events]


async def test_nginx_creating_then_patching_the_canary_ingress() -> None:
    client = RecordingClient()
    client.seed(INGRESSES, stable_ingress("web"))
    router = NginxRouter(client, rollout({"nginx": {"stableIngress": "web"}}))
    await router.set_weight(10)
    await router.set_weight(10)  # unchanged: no write, no Event
    await router.set_weight(30)
    assert router.events == [
        RouterEvent(
            "Normal", "CreatingCanaryIngress", "Creating canary ingress `app-web-canary` with weight `10`"
        ),
        RouterEvent(
            "Normal", "PatchingCanaryIngress", "Updating Ingress `app-web-canary` to desiredWeight '30'"
        ),
    ]


async def test_alb_patching_the_ingress_for_weights_header_routes_and_their_removal() -> None:
    client = RecordingClient()
    client.seed(INGRESSES, alb_ingress("ing"))
    router = ALBRouter(
        client, rollout({"alb": {"ingress": "ing", "servicePort": 80}, "managedRoutes": [{"name": "hdr"}]})
    )
    await router.set_weight(20)
    await router.set_weight(20)
    await router.set_header_route(
        SetHeaderRoute.model_validate(
            {"name": "hdr", "match": [{"headerName": "X", "headerValue": {"exact": "1"}}]}
        )
    )
    await router.remove_managed_routes()
    await router.remove_managed_routes()
    assert [e.message for e in router.events] == [
        "Updating Ingress `ing` to desiredWeight '20'",
        "Updating Ingress `ing` to headerRoute 'hdr'",
        "Updating Ingress `ing` removing managed routes",
    ]
    assert {e.reason for e in router.events} == {"PatchingALBIngress"}


async def test_istio_virtual_service_and_destination_rule_updates() -> None:
    client = RecordingClient()
    client.seed(
        virtual_services(), vs({"name": "primary", "route": [dest("app", 100, "s"), dest("app", 0, "c")]})
    )
    client.seed(
        destination_rules(),
        {
            "metadata": {"name": "dr", "namespace": "ns"},
            "spec": {"host": "app", "subsets": [{"name": "c"}, {"name": "s"}]},
        },
    )
    routing: dict[str, Any] = {
        "istio": {
            "virtualService": {"name": "vs", "routes": ["primary"]},
            "destinationRule": {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"},
        },
        "managedRoutes": [{"name": "mirror"}],
    }
    router = IstioRouter(client, rollout(routing))
    await router.update_hash("ch", "sh")
    await router.update_hash("ch", "sh")
    await router.set_weight(40)
    await router.set_mirror_route(
        SetMirrorRoute.model_validate(
            {"name": "mirror", "match": [{"method": {"exact": "GET"}}], "percentage": 10}
        )
    )
    await router.remove_managed_routes()
    assert router.events == [
        RouterEvent("Normal", "UpdatedDestinationRule", "DestinationRule dr subset updated (c: ch, s: sh)"),
        RouterEvent("Normal", "Updated VirtualService", "VirtualService `vs` set to desiredWeight '40'"),
        RouterEvent("Normal", "Updated VirtualService", "VirtualService `vs` set mirrorRoute 'mirror'"),
        RouterEvent("Normal", "Updated VirtualService", "VirtualService `vs` removed all managed routes."),
    ]


async def test_smi_traffic_split_created_once() -> None:
    client = RecordingClient()
    router = SMIRouter(client, rollout({"smi": {}}))
    await router.set_weight(10)
    await router.set_weight(20)
    assert router.events == [RouterEvent("Normal", "TrafficSplitCreated", "TrafficSplit `app` created")]


class _RefusingCreates(RecordingClient):
    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        raise ApiError(403, "Forbidden", "trafficsplits is forbidden")


async def test_smi_traffic_split_not_created_is_a_warning_and_the_error_goes_on() -> None:
    router = SMIRouter(_RefusingCreates(), rollout({"smi": {}}))
    with pytest.raises(ApiError):
        await router.set_weight(10)
    assert _reasons(router.events) == [("Warning", "TrafficSplitNotCreated")]
    assert "TrafficSplit `app` failed creation: " in router.events[0].message
    assert "forbidden" in router.events[0].message
