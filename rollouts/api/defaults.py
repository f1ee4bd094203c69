"""Upstream's Rollout defaults, read through resolver functions.

The Rollout model keeps what the user wrote (unset stays unset); everything that needs an
effective value reads it through a ``*_or_default`` function here, so each default lives in one
place and matches upstream's ``utils/defaults`` package.

What upstream *writes back* into the object: only ``spec.replicas`` — when it is unset the
controller patches ``spec.replicas: 1`` so that an HPA has a value to scale from
(:data:`WRITTEN_BACK_DEFAULTS`). Every other default is applied at read time and never appears
in the stored object.

Percentages: upstream writes its surge/unavailable defaults as the string ``"25"`` and reads them
as 25%; :func:`rollouts.api.common.int_or_percent` does the same.
"""

from __future__ import annotations

from rollouts.api.common import IntOrString
from rollouts.api.rollout import Rollout

DEFAULT_REPLICAS = 1
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_PROGRESS_DEADLINE_SECONDS = 600
DEFAULT_MAX_SURGE: IntOrString = "25"
DEFAULT_MAX_UNAVAILABLE: IntOrString = "25"
DEFAULT_SCALE_DOWN_DELAY_SECONDS = 30
DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS = 30
DEFAULT_AUTO_PROMOTION_ENABLED = True
DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT = 5
DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT = 5
DEFAULT_MAX_TRAFFIC_WEIGHT = 100
DEFAULT_MIN_READY_SECONDS = 0

DEFAULT_NGINX_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io"
DEFAULT_ALB_ANNOTATION_PREFIX = "alb.ingress.kubernetes.io"

# API versions of the routers' objects, as upstream's flags default them.
DEFAULT_ISTIO_VERSION = "v1alpha3"
DEFAULT_SMI_TRAFFIC_SPLIT_VERSION = "v1alpha1"
DEFAULT_AMBASSADOR_VERSION = "getambassador.io/v2"
DEFAULT_APP_MESH_CRD_VERSION = "v1beta2"
DEFAULT_TRAEFIK_VERSION = "traefik.io/v1alpha1"  # Traefik v3; v2 served traefik.containo.us
DEFAULT_APISIX_VERSION = "apisix.apache.org/v2"
DEFAULT_TARGET_GROUP_BINDING_VERSION = "elbv2.k8s.aws/v1beta1"

#: Defaults the controller patches into the stored object (JSON path -> value).
WRITTEN_BACK_DEFAULTS: dict[str, int] = {"spec.replicas": DEFAULT_REPLICAS}


def replicas_or_default(rollout: Rollout) -> int:
    return DEFAULT_REPLICAS if rollout.spec.replicas is None else rollout.spec.replicas


def revision_history_limit_or_default(rollout: Rollout) -> int:
    limit = rollout.spec.revision_history_limit
    return DEFAULT_REVISION_HISTORY_LIMIT if limit is None else limit


def progress_deadline_seconds_or_default(rollout: Rollout) -> int:
    seconds = rollout.spec.progress_deadline_seconds
    return DEFAULT_PROGRESS_DEADLINE_SECONDS if seconds is None else seconds


def min_ready_seconds_or_default(rollout: Rollout) -> int:
    return rollout.spec.min_ready_seconds or DEFAULT_MIN_READY_SECONDS


def max_surge_or_default(rollout: Rollout) -> IntOrString:
    """Canary's maxSurge, else ``"25"`` (blue-green has no surge field)."""
    canary = rollout.canary
    if canary is not None and canary.max_surge is not None:
        return canary.max_surge
    return DEFAULT_MAX_SURGE


def max_unavailable_or_default(rollout: Rollout) -> IntOrString:
    for strategy in (rollout.blue_green, rollout.canary):
        if strategy is not None and strategy.max_unavailable is not None:
            return strategy.max_unavailable
    return DEFAULT_MAX_UNAVAILABLE


