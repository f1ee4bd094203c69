"""Rollout status conditions: upstream's types, reasons and message texts, and the update rule.

The update rule (:func:`set_condition`) is upstream's: writing a condition whose status *and*
reason equal the current one changes nothing (not even ``lastUpdateTime``); when only the reason
or message changes, ``lastTransitionTime`` is kept; otherwise the condition is replaced and moved
to the end of the list. Conditions are values here; :func:`condition_to_dict` and
:func:`condition_from_dict` convert to and from the JSON the API server stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from rollouts.core.replica_sets import ReplicaSetView

# condition types
AVAILABLE = "Available"
PROGRESSING = "Progressing"
PAUSED = "Paused"
COMPLETED = "Completed"
HEALTHY = "Healthy"
INVALID_SPEC = "InvalidSpec"
REPLICA_FAILURE = "ReplicaFailure"

# reasons (also event reasons where upstream shares them)
INVALID_SPEC_REASON = "InvalidSpec"
AVAILABLE_REASON = "AvailableReason"
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_REPLICA_SET_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
REPLICA_SET_NOT_AVAILABLE = "ReplicaSetNotAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
ROLLOUT_ABORTED = "RolloutAborted"
ROLLOUT_RETRY = "RolloutRetry"
ROLLOUT_PAUSED = "RolloutPaused"
ROLLOUT_RESUMED = "RolloutResumed"
ROLLOUT_HEALTHY = "RolloutHealthy"
ROLLOUT_COMPLETED = "RolloutCompleted"
ROLLOUT_NOT_COMPLETED = "RolloutNotCompleted"
ROLLOUT_UPDATED = "RolloutUpdated"
ROLLOUT_STEP_COMPLETED = "RolloutStepCompleted"
SCALING_REPLICA_SET = "ScalingReplicaSet"
TRAFFIC_WEIGHT_UPDATED = "TrafficWeightUpdated"
SKIP_STEPS = "SkipSteps"

# messages (format with str.format / %-free helpers below)
AVAILABLE_MESSAGE = "Rollout has minimum availability"
NOT_AVAILABLE_MESSAGE = "Rollout does not have minimum availability"
HEALTHY_MESSAGE = "Rollout is healthy"
NOT_HEALTHY_MESSAGE = "Rollout is not healthy"
PAUSED_MESSAGE = "Rollout is paused"
RESUMED_MESSAGE = "Rollout is resumed"
RETRY_MESSAGE = "Retrying Rollout after abort"


def go_quote(text: str) -> str:
    """Go's ``%q`` for the plain names used in messages (quotes and backslashes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_rs_created_message(rs_name: str) -> str:
    return f"Created new replica set {go_quote(rs_name)}"


def found_new_rs_message(rs_name: str) -> str:
    return f"Found new replica set {go_quote(rs_name)}"


def rs_progressing_message(rs_name: str) -> str:
    return f"ReplicaSet {go_quote(rs_name)} is progressing."


def rollout_progressing_message(rollout_name: str) -> str:
    return f"Rollout {go_quote(rollout_name)} is progressing."


def rs_completed_message(rs_name: str) -> str:
    return f"ReplicaSet {go_quote(rs_name)} has successfully progressed."


def rs_timed_out_message(rs_name: str) -> str:
    return f"ReplicaSet {go_quote(rs_name)} has timed out progressing."


def rollout_timed_out_message(rollout_name: str) -> str:
    return f"Rollout {go_quote(rollout_name)} has timed out progressing."


def aborted_message(revision: int, reason: str = "") -> str:
    base = f"Rollout aborted update to revision {revision}"
    return f"{base}: {reason}" if reason else base


def rs_create_failed_message(rs_name: str, error: str) -> str:
    return f"Failed to create new replica set {go_quote(rs_name)}: {error}"


def invalid_spec_message(rollout_name: str, error: str) -> str:
    return f"The Rollout {go_quote(rollout_name)} is invalid: {error}"


def completed_event_message(revision: int, pod_hash: str, reason: str) -> str:
    return f"Rollout completed update to revision {revision} ({pod_hash}): {reason}"


def not_completed_event_message(revision: int, pod_hash: str) -> str:
    return f"Rollout not completed, started update to revision {revision} ({pod_hash})"


def scaling_event_message(direction: str, rs_name: str, revision: int, old: int, new: int) -> str:
    """``direction`` is ``up`` or ``down``."""
    return f"Scaled {direction} ReplicaSet {rs_name} (revision {revision}) from {old} to {new}"


def step_completed_event_message(index: int, total: int, step_description: str) -> str:
    """``index`` is 1-based, as upstream prints it."""
    return f"Rollout step {index}/{total} completed ({step_description})"


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str
    message: str
    last_update_time: datetime
    last_transition_time: datetime


def new_condition(type_: str, status: bool | str, reason: str, message: str, now: datetime) -> Condition:
    text = status if isinstance(status, str) else ("True" if status else "False")
    return Condition(type_, text, reason, message, now, now)


def get_condition(conditions: Sequence[Condition], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def set_condition(conditions: Sequence[Condition], condition: Condition) -> tuple[list[Condition], bool]:
    """(new list, changed) after writing ``condition`` with upstream's rule (module docstring)."""
    current = get_condition(conditions, condition.type)
    if current is not None and current.status == condition.status and current.reason == condition.reason:
        return list(conditions), False
    if current is not None and current.status == condition.status:
        condition = replace(condition, last_transition_time=current.last_transition_time)
    return [c for c in conditions if c.type != condition.type] + [condition], True


def remove_condition(conditions: Sequence[Condition], type_: str) -> list[Condition]:
    return [c for c in conditions if c.type != type_]


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` and whole seconds, as Kubernetes serialises ``metav1.Time``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse a ``metav1.Time``; raises ValueError for anything that is not RFC 3339."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time without zone: {text!r}")
    return moment.astimezone(UTC)


def condition_to_dict(condition: Condition) -> dict[str, str]:
    return {
        "type": condition.type,
        "status": condition.status,
        "lastUpdateTime": format_time(condition.last_update_time),
        "lastTransitionTime": format_time(condition.last_transition_time),
        "reason": condition.reason,
        "message": condition.message,
    }


def condition_from_dict(data: Mapping[str, Any], now: datetime) -> Condition:
    """A stored condition; missing or malformed times read as ``now`` (never a crash)."""

    def when(key: str) -> datetime:
        try:
            return parse_time(str(data[key]))
        except (KeyError, ValueError):
            return now

    return Condition(
        type=str(data.get("type", "")),
        status=str(data.get("status", "Unknown")),
        reason=str(data.get("reason", "")),
        message=str(data.get("message", "")),
        last_update_time=when("lastUpdateTime"),
        last_transition_time=when("lastTransitionTime"),
    )


def replica_failure(
    new: ReplicaSetView | None, replica_sets: Sequence[ReplicaSetView], now: datetime
) -> Condition | None:
    """The ReplicaFailure condition to mirror from the ReplicaSets (upstream's getReplicaFailures).

    The new ReplicaSet's failure wins over those of the others; the first one found is copied,
    its ``lastTransitionTime`` serving as both times (a missing one reads as ``now``).
    """
    for candidates in ([new] if new is not None else [], replica_sets):
        for rs in candidates:
            for raw in (rs.obj.get("status") or {}).get("conditions") or []:
                if isinstance(raw, Mapping) and raw.get("type") == REPLICA_FAILURE:
                    copied = condition_from_dict(raw, now)
                    return replace(copied, last_update_time=copied.last_transition_time)
    return None
