"""The rows of ``list rollouts`` and ``list experiments``, formatted as upstream's (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollouts.cli.info import rollout_phase, set_weight, step_text, strategy_name

ROLLOUT_HEADER = "NAME\tSTRATEGY\tSTATUS\tSTEP\tSET-WEIGHT\tREADY\tDESIRED\tUP-TO-DATE\tAVAILABLE"
EXPERIMENT_HEADER = "NAME\tSTATUS\tDURATION\tREMAINING\tAGE"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def rollout_row(rollout: dict[str, Any], *, all_namespaces: bool) -> str:
    meta, spec, status = (_dict(rollout.get(k)) for k in ("metadata", "spec", "status"))
    weight = str(set_weight(rollout)) if strategy_name(rollout) == "Canary" else "-"
    ready = f"{_int(status.get('readyReplicas'))}/{_int(status.get('replicas'))}"
    # the same fixed widths as upstream's format string, then the tabwriter aligns
    row = (
        f"{meta.get('name', '')!s:<10}\t{strategy_name(rollout):<9}\t{rollout_phase(rollout)[0]:<12}\t"
        f"{step_text(rollout):<4}\t{weight:<10}\t{ready:<5}\t{_int(spec.get('replicas'), 1):<7}\t"
        f"{_int(status.get('updatedReplicas')):<10}\t{_int(status.get('availableReplicas')):<9}"
    )
    return f"{meta.get('namespace', '')!s:<9}\t{row}" if all_namespaces else row


def rollout_table(rollouts: list[dict[str, Any]], *, all_namespaces: bool) -> list[str]:
    header = ("NAMESPACE\t" if all_namespaces else "") + ROLLOUT_HEADER
    return [header] + [rollout_row(ro, all_namespaces=all_namespaces) for ro in rollouts]


def human_duration(seconds: float) -> str:
    """apimachinery's HumanDuration (kubectl's AGE column)."""
    if seconds < -1:
        return "<invalid>"
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        years, days = hours // 24 // 365, hours // 24 % 365
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{hours // 24 // 365}y"


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def experiment_row(experiment: dict[str, Any], now: datetime, *, all_namespaces: bool) -> str:
    from rollouts.api.common import parse_go_duration

    meta, spec, status = (_dict(experiment.get(k)) for k in ("metadata", "spec", "status"))
    created = _parse_time(meta.get("creationTimestamp"))
    age = human_duration((now - created).total_seconds()) if created else "<unknown>"
    duration = remaining = "-"
    phase = str(status.get("phase") or "")
    if spec.get("duration"):
        try:
            seconds = parse_go_duration(str(spec["duration"]))
        except ValueError:
            seconds = None
        if seconds is not None:
            duration = human_duration(seconds)
            available_at = _parse_time(status.get("availableAt"))
            completed = phase in ("Successful", "Failed", "Error", "Inconclusive")
            if not completed and available_at is not None:
                left = seconds - (now - available_at).total_seconds()
                if left > 0:
                    remaining = human_duration(left)
    row = f"{meta.get('name', '')!s:<10}\t{phase:<6}\t{duration:<8}\t{remaining:<9}\t{age:<3}"
    return f"{meta.get('namespace', '')!s:<9}\t{row}" if all_namespaces else row


def experiment_table(experiments: list[dict[str, Any]], now: datetime, *, all_namespaces: bool) -> list[str]:
    header = ("NAMESPACE\t" if all_namespaces else "") + EXPERIMENT_HEADER
    return [header] + [experiment_row(e, now, all_namespaces=all_namespaces) for e in experiments]
