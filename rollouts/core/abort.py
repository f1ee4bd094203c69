"""Why a Rollout aborted: upstream's abort reasons, appended to ``Rollout aborted update to revision N``.

An abort raised by the controller (a failed analysis or experiment, an exceeded progress deadline
with ``spec.progressDeadlineAbort``) carries a reason; a user's ``status.abort=true`` has none. The
reason only reaches the Progressing condition (``RolloutAborted``) and its event in the pass that
raises the abort; later passes write the bare message, which the condition update rule ignores
(same status and reason), so the stored reason survives until the Rollout is retried.
"""

from __future__ import annotations

from rollouts.core.conditions import rs_timed_out_message

STEP_ANALYSIS = "Step-based analysis phase error/failed"
BACKGROUND_ANALYSIS = "Background analysis phase error/failed"
PRE_PROMOTION_ANALYSIS = "Blue/green pre-promotion analysis phase error/failed"
POST_PROMOTION_ANALYSIS = "Blue/green post-promotion analysis phase error/failed"
EXPERIMENT = "Experiment analysis phase is error/failed"

#: Phases of an AnalysisRun or Experiment that abort the Rollout.
ABORTING_PHASES = ("Failed", "Error")


def run_failed_reason(prefix: str, run_message: str = "") -> str:
    """``<prefix>[: <the run's status.message>]`` for one of the prefixes above."""
    return f"{prefix}: {run_message}" if run_message else prefix


def step_plugin_failed_reason(step_index: int, plugin_name: str, message: str) -> str:
    """A failed step plugin; ``step_index`` is 0-based, printed 1-based as upstream does."""
    return f"Step Plugin {step_index + 1} ({plugin_name}) failed: {message}"


def progress_deadline_reason(replica_set_name: str) -> str:
    """``spec.progressDeadlineAbort``: the new ReplicaSet's time-out text."""
    return rs_timed_out_message(replica_set_name)
