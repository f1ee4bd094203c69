"""The Rollout side of analysis, pure: which AnalysisRuns a Rollout needs, what they look like,
what their phases mean for the plan, and which old runs go.

* :mod:`.args` — argument values a Rollout passes (pod-template hashes, field references).
* :mod:`.manifest` — the run's name, labels, annotations, owner and spec; name collisions.
* :mod:`.lifecycle` — this pass's decision: current runs, runs to create/terminate/delete.
* :mod:`.history` — successfulRunHistoryLimit / unsuccessfulRunHistoryLimit clean-up.
* :mod:`.status` — outcomes for the plans, the status entries and the Events.
* :mod:`.references` — missing or conflicting templates, reported as InvalidSpec.

Template lookup and merging are shared with Experiments: :mod:`rollouts.core.analysis_templates`.
The reconciler (rollouts.reconcilers.rollout_analysis) applies the decision.
"""

from rollouts.core.rollout_analysis.lifecycle import (
    STATUS_FIELDS,
    AnalysisDecision,
    AnalysisWorld,
    RunToCreate,
    decide_analysis_runs,
)
from rollouts.core.rollout_analysis.manifest import RunKind, candidate_names, reusable, with_name
from rollouts.core.rollout_analysis.references import template_reference_errors
from rollouts.core.rollout_analysis.status import (
    RunOutcomes,
    outcomes,
    run_status_events,
    with_run_statuses,
)

__all__ = [
    "STATUS_FIELDS",
    "AnalysisDecision",
    "AnalysisWorld",
    "RunKind",
    "RunOutcomes",
    "RunToCreate",
    "candidate_names",
    "decide_analysis_runs",
    "outcomes",
    "reusable",
    "run_status_events",
    "template_reference_errors",
    "with_name",
    "with_run_statuses",
]
