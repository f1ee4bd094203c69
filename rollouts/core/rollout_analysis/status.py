"""What the current AnalysisRuns mean for the plan, the Rollout's status and its Events.

* **Outcomes**: each current run's phase and message, in the form the plans take
  (:class:`rollouts.core.plan.StepOutcome` for the canary step and background runs, phase and
  message for blue-green). A run just created has no phase yet: Pending.
* **Status**: ``{name, status, message}`` of each current run under
  ``status.canary.currentStepAnalysisRunStatus`` / ``currentBackgroundAnalysisRunStatus`` or
  ``status.blueGreen.prePromotionAnalysisRunStatus`` / ``postPromotionAnalysisRunStatus``; a kind
  without a current run has no entry. The step's entry goes when the plan moves to another step;
  every entry goes when the plan starts a new update.
* **Events**: ``AnalysisRun<Phase>`` (Warning for Failed/Error) when a current run's phase differs
  from the one the status recorded for the same run, or when the status recorded none:
  ``<Type> Analysis Run '<name>' Status New: '<phase>' Previous: '<phase>|NoPreviousStatus'``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.api.analysis import AnalysisPhase
from rollouts.core.plan import Event, StepOutcome
from rollouts.core.rollout_analysis.lifecycle import STATUS_FIELDS
from rollouts.core.rollout_analysis.manifest import RunKind

Obj = Mapping[str, Any]


def _name(run: Obj) -> str:
    return str((run.get("metadata") or {}).get("name") or "")


def _phase(run: Obj) -> str:
    return str((run.get("status") or {}).get("phase") or "")


def _message(run: Obj) -> str:
    return str((run.get("status") or {}).get("message") or "")


@dataclass(frozen=True, slots=True)
class RunOutcomes:
    step: StepOutcome | None = None
    background: StepOutcome | None = None
    pre_promotion_phase: str | None = None
    pre_promotion_message: str = ""
    post_promotion_phase: str | None = None
    post_promotion_message: str = ""


def outcomes(current: Mapping[RunKind, Obj]) -> RunOutcomes:
    def outcome(kind: RunKind) -> StepOutcome | None:
        run = current.get(kind)
        if run is None:
            return None
        return StepOutcome("analysis", _name(run), _phase(run) or AnalysisPhase.PENDING, _message(run))

    pre, post = current.get(RunKind.PRE_PROMOTION), current.get(RunKind.POST_PROMOTION)
    return RunOutcomes(
        step=outcome(RunKind.STEP),
        background=outcome(RunKind.BACKGROUND),
        pre_promotion_phase=_phase(pre) or AnalysisPhase.PENDING if pre is not None else None,
        pre_promotion_message=_message(pre) if pre is not None else "",
        post_promotion_phase=_phase(post) or AnalysisPhase.PENDING if post is not None else None,
        post_promotion_message=_message(post) if post is not None else "",
    )


def run_status_entry(run: Obj) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": _name(run), "status": _phase(run)}
    if _message(run):
        entry["message"] = _message(run)
    return entry


def with_run_statuses(planned: Obj, stored: Obj, current: Mapping[RunKind, Obj]) -> dict[str, Any]:
    """``planned`` (the plan's new status) with the four run entries set from ``current``."""
    out = copy.deepcopy(dict(planned))
    new_update = planned.get("currentPodHash") != stored.get("currentPodHash")
    moved_on = planned.get("currentStepIndex") != stored.get("currentStepIndex")
    for kind, (group, key) in STATUS_FIELDS.items():
        run = current.get(kind)
        dropped = run is None or new_update or (kind is RunKind.STEP and moved_on)
        section = out.get(group)
        if dropped:
            if isinstance(section, dict):
                section.pop(key, None)
            continue
        assert run is not None
        out.setdefault(group, {})[key] = run_status_entry(run)
    return out


def run_status_events(stored: Obj, current: Mapping[RunKind, Obj]) -> list[Event]:
    events: list[Event] = []
    for kind in (RunKind.POST_PROMOTION, RunKind.PRE_PROMOTION, RunKind.STEP, RunKind.BACKGROUND):
        run = current.get(kind)
        if run is None or not _phase(run):
            continue
        group, key = STATUS_FIELDS[kind]
        previous = (stored.get(group) or {}).get(key)
        same_run = previous is not None and previous.get("name") == _name(run)
        if previous is not None and (not same_run or previous.get("status") == _phase(run)):
            continue
        phase = _phase(run)
        before = str(previous.get("status") or "") if previous is not None else "NoPreviousStatus"
        warning = phase in (AnalysisPhase.FAILED, AnalysisPhase.ERROR)
        events.append(
            Event(
                "Warning" if warning else "Normal",
                f"AnalysisRun{phase}",
                f"{kind.value} Analysis Run '{_name(run)}' Status New: '{phase}' Previous: '{before}'",
            )
        )
    return events
