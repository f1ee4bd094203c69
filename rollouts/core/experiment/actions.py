"""The actions of an Experiment plan (what the reconciler does through the API), and its events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """A Kubernetes event on the Experiment: ``type`` Normal|Warning, upstream's reason and text."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class ScaleReplicaSet:
    name: str
    replicas: int


@dataclass(frozen=True, slots=True)
class SetScaleDownDeadline:
    """Write (``deadline`` set) or remove (None) the ReplicaSet's ``scale-down-deadline`` annotation."""

    name: str
    deadline: str | None


@dataclass(slots=True)
class Actions:
    """Accumulates one reconcile's actions; every list is in the order it must be applied."""

    create_replica_sets: list[dict[str, Any]] = field(default_factory=list)
    set_scale_down_deadlines: list[SetScaleDownDeadline] = field(default_factory=list)
    scale_replica_sets: list[ScaleReplicaSet] = field(default_factory=list)
    create_services: list[dict[str, Any]] = field(default_factory=list)
    delete_services: list[str] = field(default_factory=list)
    create_analysis_runs: list[dict[str, Any]] = field(default_factory=list)
    terminate_analysis_runs: list[str] = field(default_factory=list)
    events: list[PlannedEvent] = field(default_factory=list)
    #: Seconds until the experiment must be looked at again regardless of events (None: no need).
    requeue_after: float | None = None

    def requeue_within(self, seconds: float) -> None:
        """Keep the earliest requeue; a deadline already passed asks for an immediate one."""
        seconds = max(0.0, seconds)
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = seconds
