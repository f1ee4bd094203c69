"""The pure assessment of an AnalysisRun (upstream's analysis/analysis.go), ``now`` passed in.

One reconcile of a run, as the AnalysisRun reconciler drives it:

1. :func:`~.schedule.due_measurements` — which metrics to measure (or resume) now;
2. the reconciler runs the providers (I/O, not here), turning a provider's raw value into a
   phase with :func:`~.measurement.measurement_verdict` (the expression language);
3. :func:`~.measurement.record_measurement` — fold each finished/in-flight measurement into its
   metric result (counters, consecutive counts);
4. :func:`~.run_status.assess_run` — every metric's phase and the run's phase and message,
   summaries, startedAt/completedAt, measurement retention and the next requeue time, as one
   :class:`~.run_status.AnalysisPlan`, whose ``due`` lists the measurements to take next (so
   a reconcile is: assess → measure ``plan.due`` → record → assess again → write status).

Modules: :mod:`.phases` (order, completion), :mod:`.selection` (dryRun and measurementRetention
regexes), :mod:`.metric_status` (one metric's phase), :mod:`.schedule`, :mod:`.measurement`,
:mod:`.run_status`. The reconciler must not re-derive any of these rules.
"""

from rollouts.core.analysis.measurement import measurement_verdict, record_measurement
from rollouts.core.analysis.metric_status import assess_metric
from rollouts.core.analysis.run_state import is_terminating
from rollouts.core.analysis.run_status import AnalysisPlan, assess_run
from rollouts.core.analysis.schedule import MetricTask, due_measurements, next_reconcile_time

__all__ = [
    "AnalysisPlan",
    "MetricTask",
    "assess_metric",
    "assess_run",
    "due_measurements",
    "is_terminating",
    "measurement_verdict",
    "next_reconcile_time",
    "record_measurement",
]
