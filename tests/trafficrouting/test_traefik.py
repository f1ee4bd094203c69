"""Traefik: the weighted TraefikService entries written, the API group chosen, errors, read-back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.rollout_status import WeightDestination
from rollouts.k8s.resources import Resource
from rollouts.trafficrouting import traefik_objects
from rollouts.trafficrouting.resources import traefik_services
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.traefik import TraefikRouter
from tests.trafficrouting.fakes import RecordingClient, rollout

RO = rollout({"traefik": {"weightedTraefikServiceName": "weighted"}})


def traefik_service(*services: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": "weighted", "namespace": "ns"},
        "spec": {"weighted": {"services": list(services)}},
    }


BASE = traefik_service(
    {"name": "stable-svc", "port": 80, "weight": 100},
    {"name": "canary-svc", "port": 80},
    {"name": "other", "port": 80, "weight": 5},
)


def test_canary_and_stable_entries_get_the_weights_and_others_are_untouched() -> None:
    got = traefik_objects.with_weights(RO, BASE, 30)
    assert got["spec"]["weighted"]["services"] == [
        {"name": "stable-svc", "port": 80, "weight": 70},
        {"name": "canary-svc", "port": 80, "weight": 30},
        {"name": "other", "port": 80, "weight": 5},
    ]
    assert BASE["spec"]["weighted"]["services"][1] == {"name": "canary-svc", "port": 80}, "input not mutated"


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"metadata": {"name": "weighted"}, "spec": {}}, "spec.weighted.services was not found"),
        (traefik_service({"name": "stable-svc"}), "traefik canary service was not found"),
        (traefik_service({"name": "canary-svc"}), "traefik stable service was not found"),
        (traefik_service({"port": 80}), "name field was not found in service"),
        (traefik_service("stable-svc"), "Failed type assertion"),  # type: ignore[arg-type]
    ],
)
def test_malformed_services_are_reported_as_upstream_does(service: dict[str, Any], message: str) -> None:
    with pytest.raises(TrafficRoutingError, match=message):
        traefik_objects.with_weights(RO, service, 10)


def test_the_service_name_is_required() -> None:
    with pytest.raises(TrafficRoutingError, match="weightedTraefikServiceName is required"):
        traefik_objects.traefik_service_name(rollout({"traefik": {}}))


@pytest.mark.parametrize(
    ("version", "group", "expected"),
    [
        ("traefik.io/v1alpha1", None, ("traefik.io", "v1alpha1")),
        ("traefik.containo.us/v1alpha1", None, ("traefik.containo.us", "v1alpha1")),
        ("traefik.io/v1alpha1", "traefik.containo.us", ("traefik.containo.us", "v1alpha1")),
        ("v1alpha1", None, ("traefik.io", "v1alpha1")),
    ],
)
def test_group_and_version_follow_the_flags(
    version: str, group: str | None, expected: tuple[str, str]
) -> None:
    res = traefik_services(version, group)
    assert (res.group, res.version, res.plural, res.kind) == (*expected, "traefikservices", "TraefikService")


@given(st.integers(min_value=0, max_value=100))
def test_weights_always_sum_to_100_and_read_back(weight: int) -> None:
    got = traefik_objects.with_weights(RO, BASE, weight)
    by_name = {s["name"]: s.get("weight") for s in got["spec"]["weighted"]["services"]}
    assert by_name["canary-svc"] + by_name["stable-svc"] == 100
    assert by_name["canary-svc"] == weight
    assert traefik_objects.carries_weights(RO, got, weight)
    assert not traefik_objects.carries_weights(RO, got, (weight + 1) % 101)


async def test_applier_patches_only_the_changed_spec_and_verifies() -> None:
    client = RecordingClient()
    res = traefik_services()
    client.seed(res, BASE)
    router = TraefikRouter(client, RO)
    assert router.type() == "Traefik"
    assert await router.verify_weight(20) is False
    await router.set_weight(20)
    await router.set_weight(20)
    assert client.patches() == [
        {
            "spec": {
                "weighted": {
                    "services": [
                        {"name": "stable-svc", "port": 80, "weight": 80},
                        {"name": "canary-svc", "port": 80, "weight": 20},
                        {"name": "other", "port": 80, "weight": 5},
                    ]
                }
            }
        }
    ], "the second, identical set_weight sends nothing"
    assert await router.verify_weight(20) is True
    # Additional (experiment) destinations do not change Traefik's split, as upstream.
    await router.set_weight(20, [WeightDestination(service_name="exp", weight=10)])
    assert len(client.patches()) == 1


class GroupRecordingClient(RecordingClient):
    """Also records the apiVersion of every request (the plain fake keys objects by plural only)."""

    def __init__(self) -> None:
        super().__init__()
        self.api_versions: list[str] = []

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        self.api_versions.append(res.api_version)
        return await super().get(res, name, namespace)

    async def patch(
        self, res: Resource, name: str, patch: Any, namespace: str | None = None, **kw: Any
    ) -> Any:
        self.api_versions.append(res.api_version)
        return await super().patch(res, name, patch, namespace, **kw)


async def test_applier_uses_the_legacy_group_when_configured() -> None:
    client = GroupRecordingClient()
    legacy = traefik_services("traefik.containo.us/v1alpha1")
    client.seed(legacy, BASE)
    await TraefikRouter(client, RO, "traefik.containo.us/v1alpha1").set_weight(40)
    assert client.api_versions == ["traefik.containo.us/v1alpha1"] * 2
    services = client.stored(legacy, "weighted")["spec"]["weighted"]["services"]
    assert [s.get("weight") for s in services] == [60, 40, 5]
