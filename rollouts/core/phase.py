"""``status.phase`` and ``status.message``: upstream's CalculateRolloutPhase, rule for rule.

The rules are evaluated in a fixed order and the first that applies wins (reference §2.1):
Degraded (InvalidSpec, aborted, deadline exceeded) > Paused (manual, then controller pauses) >
Progressing (restart, replicas, cut-over, steps) > Healthy. The inputs are the few facts the
rules read, so the function is usable both on a freshly planned status and on a stored one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rollouts.core.conditions import INVALID_SPEC, ROLLOUT_ABORTED, TIMED_OUT, Condition


class Phase(StrEnum):
    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


@dataclass(frozen=True, slots=True)
class PhaseInputs:
    strategy: str  # "canary" | "blueGreen"
    spec_replicas: int
    spec_paused: bool = False
    restart_at: str | None = None  # spec.restartAt / status.restartedAt as stored (RFC 3339)
    restarted_at: str | None = None
    traffic_routed: bool = False
    has_post_promotion_analysis: bool = False
    post_promotion_analysis_completed: bool = False
    conditions: Sequence[Condition] = ()
    pause_reasons: Sequence[str] = ()
    replicas: int = 0
    updated_replicas: int = 0
    available_replicas: int = 0
    current_pod_hash: str = ""
    stable_rs: str = ""
    active_selector: str = ""


def rollout_phase(inputs: PhaseInputs) -> tuple[Phase, str]:
    """(phase, message) with upstream's exact message texts."""
    for cond in inputs.conditions:
        if cond.type == INVALID_SPEC:
            return Phase.DEGRADED, f"{INVALID_SPEC}: {cond.message}"
        if cond.reason in (ROLLOUT_ABORTED, TIMED_OUT):
            return Phase.DEGRADED, f"{cond.reason}: {cond.message}"
    if inputs.spec_paused:
        return Phase.PAUSED, "manually paused"
    if inputs.pause_reasons:
        return Phase.PAUSED, inputs.pause_reasons[0]
    if inputs.restart_at is not None and inputs.restart_at != inputs.restarted_at:
        return Phase.PROGRESSING, "rollout is restarting"
    if inputs.updated_replicas < inputs.spec_replicas:
        return Phase.PROGRESSING, "more replicas need to be updated"
    if inputs.available_replicas < inputs.updated_replicas:
        return Phase.PROGRESSING, "updated replicas are still becoming available"
    fully_promoted = inputs.stable_rs != "" and inputs.stable_rs == inputs.current_pod_hash
    if inputs.strategy == "blueGreen":
        if not inputs.active_selector or inputs.active_selector != inputs.current_pod_hash:
            return Phase.PROGRESSING, "active service cutover pending"
        if not fully_promoted:
            if inputs.has_post_promotion_analysis and not inputs.post_promotion_analysis_completed:
                return Phase.PROGRESSING, "waiting for analysis to complete"
            return Phase.PROGRESSING, "waiting for post-promotion verification to complete"
    else:
        if not inputs.traffic_routed and inputs.replicas > inputs.updated_replicas:
            return Phase.PROGRESSING, "old replicas are pending termination"
        if not fully_promoted:
            return Phase.PROGRESSING, "waiting for all steps to complete"
    return Phase.HEALTHY, ""
