"""NGINX: the exact canary Ingress written, header annotations, several stable Ingresses, the applier."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s.resources import INGRESSES
from rollouts.trafficrouting import nginx_objects
from rollouts.trafficrouting.nginx import NginxRouter
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import OWNER, RecordingClient, rollout


def stable_ingress(name: str = "web", *, service: str = "stable-svc") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": name,
            "namespace": "ns",
            "annotations": {"kubernetes.io/ingress.class": "nginx", "other/annotation": "dropped"},
            "labels": {"team": "a"},
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}],
            "rules": [
                {
                    "host": "a.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service, "port": {"number": 80}}},
                            },
                            {
                                "path": "/other",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "other-svc", "port": {"number": 80}}},
                            },
                        ]
                    },
                },
                {
                    "host": "b.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "other-svc", "port": {"number": 80}}},
                            }
                        ]
                    },
                },
            ],
        },
    }


def test_canary_ingress_is_derived_from_the_stable_ingress() -> None:
    ro = rollout(
        {
            "nginx": {
                "stableIngress": "web",
                "additionalIngressAnnotations": {"canary-by-cookie": "beta"},
                "canaryIngressAnnotations": {"example.com/verbatim": "x"},
            }
        }
    )
    got = nginx_objects.desired_canary_ingress(ro, stable_ingress(), 20)
    assert got == {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "app-web-canary",
            "namespace": "ns",
            "annotations": {
                "kubernetes.io/ingress.class": "nginx",
                "nginx.ingress.kubernetes.io/canary-by-cookie": "beta",
                "example.com/verbatim": "x",
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-weight": "20",
            },
            "ownerReferences": [OWNER],
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["a.example.com"], "secretName": "tls"}],
            # Only the rule reaching the stable service, with that backend now the canary; the
            # other path of the rule is kept as upstream does (it copies the whole rule).
            "rules": [
                {
                    "host": "a.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "canary-svc", "port": {"number": 80}}},
                            },
                            {
                                "path": "/other",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "other-svc", "port": {"number": 80}}},
                            },
                        ]
                    },
                }
            ],
        },
    }


def test_custom_prefix_and_weight_total() -> None:
    ro = rollout(
        {"nginx": {"stableIngress": "web", "annotationPrefix": "my.nginx"}, "maxTrafficWeight": 1000}
    )
    annotations = nginx_objects.desired_canary_ingress(ro, stable_ingress(), 250)["metadata"]["annotations"]
    assert annotations["my.nginx/canary"] == "true"
    assert annotations["my.nginx/canary-weight"] == "250"
    assert annotations["my.nginx/canary-weight-total"] == "1000"


def test_stable_ingress_without_the_stable_service_is_an_error() -> None:
    ro = rollout({"nginx": {"stableIngress": "web"}})
    with pytest.raises(
        TrafficRoutingError, match="ingress `web` has no rules using service stable-svc backend"
    ):
        nginx_objects.desired_canary_ingress(ro, stable_ingress(service="nope"), 10)


def test_canary_name_is_cut_to_253_characters() -> None:
    name = nginx_objects.canary_ingress_name("r" * 200, "s" * 100)
    assert len(name) == 253
    assert name.endswith("-canary")
    assert name.startswith("r" * 200 + "-")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"exact": "on"}, {"canary-by-header": "X-Canary", "canary-by-header-value": "on"}),
        ({"regex": "on|yes"}, {"canary-by-header": "X-Canary", "canary-by-header-pattern": "on|yes"}),
        ({"prefix": "v1."}, {"canary-by-header": "X-Canary", "canary-by-header-pattern": r"^v1\..*"}),
    ],
)
def test_header_route_annotations(value: dict[str, str], expected: dict[str, str]) -> None:
    route = SetHeaderRoute.model_validate(
        {"name": "h", "match": [{"headerName": "X-Canary", "headerValue": value}]}
    )
    got = nginx_objects.header_annotations("nginx.ingress.kubernetes.io", route)
    assert got == {f"nginx.ingress.kubernetes.io/{k}": v for k, v in expected.items()}
    assert nginx_objects.header_annotations("p", SetHeaderRoute(name="h")) == {}


async def test_applier_creates_patches_and_keeps_header_routes_across_weights() -> None:
    client = RecordingClient()
    client.seed(INGRESSES, stable_ingress("web"))
    client.seed(INGRESSES, stable_ingress("api"))
    ro = rollout({"nginx": {"stableIngresses": ["web", "api"]}, "managedRoutes": [{"name": "h"}]})
    router = NginxRouter(client, ro)
    assert router.type() == "Nginx"

    await router.set_weight(20)
    assert [c[:3] for c in client.writes()] == [
        ("create", "ingresses", "app-web-canary"),
        ("create", "ingresses", "app-api-canary"),
    ]
    assert await router.verify_weight(20) is True
    assert await router.verify_weight(50) is False

    route = SetHeaderRoute.model_validate(
        {"name": "h", "match": [{"headerName": "X", "headerValue": {"exact": "1"}}]}
    )
    await router.set_header_route(route)
    await router.set_weight(50)
    web = client.stored(INGRESSES, "app-web-canary")["metadata"]["annotations"]
    assert web["nginx.ingress.kubernetes.io/canary-weight"] == "50"
    assert web["nginx.ingress.kubernetes.io/canary-by-header"] == "X"
    assert web["nginx.ingress.kubernetes.io/canary-by-header-value"] == "1"

    client.calls.clear()
    await router.set_weight(50)
    assert client.writes() == [], "an unchanged canary Ingress is not patched"

    await router.remove_managed_routes()
    patches = client.patches()
    assert patches[0] == {
        "metadata": {
            "annotations": {
                "nginx.ingress.kubernetes.io/canary-by-header": None,
                "nginx.ingress.kubernetes.io/canary-by-header-value": None,
            }
        }
    }
    await router.set_weight(0)
    assert (
        client.stored(INGRESSES, "app-api-canary")["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/canary-weight"
        ]
        == "0"
    )


async def test_applier_refuses_a_canary_ingress_owned_by_someone_else() -> None:
    client = RecordingClient()
    client.seed(INGRESSES, stable_ingress("web"))
    foreign = nginx_objects.desired_canary_ingress(
        rollout({"nginx": {"stableIngress": "web"}}), stable_ingress(), 5
    )
    foreign["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    client.seed(INGRESSES, foreign)
    router = NginxRouter(client, rollout({"nginx": {"stableIngress": "web"}}))
    with pytest.raises(TrafficRoutingError, match="controlled by different object"):
        await router.set_weight(30)


async def test_missing_stable_ingress_is_a_clear_error() -> None:
    router = NginxRouter(RecordingClient(), rollout({"nginx": {"stableIngress": "web"}}))
    with pytest.raises(TrafficRoutingError, match="stableIngress `web`"):
        await router.set_weight(10)
