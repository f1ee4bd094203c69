"""NGINX (pure): the canary Ingress derived from a stable Ingress.

The canary Ingress ``<rollout>-<stableIngress>-canary`` (cut to 253 characters) holds only the
stable Ingress's rules whose paths reach the stable Service, with those backends pointed at the
canary Service. ingress-nginx reads the ``<prefix>/canary*`` annotations on it:

* ``canary: "true"``, ``canary-weight: "<w>"`` always; ``canary-weight-total`` when
  ``maxTrafficWeight`` is set;
* ``additionalIngressAnnotations`` under the prefix, ``canaryIngressAnnotations`` verbatim;
* a header route as ``canary-by-header`` with ``canary-by-header-value`` (exact) or
  ``canary-by-header-pattern`` (prefix/regex). ingress-nginx honours a single header, so only the
  first match is used. These three keys are carried over from the current canary Ingress when the
  weight changes, so a header route survives later setWeight steps until it is removed.

Kept from the stable Ingress: TLS, ``spec.ingressClassName`` and the
``kubernetes.io/ingress.class`` annotation; nothing else (other annotations would fight the canary).
"""

from __future__ import annotations

import copy
from typing import Any

from rollouts.api.defaults import max_traffic_weight_or_default, nginx_annotation_prefix_or_default
from rollouts.api.rollout import Rollout
from rollouts.api.steps import SetHeaderRoute
from rollouts.api.traffic_routing import NginxTrafficRouting
from rollouts.trafficrouting.config import plural_or_single, router_block
from rollouts.trafficrouting.matches import as_regex
from rollouts.trafficrouting.ownership import rollout_owner_reference
from rollouts.trafficrouting.router import TrafficRoutingError

CANARY_SUFFIX = "-canary"
MAX_NAME = 253
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
HEADER_KEYS = ("canary-by-header", "canary-by-header-value", "canary-by-header-pattern")


def canary_ingress_name(rollout_name: str, stable_ingress: str) -> str:
    prefix = f"{rollout_name}-{stable_ingress}"[: MAX_NAME - len(CANARY_SUFFIX)]
    return prefix + CANARY_SUFFIX


def stable_ingress_names(rollout: Rollout) -> list[str]:
    nginx = _nginx(rollout)
    return plural_or_single(nginx.stable_ingresses, nginx.stable_ingress)


def annotation_prefix(rollout: Rollout) -> str:
    return nginx_annotation_prefix_or_default(_nginx(rollout).annotation_prefix)


def header_annotations(prefix: str, route: SetHeaderRoute) -> dict[str, str]:
    """The ``canary-by-header*`` annotations for ``route``; empty when the route is removed."""
    if not route.match:
        return {}
    first = route.match[0]
    if not first.header_name:
        raise TrafficRoutingError(f"header route {route.name!r}: headerName is required")
    value = first.header_value
    result = {f"{prefix}/canary-by-header": first.header_name}
    if value is None:
        return result
    if value.exact is not None:
        result[f"{prefix}/canary-by-header-value"] = value.exact
    else:
        result[f"{prefix}/canary-by-header-pattern"] = as_regex(value)
    return result


def current_header_annotations(canary_ingress: dict[str, Any] | None, prefix: str) -> dict[str, str]:
    if canary_ingress is None:
        return {}
    annotations = (canary_ingress.get("metadata") or {}).get("annotations") or {}
    return {k: v for k, v in annotations.items() if k in {f"{prefix}/{h}" for h in HEADER_KEYS}}


def desired_canary_ingress(
    rollout: Rollout,
    stable_ingress: dict[str, Any],
    desired_weight: int,
    header: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The whole canary Ingress for ``stable_ingress`` at ``desired_weight``.

    Raises TrafficRoutingError when no rule of the stable Ingress uses the stable Service.
    """
    nginx = _nginx(rollout)
    canary = rollout.canary
    assert canary is not None  # _nginx checked it
    stable_svc, canary_svc = canary.stable_service or "", canary.canary_service or ""
    prefix = annotation_prefix(rollout)
    stable_meta = stable_ingress.get("metadata") or {}
    stable_spec = stable_ingress.get("spec") or {}

    rules = []
    for rule in stable_spec.get("rules") or []:
        new_rule = copy.deepcopy(rule)
        uses_stable = False
        for path in (new_rule.get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service") or {}
            if service.get("name") == stable_svc:
                service["name"] = canary_svc
                uses_stable = True
        if uses_stable:
            rules.append(new_rule)
    if not rules:
        raise TrafficRoutingError(
            f"ingress `{stable_meta.get('name', '')}` has no rules using service {stable_svc} backend"
        )

    spec: dict[str, Any] = {"rules": rules}
    if "tls" in stable_spec:
        spec["tls"] = copy.deepcopy(stable_spec["tls"])
    if stable_spec.get("ingressClassName"):
        spec["ingressClassName"] = stable_spec["ingressClassName"]

    annotations: dict[str, str] = {}
    stable_class = (stable_meta.get("annotations") or {}).get(INGRESS_CLASS_ANNOTATION)
    if stable_class is not None:
        annotations[INGRESS_CLASS_ANNOTATION] = stable_class
    for key, value in (nginx.additional_ingress_annotations or {}).items():
        annotations[key if key.startswith(prefix) else f"{prefix}/{key}"] = value
    annotations.update(nginx.canary_ingress_annotations or {})
    annotations.update(header or {})
    annotations[f"{prefix}/canary"] = "true"
    annotations[f"{prefix}/canary-weight"] = str(desired_weight)
    routing = canary.traffic_routing
    if routing is not None and routing.max_traffic_weight is not None:
        annotations[f"{prefix}/canary-weight-total"] = str(max_traffic_weight_or_default(rollout))

    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": canary_ingress_name(rollout.name, stable_meta.get("name", "")),
            "namespace": rollout.namespace or stable_meta.get("namespace"),
            "annotations": annotations,
            "ownerReferences": [rollout_owner_reference(rollout)],
        },
        "spec": spec,
    }


def canary_weight_of(canary_ingress: dict[str, Any], prefix: str) -> int | None:
    """The weight an existing canary Ingress carries (None when absent or not a number)."""
    value = ((canary_ingress.get("metadata") or {}).get("annotations") or {}).get(f"{prefix}/canary-weight")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _nginx(rollout: Rollout) -> NginxTrafficRouting:
    block: NginxTrafficRouting = router_block(rollout, "nginx", "nginx")
    return block
