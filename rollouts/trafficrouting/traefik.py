"""Traefik applier: merge-patch the weighted TraefikService's ``spec`` (see :mod:`.traefik_objects`).

Upstream reads the object and writes it back whole (Update); the merge patch here carries the
resourceVersion read, so a concurrent edit fails the same way (409) and is retried.
"""

from __future__ import annotations

from rollouts.api.rollout import Rollout
from rollouts.trafficrouting import traefik_objects as objects
from rollouts.trafficrouting.one_object import OneObjectRouter
from rollouts.trafficrouting.resources import DEFAULT_TRAEFIK_VERSION, traefik_services
from rollouts.trafficrouting.router import RouterClient

TYPE = "Traefik"


class TraefikRouter(OneObjectRouter):
    def __init__(
        self,
        client: RouterClient,
        rollout: Rollout,
        api_version: str = DEFAULT_TRAEFIK_VERSION,
        api_group: str | None = None,
    ) -> None:
        # Traefik reports no status to wait on: the stored weights are the verification.
        super().__init__(
            client,
            rollout,
            traefik_services(api_version, api_group),
            objects.traefik_service_name,
            objects.with_weights,
            objects.carries_weights,
        )

    def type(self) -> str:
        return TYPE
