"""Upstream's Rollout defaults, resolved from what the user wrote (or did not)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api import defaults as d
from rollouts.api.common import int_or_percent
from rollouts.api.rollout import Rollout


def rollout(spec: dict[str, Any]) -> Rollout:
    return Rollout.from_dict({"metadata": {"name": "web"}, "spec": spec})


CANARY: dict[str, Any] = {"strategy": {"canary": {}}}
CANARY_TR: dict[str, Any] = {"strategy": {"canary": {"trafficRouting": {"nginx": {"stableIngress": "i"}}}}}
BLUE_GREEN: dict[str, Any] = {"strategy": {"blueGreen": {"activeService": "a"}}}


def test_unset_fields_take_upstream_defaults() -> None:
    r = rollout(CANARY)
    assert d.replicas_or_default(r) == 1
    assert d.revision_history_limit_or_default(r) == 10
    assert d.progress_deadline_seconds_or_default(r) == 600
    assert d.max_surge_or_default(r) == "25"
    assert d.max_unavailable_or_default(r) == "25"
    assert d.successful_run_history_limit_or_default(r) == 5
    assert d.unsuccessful_run_history_limit_or_default(r) == 5
    assert d.max_traffic_weight_or_default(r) == 100
    assert d.auto_promotion_enabled_or_default(r) is True
    # the defaults stay out of the object: dumping gives back what was written
    assert r.to_dict() == {"metadata": {"name": "web"}, "spec": CANARY}


def test_written_values_win_including_zero() -> None:
    r = rollout({
        "replicas": 0, "revisionHistoryLimit": 0, "progressDeadlineSeconds": 30,
        "analysis": {"successfulRunHistoryLimit": 0, "unsuccessfulRunHistoryLimit": 2},
        "strategy": {"canary": {"maxSurge": 0, "maxUnavailable": "10%",
                                "trafficRouting": {"maxTrafficWeight": 1000}}},
    })
    assert d.replicas_or_default(r) == 0
    assert d.revision_history_limit_or_default(r) == 0
    assert d.progress_deadline_seconds_or_default(r) == 30
    assert d.successful_run_history_limit_or_default(r) == 0
    assert d.unsuccessful_run_history_limit_or_default(r) == 2
    assert d.max_surge_or_default(r) == 0
    assert d.max_unavailable_or_default(r) == "10%"
    assert d.max_traffic_weight_or_default(r) == 1000


def test_default_percentages_read_as_percent() -> None:
    # upstream writes "25" and means 25%: surge rounds up, unavailable down
    assert int_or_percent(d.DEFAULT_MAX_SURGE, 10, round_up=True) == 3
    assert int_or_percent(d.DEFAULT_MAX_UNAVAILABLE, 10, round_up=False) == 2


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (CANARY, 0),  # basic canary: the old stable goes at once
        (CANARY_TR, 30),
        ({"strategy": {"canary": {"scaleDownDelaySeconds": 5}}}, 0),  # ignored without routing
        ({"strategy": {"canary": {**CANARY_TR["strategy"]["canary"], "scaleDownDelaySeconds": 5}}}, 5),
        (BLUE_GREEN, 30),
        ({"strategy": {"blueGreen": {"activeService": "a", "scaleDownDelaySeconds": 0}}}, 0),
    ],
)
def test_scale_down_delay(spec: dict[str, Any], expected: int) -> None:
    assert d.scale_down_delay_seconds_or_default(rollout(spec)) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (CANARY, 0),
        (CANARY_TR, 30),
        ({"strategy": {"canary": {**CANARY_TR["strategy"]["canary"], "abortScaleDownDelaySeconds": 0}}},
         None),
        ({"strategy": {"canary": {**CANARY_TR["strategy"]["canary"], "abortScaleDownDelaySeconds": 9}}},
         9),
        (BLUE_GREEN, 30),
        ({"strategy": {"blueGreen": {"activeService": "a", "abortScaleDownDelaySeconds": 0}}}, None),
    ],
)
def test_abort_scale_down_delay(spec: dict[str, Any], expected: int | None) -> None:
    assert d.abort_scale_down_delay_seconds_or_default(rollout(spec)) == expected


def test_blue_green_max_unavailable_and_auto_promotion() -> None:
    r = rollout({"strategy": {"blueGreen": {"activeService": "a", "maxUnavailable": 1,
                                            "autoPromotionEnabled": False}}})
    assert d.max_unavailable_or_default(r) == 1
    assert d.max_surge_or_default(r) == "25"
    assert d.auto_promotion_enabled_or_default(r) is False


def test_router_defaults() -> None:
    assert d.nginx_annotation_prefix_or_default(None) == "nginx.ingress.kubernetes.io"
    assert d.nginx_annotation_prefix_or_default("custom.io") == "custom.io"
    assert d.alb_annotation_prefix_or_default("") == "alb.ingress.kubernetes.io"
    smi = rollout({"strategy": {"canary": {"stableService": "stable", "trafficRouting": {"smi": {}}}}})
    assert d.smi_root_service_or_default(smi) == "stable"
    assert d.smi_traffic_split_name_or_default(smi) == "web"
    named = rollout({"strategy": {"canary": {"stableService": "stable", "trafficRouting": {
        "smi": {"rootService": "root", "trafficSplitName": "split"}}}}})
    assert d.smi_root_service_or_default(named) == "root"
    assert d.smi_traffic_split_name_or_default(named) == "split"


def test_strategy_type_and_written_back_defaults() -> None:
    assert d.strategy_type(rollout(CANARY)) == "canary"
    assert d.strategy_type(rollout(BLUE_GREEN)) == "blueGreen"
    assert d.strategy_type(rollout({})) == ""
    assert d.WRITTEN_BACK_DEFAULTS == {"spec.replicas": 1}
