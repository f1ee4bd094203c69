"""Upstream's router flags (API versions of the routed kinds) turned into the
:class:`~rollouts.trafficrouting.factory.RouterSettings` every Rollout reconcile uses.

The flags are parsed with the other upstream flags (:mod:`.flags`); these are the ones that take
effect, so the process does not warn about them as inert.
"""

from __future__ import annotations

from rollouts.controller.flags import Options
from rollouts.trafficrouting.factory import RouterSettings

#: Upstream flags that act on the routers (never reported as "no effect yet").
ROUTER_FLAGS = frozenset(
    {
        "--istio-api-version",
        "--traffic-split-api-version",
        "--traefik-api-version",
        "--traefik-api-group",
        "--ambassador-api-version",
        "--appmesh-crd-version",
    }
)


def router_settings(options: Options) -> RouterSettings:
    """The settings from the flags as given (upstream's defaults otherwise). The Traefik group is
    taken from ``--traefik-api-group`` only when given; else from ``--traefik-api-version``."""
    values = options.upstream
    defaults = RouterSettings()

    def value(flag: str, default: str) -> str:
        given = values.get(flag[2:])
        return str(given) if given else default

    return RouterSettings(
        istio_api_version=value("--istio-api-version", defaults.istio_api_version),
        smi_api_version=value("--traffic-split-api-version", defaults.smi_api_version),
        traefik_api_version=value("--traefik-api-version", defaults.traefik_api_version),
        traefik_api_group=(
            str(values["traefik-api-group"]) if "--traefik-api-group" in options.inert else None
        ),
        ambassador_api_version=value("--ambassador-api-version", defaults.ambassador_api_version),
        appmesh_crd_version=value("--appmesh-crd-version", defaults.appmesh_crd_version),
    )