def scale_down_delay_seconds_or_default(rollout: Rollout) -> int:
    """Seconds before the old stable/active ReplicaSet is scaled down.

    Blue-green: the field, default 30. Canary: the field, default 30, but only with traffic
    routing — a basic canary scales the old ReplicaSet down at once (0).
    """
    bg = rollout.blue_green
    if bg is not None:
        return DEFAULT_SCALE_DOWN_DELAY_SECONDS if bg.scale_down_delay_seconds is None else (
            bg.scale_down_delay_seconds
        )
    canary = rollout.canary
    if canary is not None and canary.traffic_routing is not None:
        if canary.scale_down_delay_seconds is not None:
            return canary.scale_down_delay_seconds
        return DEFAULT_SCALE_DOWN_DELAY_SECONDS
    return 0


def abort_scale_down_delay_seconds_or_default(rollout: Rollout) -> int | None:
    """Seconds before the canary/preview ReplicaSet is scaled down after an abort.

    ``None`` means *never scale it down* (the user wrote 0). A canary without traffic routing
    has no delay (0): its replicas are scaled down by the normal canary arithmetic.
    """
    strategy_delay: int | None
    bg, canary = rollout.blue_green, rollout.canary
    if bg is not None:
        strategy_delay = bg.abort_scale_down_delay_seconds
    elif canary is not None and canary.traffic_routing is not None:
        strategy_delay = canary.abort_scale_down_delay_seconds
    else:
        return 0
    if strategy_delay is None:
        return DEFAULT_ABORT_SCALE_DOWN_DELAY_SECONDS
    return None if strategy_delay == 0 else strategy_delay


def auto_promotion_enabled_or_default(rollout: Rollout) -> bool:
    bg = rollout.blue_green
    if bg is None or bg.auto_promotion_enabled is None:
        return DEFAULT_AUTO_PROMOTION_ENABLED
    return bg.auto_promotion_enabled


def successful_run_history_limit_or_default(rollout: Rollout) -> int:
    analysis = rollout.spec.analysis
    if analysis is None or analysis.successful_run_history_limit is None:
        return DEFAULT_SUCCESSFUL_RUN_HISTORY_LIMIT
    return analysis.successful_run_history_limit


def unsuccessful_run_history_limit_or_default(rollout: Rollout) -> int:
    analysis = rollout.spec.analysis
    if analysis is None or analysis.unsuccessful_run_history_limit is None:
        return DEFAULT_UNSUCCESSFUL_RUN_HISTORY_LIMIT
    return analysis.unsuccessful_run_history_limit


def max_traffic_weight_or_default(rollout: Rollout) -> int:
    """The weight that means "all traffic" (``trafficRouting.maxTrafficWeight``, default 100)."""
    canary = rollout.canary
    routing = canary.traffic_routing if canary is not None else None
    if routing is None or routing.max_traffic_weight is None:
        return DEFAULT_MAX_TRAFFIC_WEIGHT
    return routing.max_traffic_weight


def nginx_annotation_prefix_or_default(prefix: str | None) -> str:
    return prefix or DEFAULT_NGINX_ANNOTATION_PREFIX


def alb_annotation_prefix_or_default(prefix: str | None) -> str:
    return prefix or DEFAULT_ALB_ANNOTATION_PREFIX


def smi_root_service_or_default(rollout: Rollout) -> str:
    """SMI's root service: ``trafficRouting.smi.rootService``, else the stable service."""
    canary = rollout.canary
    routing = canary.traffic_routing if canary is not None else None
    if routing is not None and routing.smi is not None and routing.smi.root_service:
        return routing.smi.root_service
    return canary.stable_service or "" if canary is not None else ""


def smi_traffic_split_name_or_default(rollout: Rollout) -> str:
    """SMI's TrafficSplit name: ``trafficRouting.smi.trafficSplitName``, else the Rollout's name."""
    canary = rollout.canary
    routing = canary.traffic_routing if canary is not None else None
    if routing is not None and routing.smi is not None and routing.smi.traffic_split_name:
        return routing.smi.traffic_split_name
    return rollout.name


def strategy_type(rollout: Rollout) -> str:
    """``blueGreen``, ``canary`` or ``""`` — the value upstream's metrics and CLI print."""
    if rollout.blue_green is not None:
        return "blueGreen"
    if rollout.canary is not None:
        return "canary"
    return ""
