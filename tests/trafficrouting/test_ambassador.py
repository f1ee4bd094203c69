"""Ambassador: the canary Mapping cloned from each base Mapping, re-weighted, and removed after the
propagation delay once the weight is back to 0; API groups and versions; errors as upstream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rollouts.api.validation_references import validate_ambassador_mapping
from rollouts.clock import FakeClock
from rollouts.trafficrouting import ambassador_objects
from rollouts.trafficrouting.ambassador import PROPAGATION_DELAY, AmbassadorRouter
from rollouts.trafficrouting.resources import ambassador_mappings
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import OWNER, RecordingClient, rollout

RO = rollout({"ambassador": {"mappings": ["web", "api"]}})
RES = ambassador_mappings()


def mapping(name: str, service: str = "stable-svc:8080", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "getambassador.io/v2",
        "kind": "Mapping",
        "metadata": {
            "name": name,
            "namespace": "ns",
            "labels": {"team": "a"},
            "annotations": {"note": "user's"},
            "uid": "base-uid",
            "resourceVersion": "7",
        },
        "spec": {"prefix": f"/{name}/", "service": service, "host": "example.com", **spec},
    }


def test_canary_mapping_is_the_base_with_the_canary_service_weight_and_an_owner() -> None:
    got = ambassador_objects.canary_mapping(RO, mapping("web", "stable-svc.ns:8080"), 20)
    assert got == {
        "apiVersion": "getambassador.io/v2",
        "kind": "Mapping",
        "metadata": {"name": "web-canary", "namespace": "ns", "ownerReferences": [OWNER]},
        "spec": {"prefix": "/web/", "service": "canary-svc.ns:8080", "host": "example.com", "weight": 20},
    }


def test_only_the_first_occurrence_of_the_stable_name_is_replaced() -> None:
    got = ambassador_objects.canary_mapping(RO, mapping("web", "stable-svc.stable-svc:80"), 5)
    assert got["spec"]["service"] == "canary-svc.stable-svc:80"


def test_a_long_base_name_is_cut_so_the_canary_name_stays_valid() -> None:
    base = "m" * 250
    assert ambassador_objects.canary_mapping_name(base) == "m" * 246 + "-canary"
    assert len(ambassador_objects.canary_mapping_name(base)) == 253


def test_a_base_mapping_with_a_weight_is_rejected_as_upstream_validates_it() -> None:
    assert [str(e) for e in validate_ambassador_mapping(mapping("web", weight=10))] == [
        'spec.weight: Invalid value: "web": Ambassador mapping "web" can not define weight'
    ]
    with pytest.raises(TrafficRoutingError, match='Ambassador mapping "web" can not define weight'):
        ambassador_objects.canary_mapping(RO, mapping("web", weight=10), 20)
    assert validate_ambassador_mapping(mapping("web", weight=0)) == []
    assert validate_ambassador_mapping(mapping("web")) == []


def test_mappings_are_required() -> None:
    with pytest.raises(TrafficRoutingError, match="must name at least one Mapping"):
        ambassador_objects.base_mapping_names(rollout({"ambassador": {}}))


@pytest.mark.parametrize(
    ("api_version", "expected"),
    [
        ("getambassador.io/v2", ("getambassador.io", "v2", "mappings", "Mapping")),
        ("getambassador.io/v3alpha1", ("getambassador.io", "v3alpha1", "mappings", "Mapping")),
        (
            "x.getambassador.io/v3alpha1",
            ("x.getambassador.io", "v3alpha1", "ambassadormappings", "AmbassadorMapping"),
        ),
        ("v3alpha1", ("getambassador.io", "v3alpha1", "mappings", "Mapping")),
    ],
)
def test_the_mapping_kind_follows_the_api_version(api_version: str, expected: tuple[str, ...]) -> None:
    res = ambassador_mappings(api_version)
    assert (res.group, res.version, res.plural, res.kind) == expected


def seeded() -> RecordingClient:
    client = RecordingClient()
    client.seed(RES, mapping("web"))
    client.seed(RES, mapping("api", "stable-svc"))
    return client


async def test_weight_0_without_canary_mappings_writes_nothing() -> None:
    client = seeded()
    router = AmbassadorRouter(client, RO, clock=FakeClock())
    await router.set_weight(0)
    assert client.writes() == []
    assert await router.verify_weight(0) is True


async def test_canary_mappings_are_created_then_patched_and_verified() -> None:
    client = seeded()
    router = AmbassadorRouter(client, RO, clock=FakeClock())
    assert router.type() == "Ambassador"
    assert await router.verify_weight(10) is False
    await router.set_weight(10)
    assert [(c[0], c[2]) for c in client.writes()] == [("create", "web-canary"), ("create", "api-canary")]
    assert client.stored(RES, "api-canary")["spec"]["service"] == "canary-svc"
    await router.set_weight(30)
    await router.set_weight(30)
    assert client.patches() == [{"spec": {"weight": 30}}, {"spec": {"weight": 30}}]
    assert await router.verify_weight(30) is True
    assert await router.verify_weight(10) is False
    assert client.stored(RES, "web")["spec"] == mapping("web")["spec"], "the base is never written"


async def test_back_to_0_the_canary_mappings_are_zeroed_then_deleted_after_the_delay() -> None:
    client = seeded()
    clock = FakeClock()
    router = AmbassadorRouter(client, RO, clock=clock)
    await router.set_weight(10)
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(router.set_weight(0))
        for _ in range(100):  # the fake client never blocks: a few loop turns reach the wait
            if clock.sleepers:
                break
            await asyncio.sleep(0)
        # Zeroed but still present while Ambassador propagates the weight.
        assert client.stored(RES, "web-canary")["spec"]["weight"] == 0
        assert client.stored(RES, "api-canary")["spec"]["weight"] == 0
        assert clock.sleepers == 1, "one wait for all Mappings"
        await clock.advance(PROPAGATION_DELAY - 0.1)
        assert not task.done()
        await clock.advance(0.1)
    assert [(c[0], c[2]) for c in client.writes() if c[0] == "delete"] == [
        ("delete", "web-canary"),
        ("delete", "api-canary"),
    ]
    assert ("mappings", "ns", "web-canary") not in client.objects
    assert await router.verify_weight(0) is True
    await router.set_weight(0)
    assert clock.sleepers == 0


async def test_every_mapping_is_attempted_and_the_errors_are_reported_together() -> None:
    client = RecordingClient()
    client.seed(RES, mapping("api", weight=5))
    router = AmbassadorRouter(
        client, rollout({"ambassador": {"mappings": ["web", "api"]}}), clock=FakeClock()
    )
    with pytest.raises(TrafficRoutingError) as caught:
        await router.set_weight(10)
    assert str(caught.value) == (
        '2 errors found: [Ambassador mapping "web" not found]'
        '[spec.weight: Invalid value: "api": Ambassador mapping "api" can not define weight]'
    )
    only_web = AmbassadorRouter(client, rollout({"ambassador": {"mappings": ["web"]}}), clock=FakeClock())
    with pytest.raises(TrafficRoutingError, match=r'^Ambassador mapping "web" not found$'):
        await only_web.set_weight(10)


async def test_a_canary_mapping_created_concurrently_is_reweighted() -> None:
    client = seeded()
    existing = ambassador_objects.canary_mapping(RO, mapping("web"), 5)
    router = AmbassadorRouter(client, rollout({"ambassador": {"mappings": ["web"]}}), clock=FakeClock())

    real_get = client.get

    async def get_racing(res: Any, name: str, namespace: str | None = None) -> dict[str, Any]:
        if name == "web" and "web-canary" not in {k[2] for k in client.objects}:
            client.seed(RES, existing)  # another writer creates it between our read and our create
        return await real_get(res, name, namespace)

    client.get = get_racing  # type: ignore[method-assign]
    await router.set_weight(40)
    assert client.stored(RES, "web-canary")["spec"]["weight"] == 40
    assert [c[0] for c in client.writes()] == ["create", "patch"]
