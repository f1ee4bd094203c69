"""The pure state-machine core: everything arrives as arguments (``now`` included); a plan is returned.

No I/O, no clock, no globals, no asyncio (checked by import-linter). Objects arrive as data: the
Rollout as its API model, ReplicaSets and Services as the JSON dicts the informers cache, the
outcomes of AnalysisRuns/Experiments as phases.

Modules, bottom-up:

* :mod:`~rollouts.core.replica_math` — maxSurge/maxUnavailable and the canary replica counts.
* :mod:`~rollouts.core.pod_hash` — the Go-compatible ``rollouts-pod-template-hash``.
* :mod:`~rollouts.core.pod_defaults` — API-server pod defaults, for template comparison.
* :mod:`~rollouts.core.replica_sets` — typed ReplicaSet views; finding the new ReplicaSet.
* :mod:`~rollouts.core.revision` — revisions of the new ReplicaSet and of the Rollout.
* :mod:`~rollouts.core.anti_affinity` — the anti-affinity term injected into the new ReplicaSet.
* :mod:`~rollouts.core.rollback` — rollbacks and ``spec.rollbackWindow``.
* :mod:`~rollouts.core.workload` — ``spec.workloadRef``: template from a Deployment, its scale-down.
* :mod:`~rollouts.core.restart` — ``spec.restartAt``: paced pod evictions.
* :mod:`~rollouts.core.collision` — a failed creation of the new ReplicaSet (collisionCount).
* :mod:`~rollouts.core.conditions` — condition reasons, texts and the update rule.
* :mod:`~rollouts.core.abort` — why a Rollout aborted (upstream's abort reasons).
* :mod:`~rollouts.core.phase` — ``status.phase`` / ``status.message``.
* :mod:`~rollouts.core.progress` — the progress deadline.
* :mod:`~rollouts.core.steps` — canary steps: current weight, pauses, thresholds.
* :mod:`~rollouts.core.history` — revisionHistoryLimit clean-up.
* :mod:`~rollouts.core.plan` — the :class:`~rollouts.core.plan.Plan` contract and the canary planner.
* :mod:`~rollouts.core.plan_bluegreen` — the blue-green planner.
* :mod:`~rollouts.core.analysis` — AnalysisRun assessment (its own package).
"""
