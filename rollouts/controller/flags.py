"""Command-line flags, with upstream's names and defaults (``rollouts-controller``).

Every upstream flag is accepted, so that existing manifests keep working. Those this runtime does
not act on yet (traffic-router API versions, ingress classes, …) are parsed with upstream's
defaults into :attr:`Options.upstream`, and the ones given explicitly are listed in
:attr:`Options.inert` so that the process can warn about them; an unknown flag is an error.
Durations take Go syntax (``15s``, ``1m30s``) as upstream's do.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Any

from rollouts.api.common import parse_go_duration

DEFAULT_NAMESPACE = "argo-rollouts"


@dataclass(frozen=True, slots=True)
class Options:
    kubeconfig: str | None
    context: str | None
    namespace: str  # the controller's own namespace (Lease, config objects)
    namespaced: bool  # watch only ``namespace``
    instance_id: str
    leader_elect: bool
    lease_duration: float
    renew_deadline: float
    retry_period: float
    metrics_port: int
    healthz_port: int
    metrics_bind: str
    healthz_bind: str
    rollout_threads: int
    experiment_threads: int
    analysis_threads: int
    rollout_resync: int
    qps: float
    burst: int
    loglevel: str
    logformat: str
    shutdown_grace: float
    version: bool
    upstream: dict[str, Any] = field(default_factory=dict)  # upstream flags without an effect yet
    inert: tuple[str, ...] = ()  # which of those were given on the command line

    @property
    def watch_namespace(self) -> str | None:
        """The namespace informers watch; None means all namespaces."""
        return self.namespace if self.namespaced else None


def _duration(text: str) -> float:
    try:
        seconds = parse_go_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"duration must be positive, got {text!r}")
    return seconds


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value}")
    return value


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "t", "yes"):
        return True
    if lowered in ("false", "0", "f", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rollouts-controller",
        description="Argo Rollouts-compatible progressive delivery controller",
        allow_abbrev=False,
    )
    p.add_argument(
        "--kubeconfig", default=None, help="Path to a kube config. Only required if out-of-cluster"
    )
    p.add_argument("--context", default=None, help="The kubeconfig context to use")
    p.add_argument(
        "--namespace",
        default=None,
        help="The controller's namespace (default: $POD_NAMESPACE, else argo-rollouts)",
    )
    p.add_argument("--namespaced", action="store_true", help="Watch only the controller's namespace")
    p.add_argument(
        "--instance-id",
        default="",
        help="Handle only objects labelled with this controller instance id (empty: unlabelled ones)",
    )
    # Go's bool flags accept both --leader-elect and --leader-elect=false.
    p.add_argument(
        "--leader-elect",
        nargs="?",
        const=True,
        default=True,
        type=_bool,
        help="Elect a leader among instances through a Lease (default true)",
    )
    p.add_argument("--leader-election-lease-duration", type=_duration, default=15.0, metavar="DURATION")
    p.add_argument("--leader-election-renew-deadline", type=_duration, default=10.0, metavar="DURATION")
    p.add_argument("--leader-election-retry-period", type=_duration, default=2.0, metavar="DURATION")
    p.add_argument("--metricsPort", "--metricsport", dest="metrics_port", type=_port, default=8090)
    p.add_argument("--healthzPort", dest="healthz_port", type=_port, default=8080)
    p.add_argument("--metrics-bind", default="0.0.0.0", help="Address the metrics server listens on")
    p.add_argument("--healthz-bind", default="0.0.0.0", help="Address the healthz server listens on")
    p.add_argument("--rollout-threads", type=_positive_int, default=10)
    p.add_argument("--experiment-threads", type=_positive_int, default=10)
    p.add_argument("--analysis-threads", type=_positive_int, default=30)
    p.add_argument("--rollout-resync", type=_positive_int, default=900, help="Resync period in seconds")
    p.add_argument("--qps", type=float, default=40.0)
    p.add_argument("--burst", type=_positive_int, default=80)
    p.add_argument("--loglevel", default="info", choices=["debug", "info", "warn", "error"])
    p.add_argument("--logformat", default="text", choices=["text", "json"])
    p.add_argument(
        "--shutdown-grace",
        type=_duration,
        default=10.0,
        metavar="DURATION",
        help="How long running reconciles may take to finish on SIGTERM",
    )
    p.add_argument("--version", action="store_true", help="Print version")
    _add_upstream_flags(p)
    return p


# Upstream flags accepted for compatibility: (flag, default, kind). kind: str | int | bool | list.
UPSTREAM_FLAGS: tuple[tuple[str, Any, str], ...] = (
    ("--kloglevel", 0, "int"),
    ("--service-threads", 10, "int"),
    ("--ingress-threads", 10, "int"),
    ("--ephemeral-metadata-threads", 10, "int"),
    ("--ephemeral-metadata-update-pod-retries", 3, "int"),
    ("--aws-target-group-binding-api-version", "elbv2.k8s.aws/v1beta1", "str"),
    ("--alb-tag-key-resource-id", "ingress.k8s.aws/resource", "str"),
    ("--istio-api-version", "v1alpha3", "str"),
    ("--ambassador-api-version", "getambassador.io/v2", "str"),
    ("--traffic-split-api-version", "v1alpha1", "str"),
    ("--traefik-api-group", "traefik.io", "str"),
    ("--traefik-api-version", "traefik.io/v1alpha1", "str"),
    ("--ingress-api-version", "", "str"),
    ("--appmesh-crd-version", "v1beta2", "str"),
    ("--alb-ingress-classes", ["alb"], "list"),
    ("--nginx-ingress-classes", ["nginx"], "list"),
    ("--aws-verify-target-group", False, "bool"),
    ("--alb-verify-weight", False, "bool"),
    ("--self-service-notification-enabled", False, "bool"),
    ("--controllers", [], "list"),
    ("--enable-pprof-address", "", "str"),
)


def _add_upstream_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group(
        "accepted for compatibility with upstream (the router API versions take effect; the rest not yet)"
    )
    for flag, _, kind in UPSTREAM_FLAGS:
        dest = "upstream_" + flag[2:].replace("-", "_")
        if kind == "bool":
            group.add_argument(
                flag, dest=dest, nargs="?", const=True, default=None, type=_bool, metavar="BOOL"
            )
        elif kind == "int":
            group.add_argument(flag, dest=dest, type=int, default=None, metavar="N")
        elif kind == "list":
            group.add_argument(flag, dest=dest, action="append", default=None, metavar="VALUE")
        else:
            group.add_argument(flag, dest=dest, default=None, metavar="VALUE")


def _upstream_values(ns: argparse.Namespace) -> tuple[dict[str, Any], tuple[str, ...]]:
    values: dict[str, Any] = {}
    given: list[str] = []
    for flag, default, _ in UPSTREAM_FLAGS:
        value = getattr(ns, "upstream_" + flag[2:].replace("-", "_"))
        if value is None:
            values[flag[2:]] = default
        else:
            values[flag[2:]] = value
            given.append(flag)
    return values, tuple(given)


def parse(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Options:
    """Parse ``argv``; exits with status 2 and a message naming the flag on bad input."""
    env = os.environ if environ is None else environ
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.qps <= 0:
        parser.error("argument --qps: must be positive")
    if (
        not ns.leader_election_retry_period
        < ns.leader_election_renew_deadline
        < ns.leader_election_lease_duration
    ):
        parser.error("leader election needs retry period < renew deadline < lease duration")
    upstream, inert = _upstream_values(ns)
    return Options(
        kubeconfig=ns.kubeconfig,
        context=ns.context,
        namespace=ns.namespace or env.get("POD_NAMESPACE") or DEFAULT_NAMESPACE,
        namespaced=ns.namespaced,
        instance_id=ns.instance_id,
        leader_elect=ns.leader_elect,
        lease_duration=ns.leader_election_lease_duration,
        renew_deadline=ns.leader_election_renew_deadline,
        retry_period=ns.leader_election_retry_period,
        metrics_port=ns.metrics_port,
        healthz_port=ns.healthz_port,
        metrics_bind=ns.metrics_bind,
        healthz_bind=ns.healthz_bind,
        rollout_threads=ns.rollout_threads,
        experiment_threads=ns.experiment_threads,
        analysis_threads=ns.analysis_threads,
        rollout_resync=ns.rollout_resync,
        qps=ns.qps,
        burst=ns.burst,
        loglevel=ns.loglevel,
        logformat=ns.logformat,
        shutdown_grace=ns.shutdown_grace,
        version=ns.version,
        upstream=upstream,
        inert=inert,
    )
