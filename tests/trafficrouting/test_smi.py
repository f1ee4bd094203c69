"""SMI: the TrafficSplit written per API version, created with an owner, patched, verified."""

from __future__ import annotations

import pytest

from rollouts.api.rollout_status import WeightDestination
from rollouts.trafficrouting import smi_objects
from rollouts.trafficrouting.resources import traffic_splits
from rollouts.trafficrouting.router import TrafficRoutingError
from rollouts.trafficrouting.smi import SMIRouter
from tests.trafficrouting.fakes import OWNER, RecordingClient, rollout


def test_v1alpha1_weights_are_quantity_strings_and_defaults_apply() -> None:
    got = smi_objects.desired_traffic_split(rollout({"smi": {}}), 20)
    assert got == {
        "apiVersion": "split.smi-spec.io/v1alpha1",
        "kind": "TrafficSplit",
        "metadata": {"name": "app", "namespace": "ns", "ownerReferences": [OWNER]},
        "spec": {
            "service": "stable-svc",
            "backends": [
                {"service": "canary-svc", "weight": "20"},
                {"service": "stable-svc", "weight": "80"},
            ],
        },
    }


@pytest.mark.parametrize("version", ["v1alpha2", "v1alpha3"])
def test_later_versions_use_integers_names_root_service_and_experiments(version: str) -> None:
    ro = rollout({"smi": {"rootService": "root", "trafficSplitName": "split"}})
    extra = [WeightDestination(service_name="exp", weight=10)]
    got = smi_objects.desired_traffic_split(ro, 20, extra, version)
    assert got["apiVersion"] == f"split.smi-spec.io/{version}"
    assert got["metadata"]["name"] == "split"
    assert got["spec"] == {
        "service": "root",
        "backends": [
            {"service": "canary-svc", "weight": 20},
            {"service": "exp", "weight": 10},
            {"service": "stable-svc", "weight": 70},
        ],
    }


def test_unknown_version_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported TrafficSplit version"):
        traffic_splits("v2")


async def test_applier_creates_then_patches_and_verifies() -> None:
    client = RecordingClient()
    router = SMIRouter(client, rollout({"smi": {}}))
    assert router.type() == "SMI"
    assert await router.verify_weight(20) is False, "no TrafficSplit yet"
    await router.set_weight(20)
    await router.set_weight(50)
    await router.set_weight(50)
    assert [c[0] for c in client.writes()] == ["create", "patch"]
    assert client.patches() == [
        {
            "spec": {
                "backends": [
                    {"service": "canary-svc", "weight": "50"},
                    {"service": "stable-svc", "weight": "50"},
                ]
            }
        }
    ]
    assert await router.verify_weight(50) is True
    assert await router.verify_weight(20) is False


async def test_applier_refuses_a_foreign_traffic_split() -> None:
    client = RecordingClient()
    client.seed(traffic_splits(), {"metadata": {"name": "app", "namespace": "ns"}, "spec": {}})
    with pytest.raises(TrafficRoutingError, match="does not own TrafficSplit `app`"):
        await SMIRouter(client, rollout({"smi": {}})).set_weight(10)
