"""Reconcile duration histograms, reconcile error counters and ``rollout_events_total``.

The reconcilers record through :class:`ReconcileMetrics`; when an object is deleted they call
:meth:`ReconcileMetrics.forget` so its series do not outlive it.
"""

from __future__ import annotations

from typing import Literal

from rollouts.metrics.families import CounterFamily, HistogramFamily

Kind = Literal["rollout", "analysis_run", "experiment"]

#: upstream's buckets for every reconcile histogram, in seconds
RECONCILE_BUCKETS = (0.01, 0.15, 0.25, 0.5, 1.0)

_NN = ("namespace", "name")

_HELP: dict[Kind, tuple[str, str]] = {
    "rollout": ("Rollout reconciliation performance.", "Error occurring during the rollout"),
    "analysis_run": ("Analysis Run reconciliation performance.", "Error occurring during the analysis run"),
    "experiment": ("Experiments reconciliation performance.", "Error occurring during the experiment"),
}


class ReconcileMetrics:
    def __init__(self) -> None:
        self.durations = {
            kind: HistogramFamily(f"{kind}_reconcile", help_[0], _NN, RECONCILE_BUCKETS)
            for kind, help_ in _HELP.items()
        }
        self.errors = {
            kind: CounterFamily(f"{kind}_reconcile_error", help_[1], _NN) for kind, help_ in _HELP.items()
        }
        self.events = CounterFamily(
            "rollout_events_total", "Count of rollout events", (*_NN, "type", "reason")
        )

    def observe(self, kind: Kind, namespace: str, name: str, seconds: float) -> None:
        self.durations[kind].observe(seconds, namespace, name)

    def error(self, kind: Kind, namespace: str, name: str) -> None:
        self.errors[kind].inc(namespace, name)

    def event(self, namespace: str, name: str, event_type: str, reason: str) -> None:
        """A Kubernetes event emitted for a Rollout (type Normal|Warning)."""
        self.events.inc(namespace, name, event_type, reason)

    def forget(self, kind: Kind, namespace: str, name: str) -> None:
        self.durations[kind].remove_matching(namespace=namespace, name=name)
        self.errors[kind].remove_matching(namespace=namespace, name=name)
        if kind == "rollout":
            self.events.remove_matching(namespace=namespace, name=name)

    def families(self) -> list[CounterFamily | HistogramFamily]:
        return [*self.durations.values(), *self.errors.values(), self.events]
