"""Flag names and defaults are upstream's; bad input is a clear usage error."""

from __future__ import annotations

import pytest

from rollouts.controller.flags import parse
from rollouts.controller.instance import INSTANCE_ID_LABEL, handles, instance_id_selector


def test_defaults_are_upstreams() -> None:
    o = parse([], {})
    assert (o.metrics_port, o.healthz_port) == (8090, 8080)
    assert (o.rollout_threads, o.experiment_threads, o.analysis_threads) == (10, 10, 30)
    assert o.rollout_resync == 900
    assert (o.qps, o.burst) == (40.0, 80)
    assert o.leader_elect is True
    assert (o.lease_duration, o.renew_deadline, o.retry_period) == (15.0, 10.0, 2.0)
    assert (o.loglevel, o.logformat) == ("info", "text")
    assert o.namespace == "argo-rollouts"
    assert o.instance_id == ""
    assert not o.namespaced and o.watch_namespace is None
    assert o.kubeconfig is None
    assert (o.metrics_bind, o.healthz_bind) == ("0.0.0.0", "0.0.0.0")


def test_upstream_spellings_and_go_durations() -> None:
    o = parse(
        [
            "--metricsport",
            "9000",
            "--healthzPort",
            "9001",
            "--leader-elect=false",
            "--leader-election-lease-duration",
            "1m",
            "--leader-election-renew-deadline",
            "30s",
            "--leader-election-retry-period",
            "500ms",
            "--instance-id",
            "blue",
            "--namespaced",
            "--kubeconfig",
            "/k",
            "--logformat",
            "json",
            "--loglevel",
            "debug",
        ],
        {"POD_NAMESPACE": "ctl"},
    )
    assert (o.metrics_port, o.healthz_port) == (9000, 9001)
    assert o.leader_elect is False
    assert (o.lease_duration, o.renew_deadline, o.retry_period) == (60.0, 30.0, 0.5)
    assert o.instance_id == "blue"
    assert o.namespace == "ctl" and o.watch_namespace == "ctl"
    assert o.kubeconfig == "/k"
    assert (o.logformat, o.loglevel) == ("json", "debug")
    assert parse(["--metricsPort", "1234"], {}).metrics_port == 1234
    assert parse(["--namespace", "explicit"], {"POD_NAMESPACE": "ctl"}).namespace == "explicit"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--metricsPort", "x"], "expected an integer"),
        (["--rollout-threads", "0"], "positive"),
        (["--leader-election-lease-duration", "soon"], "--leader-election-lease-duration"),
        (["--leader-election-renew-deadline", "20s"], "retry period < renew deadline < lease duration"),
        (["--logformat", "xml"], "invalid choice"),
        (["--qps", "-1"], "--qps"),
        (["--no-such-flag"], "unrecognized arguments"),
    ],
)
def test_bad_flags_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(argv, {})
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_upstream_flags_without_an_effect_are_accepted_and_reported() -> None:
    o = parse(
        [
            "--kloglevel",
            "2",
            "--istio-api-version",
            "v1beta1",
            "--nginx-ingress-classes",
            "a",
            "--nginx-ingress-classes",
            "b",
            "--aws-verify-target-group",
        ],
        {},
    )
    assert o.inert == (
        "--kloglevel",
        "--istio-api-version",
        "--nginx-ingress-classes",
        "--aws-verify-target-group",
    )
    assert o.upstream["istio-api-version"] == "v1beta1"
    assert o.upstream["nginx-ingress-classes"] == ["a", "b"]
    assert o.upstream["aws-verify-target-group"] is True
    assert o.upstream["alb-ingress-classes"] == ["alb"]  # upstream's default
    assert parse([], {}).inert == ()


def test_instance_id_selector_and_predicate() -> None:
    assert instance_id_selector("") == f"!{INSTANCE_ID_LABEL}"
    assert instance_id_selector("blue") == f"{INSTANCE_ID_LABEL}=blue"
    unlabelled = {"metadata": {"name": "a"}}
    blue = {"metadata": {"labels": {INSTANCE_ID_LABEL: "blue"}}}
    green = {"metadata": {"labels": {INSTANCE_ID_LABEL: "green"}}}
    assert handles(unlabelled, "") and not handles(blue, "")
    assert handles(blue, "blue") and not handles(green, "blue") and not handles(unlabelled, "blue")
