"""What the CLI shows of a Rollout: phase and message, strategy, step and set weight (pure).

The phase follows upstream's client-side GetRolloutPhase: a spec change the controller has not
observed yet, or a controller pause being lifted, shows as Progressing whatever the stored phase
says; otherwise the controller-written ``status.phase``/``message`` are shown, and only a status
without a phase (a controller older than 1.0) is computed here, by the core's rules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rollouts.cli.patches import canary_steps, current_step_index

WORKLOAD_GENERATION_ANNOTATION = "rollout.argoproj.io/workload-generation"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _generation_observed(rollout: dict[str, Any]) -> bool:
    observed = _dict(rollout.get("status")).get("observedGeneration")
    try:
        observed_gen = int(str(observed))
    except ValueError:
        return True  # a pre-0.10 hash, or nothing written yet: upstream treats it as observed
    generation = _int(_dict(rollout.get("metadata")).get("generation"))
    return observed_gen >= generation


def _workload_generation_observed(rollout: dict[str, Any]) -> bool:
    wanted = _dict(_dict(rollout.get("metadata")).get("annotations")).get(WORKLOAD_GENERATION_ANNOTATION)
    if wanted is None:
        return True
    try:
        return int(str(_dict(rollout.get("status")).get("workloadObservedGeneration"))) == int(str(wanted))
    except ValueError:
        return True


def rollout_phase(rollout: dict[str, Any]) -> tuple[str, str]:
    """(phase, message) as upstream's CLI and UI show them."""
    spec = _dict(rollout.get("spec"))
    status = _dict(rollout.get("status"))
    if not _generation_observed(rollout):
        return "Progressing", "waiting for rollout spec update to be observed"
    if status.get("controllerPause") is True and not status.get("pauseConditions"):
        return "Progressing", "waiting for rollout to unpause"
    if spec.get("templateResolvedFromRef") is True and not _workload_generation_observed(rollout):
        return "Progressing", "waiting for rollout spec update to be observed for the reference workload"
    phase = status.get("phase")
    if isinstance(phase, str) and phase:
        message = status.get("message")
        return phase, message if isinstance(message, str) else ""
    return _computed_phase(spec, status)


def _computed_phase(spec: dict[str, Any], status: dict[str, Any]) -> tuple[str, str]:
    from rollouts.core.conditions import Condition
    from rollouts.core.phase import PhaseInputs
    from rollouts.core.phase import rollout_phase as core_phase

    epoch = datetime(1970, 1, 1, tzinfo=UTC)  # condition times play no part in the phase
    conditions = [
        Condition(
            str(c.get("type", "")),
            str(c.get("status", "")),
            str(c.get("reason", "")),
            str(c.get("message", "")),
            epoch,
            epoch,
        )
        for c in status.get("conditions") or []
        if isinstance(c, dict)
    ]
    strategy = _dict(spec.get("strategy"))
    canary = _dict(strategy.get("canary"))
    blue_green = _dict(status.get("blueGreen"))
    inputs = PhaseInputs(
        strategy="blueGreen" if "blueGreen" in strategy else "canary",
        spec_replicas=_int(spec.get("replicas"), 1),
        spec_paused=spec.get("paused") is True,
        restart_at=spec.get("restartAt"),
        restarted_at=status.get("restartedAt"),
        traffic_routed=bool(canary.get("trafficRouting")),
        has_post_promotion_analysis=bool(_dict(strategy.get("blueGreen")).get("postPromotionAnalysis")),
        post_promotion_analysis_completed=_dict(blue_green.get("postPromotionAnalysisRunStatus")).get(
            "status"
        )
        == "Successful",
        conditions=conditions,
        pause_reasons=[
            str(p.get("reason", "")) for p in status.get("pauseConditions") or [] if isinstance(p, dict)
        ],
        replicas=_int(status.get("replicas")),
        updated_replicas=_int(status.get("updatedReplicas")),
        available_replicas=_int(status.get("availableReplicas")),
        current_pod_hash=str(status.get("currentPodHash") or ""),
        stable_rs=str(status.get("stableRS") or ""),
        active_selector=str(blue_green.get("activeSelector") or ""),
    )
    phase, message = core_phase(inputs)
    return str(phase), message


def strategy_name(rollout: dict[str, Any]) -> str:
    strategy = _dict(_dict(rollout.get("spec")).get("strategy"))
    if isinstance(strategy.get("canary"), dict):
        return "Canary"
    if isinstance(strategy.get("blueGreen"), dict):
        return "BlueGreen"
    return "unknown"


def step_text(rollout: dict[str, Any]) -> str:
    """``index/len`` once the controller has written an index, else ``-``."""
    steps = canary_steps(rollout)
    index = _dict(rollout.get("status")).get("currentStepIndex")
    if not steps or not isinstance(index, int):
        return "-"
    return f"{index}/{len(steps)}"


def set_weight(rollout: dict[str, Any]) -> int:
    """Upstream's GetCurrentSetWeight: the desired canary weight, not the observed one."""
    if _dict(rollout.get("status")).get("abort") is True:
        return 0
    steps = canary_steps(rollout) or []
    index = current_step_index(rollout)
    if index is None or index >= len(steps):
        canary = _dict(_dict(_dict(rollout.get("spec")).get("strategy")).get("canary"))
        return _int(_dict(canary.get("trafficRouting")).get("maxTrafficWeight"), 100)
    for step in reversed(steps[: index + 1]):
        weight = _dict(step).get("setWeight")
        if isinstance(weight, int):
            return weight
    return 0
