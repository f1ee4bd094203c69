"""``controller_clientset_k8s_request_total``: every Kubernetes API call, by kind/namespace/name/verb/code.

Bound to the client's ``on_request`` hook. As upstream does, ``name`` is ``N/A`` for lists and for
events and replicasets, which keeps the series count bounded by the number of long-lived objects.
"""

from __future__ import annotations

from typing import Protocol

from rollouts.metrics.families import CounterFamily

_NAMELESS_KINDS = frozenset({"events", "replicasets"})


class RequestRecord(Protocol):
    """The shape of rollouts.k8s's RequestRecord that this module reads."""

    @property
    def kind(self) -> str: ...
    @property
    def namespace(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def verb(self) -> str: ...
    @property
    def status_code(self) -> int: ...


class K8sRequestCounter:
    def __init__(self) -> None:
        self.family = CounterFamily(
            "controller_clientset_k8s_request_total",
            "Number of kubernetes requests executed during application reconciliation.",
            ("kind", "namespace", "name", "verb", "status_code"),
        )

    def __call__(self, record: RequestRecord) -> None:
        name = record.name or ""
        if record.verb == "list" or record.kind in _NAMELESS_KINDS:
            name = "N/A"
        self.family.inc(record.kind, record.namespace or "", name, record.verb, str(record.status_code))
