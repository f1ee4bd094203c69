"""ALB: the actions/conditions annotations, the managed-annotations record, header route paths."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute
from rollouts.k8s.resources import INGRESSES
from rollouts.trafficrouting import alb_objects
from rollouts.trafficrouting.alb import ALBRouter
from rollouts.trafficrouting.router import TrafficRoutingError
from tests.trafficrouting.fakes import RecordingClient, rollout

ACTION = "alb.ingress.kubernetes.io/actions.stable-svc"
MANAGED = "rollouts.argoproj.io/managed-alb-annotations"


def ingress(name: str = "ing", action: str = "stable-svc") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "annotations": {"kubernetes.io/ingress.class": "alb"}},
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/*",
                                "pathType": "ImplementationSpecific",
                                "backend": {"service": {"name": action, "port": {"name": "use-annotation"}}},
                            }
                        ]
                    }
                }
            ]
        },
    }


def ro(**alb: Any) -> Any:
    return rollout({"alb": {"ingress": "ing", "servicePort": 80, **alb}, "managedRoutes": [{"name": "hdr"}]})


def test_forward_action_json_is_exact() -> None:
    got = alb_objects.with_weight(ro(), ingress(), 20)
    annotations = got["metadata"]["annotations"]
    assert annotations[ACTION] == (
        '{"Type":"forward","ForwardConfig":{"TargetGroups":['
        '{"ServiceName":"canary-svc","ServicePort":"80","Weight":20},'
        '{"ServiceName":"stable-svc","ServicePort":"80","Weight":80}]}}'
    )
    assert json.loads(annotations[MANAGED]) == {"app": [ACTION]}
    assert got["spec"] == ingress()["spec"]


def test_root_service_prefix_stickiness_and_experiments() -> None:
    r = ro(
        rootService="root",
        annotationPrefix="custom",
        stickinessConfig={"enabled": True, "durationSeconds": 3600},
    )
    extra = [WeightDestination(service_name="exp", weight=5)]
    action = json.loads(
        alb_objects.with_weight(r, ingress(action="root"), 10, extra)["metadata"]["annotations"][
            "custom/actions.root"
        ]
    )
    assert action == {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"ServiceName": "canary-svc", "ServicePort": "80", "Weight": 10},
                {"ServiceName": "exp", "ServicePort": "80", "Weight": 5},
                {"ServiceName": "stable-svc", "ServicePort": "80", "Weight": 85},
            ],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600},
        },
    }


def test_header_route_adds_action_condition_and_first_path_then_removes_them() -> None:
    r = ro()
    route = SetHeaderRoute.model_validate(
        {"name": "hdr", "match": [{"headerName": "X", "headerValue": {"exact": "1"}}]}
    )
    got = alb_objects.with_header_route(r, alb_objects.with_weight(r, ingress(), 20), route)
    annotations = got["metadata"]["annotations"]
    assert json.loads(annotations["alb.ingress.kubernetes.io/conditions.hdr"]) == [
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X", "Values": ["1"]}}
    ]
    assert json.loads(annotations["alb.ingress.kubernetes.io/actions.hdr"])["ForwardConfig"][
        "TargetGroups"
    ] == [{"ServiceName": "canary-svc", "ServicePort": "80", "Weight": 100}]
    assert got["spec"]["rules"][0]["http"]["paths"][0] == {
        "path": "/*",
        "pathType": "ImplementationSpecific",
        "backend": {"service": {"name": "hdr", "port": {"name": "use-annotation"}}},
    }
    assert json.loads(annotations[MANAGED])["app"] == [
        ACTION,
        "alb.ingress.kubernetes.io/actions.hdr",
        "alb.ingress.kubernetes.io/conditions.hdr",
    ]
    cleaned = alb_objects.without_managed_routes(r, got)
    assert cleaned["spec"] == ingress()["spec"]
    assert set(cleaned["metadata"]["annotations"]) == {"kubernetes.io/ingress.class", ACTION, MANAGED}


def test_non_exact_header_match_is_rejected() -> None:
    route = SetHeaderRoute.model_validate(
        {"name": "hdr", "match": [{"headerName": "X", "headerValue": {"prefix": "1"}}]}
    )
    with pytest.raises(TrafficRoutingError, match="exact value only"):
        alb_objects.with_header_route(ro(), ingress(), route)


async def test_applier_patches_every_ingress_and_verifies_by_reading_them_back() -> None:
    client = RecordingClient()
    client.seed(INGRESSES, ingress("a"))
    client.seed(INGRESSES, ingress("b"))
    router = ALBRouter(client, rollout({"alb": {"ingresses": ["a", "b"], "servicePort": 80}}))
    assert router.type() == "ALB"
    await router.set_weight(40)
    assert [(c[0], c[2]) for c in client.writes()] == [("patch", "a"), ("patch", "b")]
    assert '"Weight":60' in client.stored(INGRESSES, "b")["metadata"]["annotations"][ACTION]
    assert await router.verify_weight(40) is True
    assert await router.verify_weight(50) is False
    # someone else rewrites one Ingress's action (same JSON, other spacing: still ours; other weights: not)
    stored = client.stored(INGRESSES, "b")
    action = json.loads(stored["metadata"]["annotations"][ACTION])
    stored["metadata"]["annotations"][ACTION] = json.dumps(action, indent=2)
    client.seed(INGRESSES, stored)
    assert await router.verify_weight(40) is True
    action["ForwardConfig"]["TargetGroups"][0]["Weight"] = 0
    stored["metadata"]["annotations"][ACTION] = json.dumps(action)
    client.seed(INGRESSES, stored)
    assert await router.verify_weight(40) is False
    del stored["metadata"]["annotations"][ACTION]
    client.seed(INGRESSES, stored)
    assert await router.verify_weight(40) is False


def test_stickiness_only_when_enabled_and_within_the_aws_bound() -> None:
    off = ro(stickinessConfig={"enabled": False, "durationSeconds": 60})
    assert "Stickiness" not in alb_objects.forward_action(off, 10)
    too_long = ro(stickinessConfig={"enabled": True, "durationSeconds": 604801})
    with pytest.raises(TrafficRoutingError, match="between 1 and 604800 seconds"):
        alb_objects.forward_action(too_long, 10)


def test_ingress_without_the_action_service_is_an_error() -> None:
    with pytest.raises(TrafficRoutingError, match="ingress does not have service `stable-svc` in rules"):
        alb_objects.with_weight(ro(), ingress(action="elsewhere"), 10)


def test_managed_annotation_keeps_other_rollouts_entries_sorted_like_go() -> None:
    other = ingress()
    other["metadata"]["annotations"][MANAGED] = '{"zeta":["k"]}'
    got = alb_objects.with_weight(ro(), other, 10)["metadata"]["annotations"][MANAGED]
    assert got == '{"app":["alb.ingress.kubernetes.io/actions.stable-svc"],"zeta":["k"]}'
