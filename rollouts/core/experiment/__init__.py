"""The pure Experiment state machine: an Experiment, what it owns, and ``now`` in; a plan out.

An Experiment runs one ReplicaSet per template side by side (optionally with a Service each),
waits until every template is available (``status.availableAt``), then runs its analyses and
its ``duration``; it ends Successful, Failed, Error or Inconclusive and scales its ReplicaSets
to zero after ``scaleDownDelaySeconds``. The rules are upstream's ``experiments`` package,
re-expressed as pure functions.

Modules, bottom-up:

* :mod:`.actions` — the plan's action and event types.
* :mod:`.state` — reading the Experiment (terminating, duration passed, desired replicas).
* :mod:`.replica_sets` — the ReplicaSet and Service built for a template; finding owned ones.
* :mod:`.templates` — one template's step: create/scale/annotate, and its status.
* :mod:`.args` — resolving ``{{templates.*}}`` / ``{{experiment.*}}`` in analysis args.
* :mod:`.analysis_runs` — building an AnalysisRun from (Cluster)AnalysisTemplates; one analysis' step.
* :mod:`.status` — the experiment's phase, message, availableAt and conditions.
* :mod:`.from_rollout` — the Experiment a Rollout's canary ``experiment`` step creates.
* :mod:`.plan` — :func:`plan_experiment`, the entry point, and the :class:`ExperimentPlan` contract.

Unlike upstream, which calls the API server in the middle of its assessment, the planner
assumes every action of the plan succeeds; the reconciler applies the plan and a failed action
fails the reconcile, which is retried with backoff (the status is then not written).
"""

from rollouts.core.experiment.actions import PlannedEvent, ScaleReplicaSet, SetScaleDownDeadline
from rollouts.core.experiment.plan import ExperimentInputs, ExperimentPlan, plan_experiment

__all__ = [
    "ExperimentInputs",
    "ExperimentPlan",
    "PlannedEvent",
    "ScaleReplicaSet",
    "SetScaleDownDeadline",
    "plan_experiment",
]
