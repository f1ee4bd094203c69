"""Services and Ingresses a Rollout references, checked with upstream's rules and messages."""

from __future__ import annotations

from typing import Any

from rollouts.api.common import FieldError
from rollouts.api.rollout import Rollout
from rollouts.api.validation_references import (
    ServiceRole,
    ingress_has_rule_with_service,
    validate_ingress,
    validate_service,
)


def rollout(canary: dict[str, Any] | None = None) -> Rollout:
    strategy = {"canary": canary} if canary is not None else {"blueGreen": {"activeService": "active"}}
    return Rollout.from_dict(
        {
            "metadata": {"name": "web"},
            "spec": {
                "template": {"metadata": {"labels": {"app": "web", "tier": "front"}}},
                "strategy": strategy,
            },
        }
    )


def service(name: str, selector: dict[str, str], owner: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if owner is not None:
        meta["annotations"] = {"argo-rollouts.argoproj.io/managed-by-rollouts": owner}
    return {"metadata": meta, "spec": {"selector": selector}}


def ingress(name: str, *backends: str, legacy: bool = False) -> dict[str, Any]:
    def backend(svc: str) -> dict[str, Any]:
        return (
            {"serviceName": svc, "servicePort": 80}
            if legacy
            else {"service": {"name": svc, "port": {"number": 80}}}
        )

    paths = [{"path": "/", "backend": backend(b)} for b in backends]
    return {
        "metadata": {"name": name},
        "spec": {"rules": [{"host": "x", "http": {"paths": paths}}, {"host": "y"}]},
    }


def test_service_selecting_the_pods_is_fine() -> None:
    svc = service("active", {"app": "web", "rollouts-pod-template-hash": "abc"}, owner="web")
    assert validate_service(rollout(), svc, ServiceRole.ACTIVE) == []


def test_service_with_a_label_the_template_lacks() -> None:
    svc = service("active", {"app": "api", "zone": "a"})
    assert validate_service(rollout(), svc, ServiceRole.ACTIVE) == [
        FieldError(
            "spec.strategy.blueGreen.activeService",
            'Invalid value: "active": Service "active" has unmatch label "app" in rollout',
        ),
        FieldError(
            "spec.strategy.blueGreen.activeService",
            'Invalid value: "active": Service "active" has unmatch label "zone" in rollout',
        ),
    ]


def test_service_managed_by_another_rollout() -> None:
    svc = service("stable", {"app": "web"}, owner="other")
    assert validate_service(rollout({}), svc, ServiceRole.STABLE) == [
        FieldError(
            "spec.strategy.canary.stableService",
            'Invalid value: "stable": Service "stable" is managed by another Rollout',
        ),
    ]


def test_ingress_rule_lookup_both_api_versions() -> None:
    assert ingress_has_rule_with_service(ingress("i", "a", "b"), "b")
    assert ingress_has_rule_with_service(ingress("i", "b", legacy=True), "b")
    assert not ingress_has_rule_with_service(ingress("i", "a"), "b")
    assert not ingress_has_rule_with_service({"metadata": {"name": "i"}}, "b")


def test_nginx_stable_ingress_must_route_to_the_stable_service() -> None:
    ro = rollout(
        {
            "stableService": "stable",
            "canaryService": "canary",
            "trafficRouting": {"nginx": {"stableIngress": "main", "stableIngresses": ["extra"]}},
        }
    )
    assert validate_ingress(ro, ingress("main", "stable")) == []
    assert validate_ingress(ro, ingress("main", "canary")) == [
        FieldError(
            "spec.strategy.canary.trafficRouting.nginx.stableIngress",
            'Invalid value: "main": ingress `main` has no rules using service stable backend',
        )
    ]
    assert [e.path for e in validate_ingress(ro, ingress("extra", "other"))] == [
        "spec.strategy.canary.trafficRouting.nginx.stableIngresses"
    ]
    assert validate_ingress(ro, ingress("unrelated", "other")) == []


def test_alb_ingress_routes_to_the_root_service_when_set() -> None:
    ro = rollout(
        {
            "stableService": "stable",
            "canaryService": "canary",
            "trafficRouting": {"alb": {"ingress": "alb", "servicePort": 80, "rootService": "root"}},
        }
    )
    assert validate_ingress(ro, ingress("alb", "root")) == []
    assert validate_ingress(ro, ingress("alb", "stable")) == [
        FieldError(
            "spec.strategy.canary.trafficRouting.alb.ingress",
            'Invalid value: "alb": ingress `alb` has no rules using service root backend',
        )
    ]
    assert validate_ingress(rollout(), ingress("alb", "x")) == []  # blue-green: no ingresses
