"""Upstream's router flags reach the routers: parse → RouterSettings → the objects each router edits."""

from __future__ import annotations

from rollouts.controller.flags import parse
from rollouts.controller.router_flags import ROUTER_FLAGS, router_settings
from rollouts.trafficrouting.factory import DEFAULT_ROUTER_SETTINGS, RouterSettings
from rollouts.trafficrouting.resources import ambassador_mappings, traefik_services, virtual_services
from tests.trafficrouting.fakes import RecordingClient, rollout


def test_defaults_are_upstreams() -> None:
    settings = router_settings(parse([]))
    assert settings == DEFAULT_ROUTER_SETTINGS
    assert settings.istio_api_version == "v1alpha3"
    assert settings.smi_api_version == "v1alpha1"
    assert settings.traefik_api_version == "traefik.io/v1alpha1"
    assert settings.traefik_api_group is None
    assert settings.ambassador_api_version == "getambassador.io/v2"
    assert settings.appmesh_crd_version == "v1beta2"


def test_given_flags_are_taken_and_not_reported_as_inert() -> None:
    options = parse(
        [
            "--istio-api-version=v1beta1",
            "--traffic-split-api-version=v1alpha2",
            "--traefik-api-version=traefik.containo.us/v1alpha1",
            "--traefik-api-group=traefik.containo.us",
            "--ambassador-api-version=x.getambassador.io/v3alpha1",
            "--appmesh-crd-version=v1beta1",
            "--alb-verify-weight",
        ]
    )
    assert router_settings(options) == RouterSettings(
        istio_api_version="v1beta1",
        smi_api_version="v1alpha2",
        traefik_api_version="traefik.containo.us/v1alpha1",
        traefik_api_group="traefik.containo.us",
        ambassador_api_version="x.getambassador.io/v3alpha1",
        appmesh_crd_version="v1beta1",
    )
    # the process warns about given flags without an effect; the router flags have one
    assert [flag for flag in options.inert if flag not in ROUTER_FLAGS] == ["--alb-verify-weight"]


async def test_the_routers_edit_the_kinds_of_the_given_versions() -> None:
    settings = RouterSettings(
        istio_api_version="v1beta1",
        traefik_api_version="traefik.containo.us/v1alpha1",
        ambassador_api_version="x.getambassador.io/v3alpha1",
    )
    ro = rollout(
        {
            "istio": {"virtualService": {"name": "vs", "routes": ["primary"]}},
            "traefik": {"weightedTraefikServiceName": "ts"},
            "ambassador": {"mappings": ["web"]},
        }
    )
    client = RecordingClient()
    client.seed(
        virtual_services("v1beta1"),
        {
            "metadata": {"name": "vs", "namespace": "ns"},
            "spec": {
                "http": [
                    {
                        "name": "primary",
                        "route": [
                            {"destination": {"host": "stable-svc"}, "weight": 100},
                            {"destination": {"host": "canary-svc"}, "weight": 0},
                        ],
                    }
                ]
            },
        },
    )
    client.seed(
        traefik_services("traefik.containo.us/v1alpha1"),
        {
            "metadata": {"name": "ts", "namespace": "ns"},
            "spec": {
                "weighted": {"services": [{"name": "stable-svc", "weight": 100}, {"name": "canary-svc"}]}
            },
        },
    )
    client.seed(
        ambassador_mappings("x.getambassador.io/v3alpha1"),
        {"metadata": {"name": "web", "namespace": "ns"}, "spec": {"prefix": "/", "service": "stable-svc"}},
    )
    # The fake keys objects by plural only, so of these three the Ambassador kind (x.getambassador.io
    # serves AmbassadorMappings) is the one that fails under the default settings; the Istio and
    # Traefik versions are checked on the settings in the test above.
    for router in settings.routers(client, ro, clock=None):
        await router.set_weight(20)
    assert client.stored(virtual_services("v1beta1"), "vs")["spec"]["http"][0]["route"][1]["weight"] == 20
    assert (
        client.stored(traefik_services("traefik.containo.us/v1alpha1"), "ts")["spec"]["weighted"]["services"][
            1
        ]["weight"]
        == 20
    )
    assert (
        client.stored(ambassador_mappings("x.getambassador.io/v3alpha1"), "web-canary")["spec"]["weight"]
        == 20
    )
