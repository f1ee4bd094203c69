"""Semantic validation of a Rollout, with upstream's rules, paths and messages.

:func:`validate_rollout` returns every problem it finds, in upstream's order (the reconciler puts
the *first* one into the InvalidSpec condition, see :func:`invalid_spec_message`). Each error's
text is apimachinery's ``field.Error`` wording (:mod:`rollouts.api.go_field_errors`), so that
``str(error)`` reads like upstream's, paths included — even upstream's quirks, kept on purpose
because users and tools match on them:

* strategy-level errors are reported at ``spec.strategy.strategy`` (upstream appends
  ``strategy`` twice), and the canary/blue-green fields at ``spec.strategy.<field>``;
* a missing selector also reports that it does not match the template labels.

Rules beyond upstream's ``validation.go`` (the CRD schema or the controller rejects these
later upstream; we report them here, after upstream's, so they never change the first error):
``blueGreen.activeService`` required, malformed maxSurge/maxUnavailable percentages, malformed
experiment step durations, analysis template references without a name, a step with more than
one kind of the four upstream checks.

Pure: no I/O, no clock. Analysis/Experiment rules live in :mod:`rollouts.api.validation_analysis`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rollouts.api import defaults
from rollouts.api.analysis import AnalysisTemplateRef
from rollouts.api.common import FieldError, IntOrString, LabelSelector, parse_go_duration
from rollouts.api.go_field_errors import (
    forbidden,
    go_string_map,
    internal,
    invalid,
    not_supported,
    required,
)
from rollouts.api.label_rules import label_value_errors, labels_errors, qualified_name_errors
from rollouts.api.rollout import (
    AnalysisRunArgument,
    AntiAffinity,
    CanaryStep,
    CanaryStrategy,
    Rollout,
    RolloutTrafficRouting,
    StringMatch,
)

MISSING_FIELD = "Rollout has missing field '{}'"
INVALID_SET_WEIGHT = "SetWeight needs to be between 0 and {}"
EXPERIMENT_WEIGHT_WITHOUT_TRAFFIC_ROUTING = (
    "Experiment template weight cannot be set unless TrafficRouting is enabled"
)
EXPERIMENT_WEIGHT_UNSUPPORTED_ROUTER = (
    "Experiment template weight is only available for TrafficRouting with SMI, ALB, Istio and Plugins"
    " at this time"
)
SET_CANARY_SCALE_NEEDS_TRAFFIC_ROUTING = "SetCanaryScale requires TrafficRouting to be set"
SET_HEADER_ROUTE_NEEDS_ROUTER = "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix"
SET_MIRROR_ROUTE_NEEDS_ROUTER = "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins"
STRING_MATCH_MULTIPLE = "StringMatch match value must have exactly one of the following: exact, regex, prefix"
STRING_MATCH_MISSING = (
    "StringMatch value missed, match value must have one of the following: exact, regex, prefix"
)
ALB_HEADER_EXACT_ONLY = "SetHeaderRoute match value invalid. ALB supports 'exact' value only"
INVALID_DURATION = "Duration needs to be greater than 0"
MAX_SURGE_AND_UNAVAILABLE_ZERO = "MaxSurge and MaxUnavailable both can not be zero"
INVALID_STEP = (
    "Step must have one of the following set: experiment, setWeight, setCanaryScale, plugin or pause"
)
MULTIPLE_STRATEGIES = "Multiple Strategies can not be listed"
DUPLICATE_SERVICES_BLUE_GREEN = (
    "This rollout uses the same service for the active and preview services,"
    " but two different services are required."
)
DUPLICATE_SERVICES_CANARY = (
    "This rollout uses the same service for the stable and canary services,"
    " but two different services are required."
)
ANTI_AFFINITY_ONE_STRATEGY = "AntiAffinity must have exactly one strategy listed"
ANTI_AFFINITY_WEIGHT = "AntiAffinity weight must be between 1-100"
SCALE_DOWN_LIMIT_ABOVE_REVISION_LIMIT = (
    "This rollout's revision history limit can not be smaller than the rollout's scale down limit"
)
SERVICES_NEEDED_FOR_TRAFFIC_ROUTING = (
    "Canary service and Stable service must to be set to use Traffic Routing"
)
INVALID_ANALYSIS_ARGS = "Analyses arguments must refer to valid object metadata supported by downwardAPI"
CANARY_SCALE_DOWN_DELAY_NEEDS_TRAFFIC_ROUTING = (
    "Canary scaleDownDelaySeconds can only be used with traffic routing"
)
DYNAMIC_STABLE_SCALE_NEEDS_TRAFFIC_ROUTING = "Canary dynamicStableScale can only be used with traffic routing"
DYNAMIC_STABLE_SCALE_WITH_SCALE_DOWN_DELAY = (
    "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds"
)
MAX_TRAFFIC_WEIGHT_NGINX_AND_PLUGINS_ONLY = (
    "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins"
)
PING_PONG_NEEDS_BOTH_SERVICES = "Ping service and Pong service must to be set to use Ping-Pong feature"
DUPLICATE_PING_PONG_SERVICES = (
    "This rollout uses the same service for the ping and pong services,"
    " but two different services are required."
)
ALB_PING_PONG_NEEDS_ROOT_SERVICE = (
    "Root service field is required for the configuration with ALB and ping-pong feature enabled"
)
PING_PONG_ROUTERS_ONLY = "Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers only"
ROUTE_NOT_IN_MANAGED_ROUTES = (
    "Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes"
)
NEGATIVE = "must be greater than or equal to 0"
SELECTOR_DOES_NOT_MATCH = "`selector` does not match template `labels`"
EMPTY_SELECTOR = "empty selector is invalid for deployment"
TEMPLATE_WITH_WORKLOAD_REF = "template must be empty for workload reference rollout"
INVALID_PERCENT = (
    "a valid percent string must be a numeric string followed by an ending '%' "
    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
)

#: Rollout fields a downward-API style ``fieldRef`` under ``metadata`` may name.
_DOWNWARD_API_PATHS = re.compile(
    r"metadata\.(name|namespace|uid|labels|annotations)|metadata\.(labels|annotations)\['[^']*'\]"
)


def invalid_spec_message(rollout: Rollout, error: FieldError) -> str:
    """The InvalidSpec condition message upstream writes for a Rollout's first error."""
    return f'The Rollout "{rollout.name}" is invalid: {error}'


