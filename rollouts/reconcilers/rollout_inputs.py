"""What one Rollout reconcile reads, gathered from the informer caches only (no API reads).

* the ReplicaSets the Rollout controls (the caches' controller-uid index: a ReplicaSet owned by
  another controller, or by nobody, is never handed to the core and so never touched);
* the Services it names, by role, and the names it refers to that the cache does not hold.

Cached objects are shared and immutable by contract: nothing here copies or changes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.api.common import FieldError
from rollouts.api.go_field_errors import invalid
from rollouts.api.rollout import Rollout
from rollouts.api.validation_references import ServiceRole, validate_service
from rollouts.informers.store import BY_CONTROLLER_UID, Store

_ROLE_PATHS = {
    ServiceRole.ACTIVE: "spec.strategy.blueGreen.activeService",
    ServiceRole.PREVIEW: "spec.strategy.blueGreen.previewService",
    ServiceRole.CANARY: "spec.strategy.canary.canaryService",
    ServiceRole.STABLE: "spec.strategy.canary.stableService",
}


def service_roles(ro: Rollout) -> list[tuple[ServiceRole, str]]:
    """(role, Service name) for each Service the Rollout's strategy names."""
    roles: list[tuple[ServiceRole, str | None]] = []
    if ro.blue_green is not None:
        roles += [
            (ServiceRole.ACTIVE, ro.blue_green.active_service),
            (ServiceRole.PREVIEW, ro.blue_green.preview_service),
        ]
    if ro.canary is not None:
        roles += [
            (ServiceRole.CANARY, ro.canary.canary_service),
            (ServiceRole.STABLE, ro.canary.stable_service),
        ]
    return [(role, name) for role, name in roles if name]


@dataclass(frozen=True, slots=True)
class RolloutInputs:
    replica_sets: list[dict[str, Any]]
    #: Service name -> cached Service, for the Services that exist.
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Problems with the referenced Services (missing, not selecting the pods, claimed elsewhere),
    #: with upstream's paths and messages; the first becomes the InvalidSpec message.
    reference_errors: list[FieldError] = field(default_factory=list)

    def replica_sets_by_name(self) -> dict[str, Mapping[str, Any]]:
        return {str(rs["metadata"]["name"]): rs for rs in self.replica_sets}


def gather(ro: Rollout, replica_sets: Store, services: Store) -> RolloutInputs:
    uid = ro.metadata.uid or ""
    owned = [rs for rs in replica_sets.by_index(BY_CONTROLLER_UID, uid)] if uid else []
    found: dict[str, dict[str, Any]] = {}
    errors: list[FieldError] = []
    for role, name in service_roles(ro):
        service = services.get_by_name(ro.namespace, name)
        if service is None:
            # the lister's NotFound text, as upstream puts it into the condition
            errors.append(invalid(_ROLE_PATHS[role], name, f'service "{name}" not found'))
            continue
        found[name] = service
        errors += validate_service(ro, service, role)
    owned.sort(key=lambda rs: str(rs["metadata"].get("name")))
    return RolloutInputs(owned, found, errors)
