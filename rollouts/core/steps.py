"""Canary steps: what the current step asks for and when it is complete.

Steps are read from their JSON form (``spec.strategy.canary.steps``, a list of one-key dicts) so
that this module depends on nothing but data; :func:`parse_steps` gives them a small typed shape.
Step outcomes that come from elsewhere (an AnalysisRun or Experiment phase, a step plugin) arrive
as arguments: the core never fetches anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rollouts.api.common import duration_seconds

CANARY_PAUSE_STEP = "CanaryPauseStep"
BLUE_GREEN_PAUSE = "BlueGreenPause"
INCONCLUSIVE_ANALYSIS = "InconclusiveAnalysisRun"
INCONCLUSIVE_EXPERIMENT = "InconclusiveExperiment"

STEP_KINDS = (
    "setWeight",
    "pause",
    "analysis",
    "experiment",
    "setCanaryScale",
    "setHeaderRoute",
    "setMirrorRoute",
    "plugin",
)


@dataclass(frozen=True, slots=True)
class Step:
    """One canary step: its kind (one of :data:`STEP_KINDS`) and that kind's value as written."""

    kind: str
    value: Any

    @property
    def set_weight(self) -> int | None:
        return int(self.value) if self.kind == "setWeight" else None

    @property
    def pause_seconds(self) -> float | None:
        """Seconds of a pause step with a duration; None for an indefinite pause or another kind."""
        if self.kind != "pause" or not isinstance(self.value, Mapping) or self.value.get("duration") is None:
            return None
        return duration_seconds(self.value["duration"])

    def describe(self) -> str:
        """The step as upstream's ``RolloutStepCompleted`` event prints it (``setWeight: 20``)."""
        if self.kind == "setWeight":
            return f"setWeight: {self.value}"
        if self.kind == "pause":
            duration = self.value.get("duration") if isinstance(self.value, Mapping) else None
            return f"pause: {duration}" if duration is not None else "pause"
        return self.kind


def parse_steps(raw: Sequence[Mapping[str, Any]] | None) -> list[Step]:
    """Typed steps; raises ValueError naming the index of a step without exactly one known kind."""
    steps = []
    for index, item in enumerate(raw or []):
        kinds = [k for k in STEP_KINDS if item.get(k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                f"spec.strategy.canary.steps[{index}]: Step must have one of the following set: "
                "experiment, setWeight, setCanaryScale, plugin or pause"
            )
        steps.append(Step(kinds[0], item[kinds[0]]))
    return steps


def current_step(steps: Sequence[Step], index: int | None) -> Step | None:
    """The step at ``status.currentStepIndex`` (None once all steps are done or without steps)."""
    position = index or 0
    return steps[position] if 0 <= position < len(steps) else None


def current_set_weight(steps: Sequence[Step], index: int | None, *, aborted: bool, max_weight: int) -> int:
    """Weight of the last ``setWeight`` at or before the current step; 0 when aborted or none yet,
    ``max_weight`` once all steps are done (or without steps)."""
    if aborted:
        return 0
    if current_step(steps, index) is None:
        return max_weight
    for step in reversed(steps[: (index or 0) + 1]):
        if step.set_weight is not None:
            return step.set_weight
    return 0


@dataclass(frozen=True, slots=True)
class CanaryScale:
    """A ``setCanaryScale`` in force: explicit replicas, or a weight for the pods only."""

    replicas: int | None = None
    weight: int | None = None


def set_canary_scale_in_force(
    steps: Sequence[Step], index: int | None, *, traffic_routed: bool, aborted: bool, abort_delay_set: bool
) -> CanaryScale | None:
    """The latest ``setCanaryScale`` at or before the current step, unless undone.

    Ignored without traffic routing, after a ``matchTrafficWeight: true``, once all steps are done,
    and on abort unless the abort scale-down delay is explicitly 0 (``abort_delay_set`` False).
    """
    if not traffic_routed or (aborted and abort_delay_set) or current_step(steps, index) is None:
        return None
    for step in reversed(steps[: (index or 0) + 1]):
        if step.kind != "setCanaryScale":
            continue
        value = step.value if isinstance(step.value, Mapping) else {}
        if value.get("matchTrafficWeight"):
            return None
        replicas, weight = value.get("replicas"), value.get("weight")
        return CanaryScale(
            replicas=int(replicas) if replicas is not None else None,
            weight=int(weight) if weight is not None and replicas is None else None,
        )
    return None


def pause_step_completed(
    step: Step, *, pause_started_at: datetime | None, controller_pause: bool, now: datetime
) -> bool:
    """A pause step is done when the user removed its pause condition (``controllerPause`` stays set),
    or when its duration has elapsed since the condition's ``startTime`` (strictly after)."""
    if controller_pause and pause_started_at is None:
        return True
    seconds = step.pause_seconds
    if seconds is not None and pause_started_at is not None:
        return now > pause_started_at + timedelta(seconds=seconds)
    return False


def pause_expires_at(step: Step, pause_started_at: datetime | None) -> datetime | None:
    """When a timed pause step ends (for the requeue); None if indefinite or not started."""
    seconds = step.pause_seconds
    if seconds is None or pause_started_at is None:
        return None
    return pause_started_at + timedelta(seconds=seconds)


def replica_progress_threshold_met(
    threshold: Mapping[str, Any] | None, *, available: int, spec: int, desired: int
) -> bool:
    """Whether enough of the desired canary pods are available (``replicaProgressThreshold``).

    Without a threshold (or a negative value): the ReplicaSet is at ``desired`` and all of it is
    available. ``Percent``: available/desired ≥ value% (desired 0 always meets it). ``Pods``:
    available ≥ value.
    """
    value = None if threshold is None else threshold.get("value")
    if value is None or int(value) < 0:
        return spec == desired and available == desired
    if threshold is not None and threshold.get("type") == "Percent":
        if desired == 0:
            return True
        percent = available / desired * 100
        return percent >= int(value) or abs(percent - int(value)) <= 1e-10
    return available >= int(value)