def validate_rollout(rollout: Rollout, *, template_resolved_from_ref: bool = False) -> list[FieldError]:
    """Every problem with the Rollout's spec, upstream's first.

    ``template_resolved_from_ref``: the template was copied from ``spec.workloadRef`` by the
    controller (then the template is validated like a written one and may be non-empty).
    """
    errors = _spec_errors(rollout, template_resolved_from_ref)
    errors += _strategy_errors(rollout)
    errors += _additional_errors(rollout)
    return errors


# ---------------------------------------------------------------------------------------------
# spec


def _spec_errors(rollout: Rollout, resolved_from_ref: bool) -> list[FieldError]:
    spec = rollout.spec
    errors: list[FieldError] = []
    replicas = defaults.replicas_or_default(rollout)
    if replicas < 0:
        errors.append(invalid("spec.replicas", replicas, NEGATIVE))
    if spec.workload_ref is None:
        if spec.selector is None:
            errors.append(required("spec.selector", MISSING_FIELD.format(".spec.selector")))
        else:
            errors += _label_selector_errors(spec.selector, "spec.selector")
            if spec.selector.is_empty():
                errors.append(invalid("spec.selector", spec.selector, EMPTY_SELECTOR))
    if not resolved_from_ref and spec.workload_ref is not None and spec.template:
        errors.append(internal("spec.template", TEMPLATE_WITH_WORKLOAD_REF))
    if spec.selector is not None and not _selector_convertible(spec.selector):
        errors.append(invalid("spec.selector", spec.selector, "invalid label selector"))
    elif resolved_from_ref or spec.workload_ref is None:
        errors += _template_errors(rollout)
    min_ready = spec.min_ready_seconds or 0
    if min_ready < 0:
        errors.append(invalid("spec.minReadySeconds", min_ready, NEGATIVE))
    history = defaults.revision_history_limit_or_default(rollout)
    if history < 0:
        errors.append(invalid("spec.revisionHistoryLimit", history, NEGATIVE))
    deadline = defaults.progress_deadline_seconds_or_default(rollout)
    if deadline < 0:
        errors.append(invalid("spec.progressDeadlineSeconds", deadline, NEGATIVE))
    if deadline <= min_ready:
        errors.append(
            invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")
        )
    return errors


