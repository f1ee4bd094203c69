"""What each command sends, computed from the object as read (pure; plain JSON in, JSON out).

The patches are upstream's, byte for byte in meaning: merge patches on the Rollout (status ones
go to the ``status`` subresource first; if that 404s — an old CRD without the subresource — one
"unified" patch of spec and status goes to the main resource instead).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PAUSE: dict[str, Any] = {"spec": {"paused": True}}
ABORT: dict[str, Any] = {"status": {"abort": True}}
RETRY_ROLLOUT: dict[str, Any] = {"status": {"abort": False}}
# Clearing the whole status makes the Experiment controller start the experiment over.
RETRY_EXPERIMENT: dict[str, Any] = {"status": None}
TERMINATE: dict[str, Any] = {"spec": {"terminate": True}}

_UNPAUSE: dict[str, Any] = {"spec": {"paused": False}}


@dataclass(frozen=True, slots=True)
class PromotePatches:
    """``status`` goes to the status subresource, then ``spec`` to the object; ``unified``
    replaces both when the status subresource does not exist."""

    spec: dict[str, Any] | None
    status: dict[str, Any] | None
    unified: dict[str, Any] | None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def canary_steps(rollout: dict[str, Any]) -> list[Any] | None:
    """The canary steps, or None for a blue-green rollout (or a canary without strategy)."""
    canary = _dict(_dict(rollout.get("spec")).get("strategy")).get("canary")
    if not isinstance(canary, dict):
        return None
    steps = canary.get("steps")
    return steps if isinstance(steps, list) else []


def current_step_index(rollout: dict[str, Any]) -> int | None:
    """Upstream's GetCurrentCanaryStep index: None without canary steps, else the status index (0
    when unset) — which may equal len(steps) once all steps ran."""
    steps = canary_steps(rollout)
    if not steps:
        return None
    index = _dict(rollout.get("status")).get("currentStepIndex")
    return index if isinstance(index, int) and not isinstance(index, bool) else 0


def _next_step_index(rollout: dict[str, Any]) -> int | None:
    index = current_step_index(rollout)
    if index is None:
        return None
    # past the last step already: stays there (upstream never writes an index beyond len(steps))
    return index + 1 if index < len(canary_steps(rollout) or []) else index


class PromoteUsageError(ValueError):
    """A deprecated skip flag used where upstream refuses it (message verbatim)."""


def skip_step_patches(rollout: dict[str, Any], *, skip_all: bool) -> PromotePatches:
    """The deprecated ``--skip-current-step`` / ``--skip-all-steps``: only the step index moves."""
    steps = canary_steps(rollout)
    strategy = _dict(_dict(rollout.get("spec")).get("strategy"))
    if isinstance(strategy.get("blueGreen"), dict):
        raise PromoteUsageError("Cannot skip steps of a bluegreen rollout. Run without a flags")
    if steps is not None and not steps:
        raise PromoteUsageError("Cannot skip steps of a rollout without steps")
    if skip_all:
        patch = {"status": {"currentStepIndex": len(steps or [])}}
        return PromotePatches(None, patch, patch)
    index = _next_step_index(rollout)
    if index is None:
        return PromotePatches(None, None, None)
    patch = {"status": {"currentStepIndex": index}}
    return PromotePatches(None, patch, patch)


def promote_patches(rollout: dict[str, Any], *, full: bool = False) -> PromotePatches:
    """The patches ``promote [--full]`` sends for this rollout as read."""
    spec = _dict(rollout.get("spec"))
    status = _dict(rollout.get("status"))
    paused = spec.get("paused") is True
    spec_patch = copy.deepcopy(_UNPAUSE) if paused else None
    if full:
        status_patch = None
        if status.get("currentPodHash") != status.get("stableRS"):
            status_patch = {"status": {"promoteFull": True}}
        unified_full = {"spec": {"paused": False}, "status": {"promoteFull": True}}
        return PromotePatches(spec_patch, status_patch, unified_full)

    unified: dict[str, Any] = {"spec": {"paused": False}, "status": {"pauseConditions": None}}
    pause_conditions = status.get("pauseConditions") or []
    step_run = _dict(_dict(status.get("canary")).get("currentStepAnalysisRunStatus"))
    inconclusive = canary_steps(rollout) is not None and step_run.get("status") == "Inconclusive"
    next_index = _next_step_index(rollout)
    if inconclusive and pause_conditions and status.get("controllerPause") is True:
        # An inconclusive step analysis: leave the step too, or a following pause step would
        # hold the rollout again at once.
        if next_index is None:
            return PromotePatches(spec_patch, None, unified)
        return PromotePatches(
            spec_patch,
            {"status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": next_index}},
            unified,
        )
    if pause_conditions:
        return PromotePatches(spec_patch, {"status": {"pauseConditions": None}}, unified)
    if canary_steps(rollout) is not None and next_index is not None:
        # Not paused: the rollout is in an analysis or experiment step, which promote skips.
        return PromotePatches(
            spec_patch,
            {"status": {"pauseConditions": None, "currentStepIndex": next_index}},
            {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": next_index}},
        )
    return PromotePatches(spec_patch, None, unified)


def rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339 of a UTC time: whole seconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def restart_patch(restart_at: datetime) -> dict[str, Any]:
    return {"spec": {"restartAt": rfc3339(restart_at)}}


_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def with_image(workload: dict[str, Any], container: str, image: str) -> dict[str, Any]:
    """A copy of a Rollout or Deployment with ``container``'s image set (``*``: every container,
    init and ephemeral ones included). Raises ValueError when no container matches."""
    updated = copy.deepcopy(workload)
    pod_spec = _dict(_dict(_dict(updated.get("spec")).get("template")).get("spec"))
    found = False
    for field in _CONTAINER_LISTS:
        for entry in pod_spec.get(field) or []:
            if isinstance(entry, dict) and (container == "*" or entry.get("name") == container):
                entry["image"] = image
                found = True
    if not found:
        raise ValueError(f'unable to find container named "{container}"')
    return updated


def parse_container_image(arg: str) -> tuple[str, str]:
    """``CONTAINER=IMAGE`` (exactly one ``=``, as upstream splits it)."""
    parts = arg.split("=")
    if len(parts) != 2:
        raise ValueError(f"expected CONTAINER=IMAGE, got {arg!r}")
    return parts[0], parts[1]