def _label_selector_errors(selector: LabelSelector, path: str) -> list[FieldError]:
    """apimachinery's ValidateLabelSelector: each expression, then the matchLabels map."""
    errors: list[FieldError] = []
    for i, req in enumerate(selector.match_expressions or []):
        item = f"{path}.matchExpressions[{i}]"
        if req.operator in {"In", "NotIn"}:
            if not req.values:
                errors.append(
                    required(f"{item}.values", "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif req.operator in {"Exists", "DoesNotExist"}:
            if req.values:
                errors.append(
                    forbidden(
                        f"{item}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                    )
                )
        else:
            errors.append(invalid(f"{item}.operator", req.operator or "", "not a valid selector operator"))
        errors += [invalid(f"{item}.key", req.key or "", m) for m in qualified_name_errors(req.key or "")]
        for j, value in enumerate(req.values or []):
            errors += [invalid(f"{item}.values[{j}]", value, m) for m in label_value_errors(value)]
    return errors + labels_errors(selector.match_labels, f"{path}.matchLabels")


def _selector_convertible(selector: LabelSelector) -> bool:
    """Whether the selector converts to a label query (upstream: LabelSelectorAsSelector)."""
    return not _label_selector_errors(selector, "")


def _template_errors(rollout: Rollout) -> list[FieldError]:
    """The ReplicaSet pod-template rules upstream borrows from Kubernetes (the ones we check)."""
    spec = rollout.spec
    template = spec.template or {}
    errors: list[FieldError] = []
    labels = spec.template_labels() if _has_labels(template) else None
    # a nil selector matches nothing; an empty one matches everything
    if spec.selector is None or (not spec.selector.is_empty() and not spec.selector.matches(labels or {})):
        errors.append(
            invalid("spec.template.metadata.labels", go_string_map(labels), SELECTOR_DOES_NOT_MATCH)
        )
    errors += labels_errors(labels, "spec.template.metadata.labels")
    pod_spec = template.get("spec")
    pod_spec = pod_spec if isinstance(pod_spec, dict) else {}
    containers = pod_spec.get("containers")
    if not isinstance(containers, list) or not containers:
        errors.append(required("spec.template.spec.containers"))
    else:
        for i, container in enumerate(containers):
            container = container if isinstance(container, dict) else {}
            for key in ("name", "image"):
                if not container.get(key):
                    errors.append(required(f"spec.template.spec.containers[{i}].{key}"))
    restart = pod_spec.get("restartPolicy")
    if restart not in (None, "Always"):
        errors.append(not_supported("spec.template.spec.restartPolicy", restart, ["Always"]))
    if pod_spec.get("activeDeadlineSeconds") is not None:
        errors.append(
            invalid(
                "spec.template.spec.activeDeadlineSeconds",
                pod_spec["activeDeadlineSeconds"],
                "activeDeadlineSeconds in ReplicaSet is not Supported",
            )
        )
    return errors


def _has_labels(template: dict[str, Any]) -> bool:
    meta = template.get("metadata")
    return isinstance(meta, dict) and isinstance(meta.get("labels"), dict)


# ---------------------------------------------------------------------------------------------
# strategy


def _strategy_errors(rollout: Rollout) -> list[FieldError]:
    strategy = rollout.spec.strategy
    canary = strategy.canary if strategy else None
    blue_green = strategy.blue_green if strategy else None
    # upstream's path really is spec.strategy.strategy here
    if canary is None and blue_green is None:
        message = MISSING_FIELD.format(".spec.strategy.canary or .spec.strategy.blueGreen")
        return [required("spec.strategy.strategy", message)]
    if canary is not None and blue_green is not None:
        return [invalid("spec.strategy.strategy", "blueGreen: true canary: true", MULTIPLE_STRATEGIES)]
    if blue_green is not None:
        errors: list[FieldError] = []
        if (blue_green.active_service or "") == (blue_green.preview_service or ""):
            errors.append(
                invalid(
                    "spec.strategy.activeService",
                    blue_green.active_service or "",
                    DUPLICATE_SERVICES_BLUE_GREEN,
                )
            )
        limit = blue_green.scale_down_delay_revision_limit
        if limit is not None and defaults.revision_history_limit_or_default(rollout) < limit:
            errors.append(
                invalid(
                    "spec.strategy.scaleDownDelayRevisionLimit", limit, SCALE_DOWN_LIMIT_ABOVE_REVISION_LIMIT
                )
            )
        return errors + _anti_affinity_errors(blue_green.anti_affinity, "spec.strategy.antiAffinity")
    assert canary is not None
    return _canary_errors(rollout, canary)


def _requires_canary_and_stable_services(canary: CanaryStrategy) -> bool:
    tr = canary.traffic_routing
    if tr is None:
        return False
    no_ping_pong = canary.ping_pong is None
    return (
        (tr.alb is not None and no_ping_pong)
        or (tr.istio is not None and tr.istio.destination_rule is None and no_ping_pong)
        or any(r is not None for r in (tr.smi, tr.apisix, tr.ambassador, tr.nginx, tr.app_mesh, tr.traefik))
    )


def _canary_errors(rollout: Rollout, canary: CanaryStrategy) -> list[FieldError]:
    base = "spec.strategy"
    tr = canary.traffic_routing
    errors = _surge_unavailable_errors(rollout, canary)
    if canary.canary_service and canary.stable_service and canary.canary_service == canary.stable_service:
        errors.append(invalid(f"{base}.stableService", canary.stable_service, DUPLICATE_SERVICES_CANARY))
    if canary.ping_pong is not None:
        ping, pong = canary.ping_pong.ping_service or "", canary.ping_pong.pong_service or ""
        if tr is not None and tr.alb is None and tr.istio is None and not tr.plugins:
            errors.append(invalid(f"{base}.trafficRouting.alb", None, PING_PONG_ROUTERS_ONLY))
        if not ping:
            errors.append(invalid(f"{base}.pingPong.pingService", ping, PING_PONG_NEEDS_BOTH_SERVICES))
        if not pong:
            errors.append(invalid(f"{base}.pingPong.pongService", pong, PING_PONG_NEEDS_BOTH_SERVICES))
        if ping == pong:
            errors.append(invalid(f"{base}.pingPong.pingService", ping, DUPLICATE_PING_PONG_SERVICES))
        if tr is not None and tr.alb is not None and not tr.alb.root_service:
            errors.append(
                invalid(
                    f"{base}.trafficRouting.alb.rootService",
                    tr.alb.root_service or "",
                    ALB_PING_PONG_NEEDS_ROOT_SERVICE,
                )
            )
    if _requires_canary_and_stable_services(canary):
        if not canary.stable_service:
            errors.append(invalid(f"{base}.stableService", "", SERVICES_NEEDED_FOR_TRAFFIC_ROUTING))
        if not canary.canary_service:
            errors.append(invalid(f"{base}.canaryService", "", SERVICES_NEEDED_FOR_TRAFFIC_ROUTING))
    dynamic = bool(canary.dynamic_stable_scale)
    if tr is None:
        if canary.scale_down_delay_seconds is not None:
            errors.append(
                invalid(
                    f"{base}.scaleDownDelaySeconds",
                    canary.scale_down_delay_seconds,
                    CANARY_SCALE_DOWN_DELAY_NEEDS_TRAFFIC_ROUTING,
                )
            )
        if dynamic:
            errors.append(
                invalid(f"{base}.dynamicStableScale", True, DYNAMIC_STABLE_SCALE_NEEDS_TRAFFIC_ROUTING)
            )
    else:
        if canary.scale_down_delay_seconds is not None and dynamic:
            errors.append(
                invalid(f"{base}.dynamicStableScale", True, DYNAMIC_STABLE_SCALE_WITH_SCALE_DOWN_DELAY)
            )
        if tr.max_traffic_weight is not None and tr.nginx is None and not tr.plugins:
            errors.append(
                invalid(
                    f"{base}.trafficRouting.maxTrafficWeight",
                    tr.max_traffic_weight,
                    MAX_TRAFFIC_WEIGHT_NGINX_AND_PLUGINS_ONLY,
                )
            )
    max_weight = defaults.max_traffic_weight_or_default(rollout)
    for i, step in enumerate(canary.steps or []):
        errors += _step_errors(rollout, step, f"{base}.steps[{i}]", tr, max_weight)
    return errors + _anti_affinity_errors(canary.anti_affinity, f"{base}.antiAffinity")


def _percent_or_int_value(value: IntOrString) -> int:
    """upstream's getIntOrPercentValue: "N%" is N; an int is itself; else the string's int or 0."""
    if isinstance(value, int):
        return value
    digits = value[:-1] if value.endswith("%") else value
    return int(digits) if re.fullmatch(r"-?\d+", digits) else 0


def _surge_unavailable_errors(rollout: Rollout, canary: CanaryStrategy) -> list[FieldError]:
    surge = defaults.max_surge_or_default(rollout)
    unavailable = defaults.max_unavailable_or_default(rollout)
    if _percent_or_int_value(surge) == 0 and _percent_or_int_value(unavailable) == 0:
        return [invalid("spec.strategy.maxSurge", canary.max_surge, MAX_SURGE_AND_UNAVAILABLE_ZERO)]
    return []


def _step_errors(
    rollout: Rollout, step: CanaryStep, path: str, tr: RolloutTrafficRouting | None, max_weight: int
) -> list[FieldError]:
    errors: list[FieldError] = []
    upstream_kinds = (step.experiment, step.pause, step.set_weight, step.analysis)
    if sum(k is not None for k in upstream_kinds) > 1:
        flags = " ".join(
            f"step.{n}: {str(k is not None).lower()}"
            for n, k in zip(("Experiment", "Pause", "SetWeight", "Analysis"), upstream_kinds, strict=True)
        )
        errors.append(invalid(path, flags, INVALID_STEP))
    if not step.kinds():
        names = (
            "Experiment",
            "Pause",
            "SetWeight",
            "Analysis",
            "SetCanaryScale",
            "SetHeaderRoute",
            "SetMirrorRoute",
            "Plugin",
        )
        values = (
            step.experiment,
            step.pause,
            step.set_weight,
            step.analysis,
            step.set_canary_scale,
            step.set_header_route,
            step.set_mirror_route,
            step.plugin,
        )
        # upstream prints "is nil" under the field's name: true for every one here
        flags = " ".join(f"step.{n}: {str(v is None).lower()}" for n, v in zip(names, values, strict=True))
        errors.append(invalid(path, flags, INVALID_STEP))
    if step.set_weight is not None and not 0 <= step.set_weight <= max_weight:
        errors.append(invalid(f"{path}.setWeight", step.set_weight, INVALID_SET_WEIGHT.format(max_weight)))
    if step.pause is not None and pause_duration_seconds(step.pause.duration) < 0:
        errors.append(
            invalid(f"{path}.pause.duration", pause_duration_seconds(step.pause.duration), INVALID_DURATION)
        )
    if step.set_canary_scale is not None and tr is None:
        errors.append(required("spec.strategy.trafficRouting", SET_CANARY_SCALE_NEEDS_TRAFFIC_ROUTING))
    errors += _route_step_errors(step, path, tr)
    errors += _experiment_weight_errors(step, path, tr)
    args = [a for ref in (step.experiment.analyses or []) for a in ref.args or []] if step.experiment else []
    args += step.analysis.args or [] if step.analysis else []
    if any(_bad_metadata_field_ref(a) for a in args):
        errors.append(invalid(f"{path}.analyses", args, INVALID_ANALYSIS_ARGS))
    return errors


def pause_duration_seconds(duration: IntOrString | None) -> int:
    """upstream's RolloutPause.DurationSeconds: seconds, 0 when unset, -1 when malformed."""
    if duration is None:
        return 0
    if isinstance(duration, int):
        return duration
    if re.fullmatch(r"[+-]?\d+", duration):
        return int(duration)
    try:
        return int(parse_go_duration(duration))
    except ValueError:
        return -1


def _route_step_errors(step: CanaryStep, path: str, tr: RolloutTrafficRouting | None) -> list[FieldError]:
    errors: list[FieldError] = []
    header = step.set_header_route
    if header is not None:
        if tr is None or (tr.istio is None and tr.alb is None and tr.apisix is None and not tr.plugins):
            errors.append(invalid(f"{path}.setHeaderRoute", header, SET_HEADER_ROUTE_NEEDS_ROUTER))
        else:
            for j, match in enumerate(header.match or []):
                match_path = f"{path}.setHeaderRoute.match[{j}]"
                if tr.alb is not None:
                    errors += _alb_match_errors(match.header_value, match_path)
                else:
                    errors += _string_match_errors(match.header_value, match_path)
    mirror = step.set_mirror_route
    if mirror is not None:
        if tr is None or (tr.istio is None and not tr.plugins):
            errors.append(invalid(f"{path}.setMirrorRoute", mirror, SET_MIRROR_ROUTE_NEEDS_ROUTER))
        for j, route in enumerate(mirror.match or []):
            match_path = f"{path}.setMirrorRoute.match[{j}]"
            for string_match in (route.method, route.path):
                if string_match is not None:
                    errors += _string_match_errors(string_match, match_path)
    if tr is not None and (header is not None or mirror is not None):
        if tr.managed_routes is None:
            message = MISSING_FIELD.format("spec.strategy.canary.trafficRouting.managedRoutes")
            errors.append(required("spec.strategy.trafficRouting.managedRoutes", message))
        else:
            names = tr.managed_route_names()
            for kind, route_step in (("setHeaderRoute", header), ("setMirrorRoute", mirror)):
                if route_step is not None and (route_step.name or "") not in names:
                    errors.append(
                        invalid(f"{path}.{kind}", route_step.name or "", ROUTE_NOT_IN_MANAGED_ROUTES)
                    )
    return errors


def _alb_match_errors(match: StringMatch | None, path: str) -> list[FieldError]:
    if match is None:
        return [invalid(path, None, STRING_MATCH_MISSING)]
    if not match.exact or match.regex or match.prefix:
        return [invalid(path, match, ALB_HEADER_EXACT_ONLY)]
    return []


def _string_match_errors(match: StringMatch | None, path: str) -> list[FieldError]:
    if match is None:
        return [invalid(path, None, STRING_MATCH_MISSING)]
    set_count = sum(bool(v) for v in (match.exact, match.regex, match.prefix))
    if set_count > 1:
        return [invalid(path, match, STRING_MATCH_MULTIPLE)]
    if set_count == 0:
        return [invalid(path, match, STRING_MATCH_MISSING)]
    return []


def _experiment_weight_errors(
    step: CanaryStep, path: str, tr: RolloutTrafficRouting | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    for k, template in enumerate(step.experiment.templates or [] if step.experiment else []):
        if template.weight is None:
            continue
        weight_path = f"{path}.experiment.templates[{k}].weight"
        if tr is None:
            errors.append(invalid(weight_path, template.weight, EXPERIMENT_WEIGHT_WITHOUT_TRAFFIC_ROUTING))
        elif tr.alb is None and tr.smi is None and tr.istio is None and not tr.plugins:
            errors.append(invalid(weight_path, template.weight, EXPERIMENT_WEIGHT_UNSUPPORTED_ROUTER))
    return errors


def _bad_metadata_field_ref(arg: AnalysisRunArgument) -> bool:
    ref = arg.value_from.field_ref if arg.value_from else None
    path = ref.field_path or "" if ref else ""
    return path.startswith("metadata") and _DOWNWARD_API_PATHS.fullmatch(path) is None


def _anti_affinity_errors(anti_affinity: AntiAffinity | None, path: str) -> list[FieldError]:
    if anti_affinity is None:
        return []
    errors: list[FieldError] = []
    preferred = anti_affinity.preferred_during_scheduling_ignored_during_execution
    hard = anti_affinity.required_during_scheduling_ignored_during_execution
    if (preferred is None) == (hard is None):
        has_preferred, has_required = str(preferred is not None).lower(), str(hard is not None).lower()
        flags = (
            f"antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution: {has_preferred} "
            f"antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution: {has_required}"
        )
        errors.append(invalid(path, flags, ANTI_AFFINITY_ONE_STRATEGY))
    if preferred is not None and not 1 <= (preferred.weight or 0) <= 100:
        errors.append(invalid(f"{path}.weight", preferred.weight or 0, ANTI_AFFINITY_WEIGHT))
    return errors


# ---------------------------------------------------------------------------------------------
# rules the CRD schema or the controller enforce upstream


def _additional_errors(rollout: Rollout) -> list[FieldError]:
    errors: list[FieldError] = []
    strategy = rollout.spec.strategy
    bg = strategy.blue_green if strategy else None
    canary = strategy.canary if strategy else None
    if bg is not None and canary is None:
        if not bg.active_service:
            errors.append(required("spec.strategy.blueGreen.activeService"))
        errors += _percent_errors(bg.max_unavailable, "spec.strategy.blueGreen.maxUnavailable")
        promotion = {
            "prePromotionAnalysis": bg.pre_promotion_analysis,
            "postPromotionAnalysis": bg.post_promotion_analysis,
        }
        for name, analysis in promotion.items():
            if analysis is not None:
                errors += _template_ref_errors(
                    analysis.templates, f"spec.strategy.blueGreen.{name}.templates"
                )
    if canary is not None and bg is None:
        base = "spec.strategy.canary"
        errors += _percent_errors(canary.max_surge, f"{base}.maxSurge")
        errors += _percent_errors(canary.max_unavailable, f"{base}.maxUnavailable")
        if canary.analysis is not None:
            errors += _template_ref_errors(canary.analysis.templates, f"{base}.analysis.templates")
        for i, step in enumerate(canary.steps or []):
            step_path = f"{base}.steps[{i}]"
            upstream_count = sum(
                k is not None for k in (step.experiment, step.pause, step.set_weight, step.analysis)
            )
            if len(step.kinds()) > 1 and upstream_count <= 1:
                errors.append(invalid(step_path, ", ".join(step.kinds()), INVALID_STEP))
            if step.analysis is not None:
                errors += _template_ref_errors(step.analysis.templates, f"{step_path}.analysis.templates")
            if step.experiment is not None:
                errors += _experiment_step_errors(step, step_path)
    return _unique(errors)


def _percent_errors(value: IntOrString | None, path: str) -> list[FieldError]:
    if isinstance(value, str) and not re.fullmatch(r"\d+%?", value):
        return [invalid(path, value, INVALID_PERCENT)]
    return []


def _template_ref_errors(refs: list[AnalysisTemplateRef] | None, path: str) -> list[FieldError]:
    return [
        required(f"{path}[{i}].templateName") for i, ref in enumerate(refs or []) if not ref.template_name
    ]


def _experiment_step_errors(step: CanaryStep, path: str) -> list[FieldError]:
    assert step.experiment is not None
    errors: list[FieldError] = []
    duration = step.experiment.duration
    if duration:
        try:
            parse_go_duration(duration)
        except ValueError as exc:
            errors.append(invalid(f"{path}.experiment.duration", duration, str(exc)))
    for k, template in enumerate(step.experiment.templates or []):
        if not template.name:
            errors.append(required(f"{path}.experiment.templates[{k}].name"))
        if template.spec_ref not in ("canary", "stable"):
            errors.append(
                not_supported(
                    f"{path}.experiment.templates[{k}].specRef", template.spec_ref, ["canary", "stable"]
                )
            )
    for k, ref in enumerate(step.experiment.analyses or []):
        if not ref.template_name:
            errors.append(required(f"{path}.experiment.analyses[{k}].templateName"))
    return errors


def _unique(errors: Iterable[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))
