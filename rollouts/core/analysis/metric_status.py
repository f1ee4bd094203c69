"""One metric's phase from its measurements and limits (upstream's ``assessMetricStatus``).

Order of the rules, as upstream applies them:

* an already completed result keeps its phase;
* no measurements: Pending, or Successful when the run is terminating;
* an in-flight last measurement: Running;
* failed > failureLimit (unless the limit is -1) → Failed; inconclusive > inconclusiveLimit →
  Inconclusive; consecutiveError > consecutiveErrorLimit → Error — checked in that order with
  the *later* match winning, each with a reason such as ``failed (2) > failureLimit (1)``;
* consecutiveSuccess ≥ consecutiveSuccessLimit (> 0) → Successful;
* count reached → Inconclusive when both the failure and the consecutive-success rules are
  active, Failed when only the consecutive-success rule is, else Successful;
* terminating → Successful; otherwise Running.
"""

from __future__ import annotations

from rollouts.api import analysis_defaults as defaults
from rollouts.api.analysis import AnalysisPhase, Metric, MetricResult
from rollouts.core.analysis.phases import is_completed


def assess_metric(metric: Metric, result: MetricResult, *, terminating: bool) -> tuple[str, str]:
    """The metric's phase and, when a limit decided it, the reason (else "")."""
    if is_completed(result.phase):
        return str(result.phase), ""
    measurements = result.measurements or []
    if not measurements:
        return (AnalysisPhase.SUCCESSFUL if terminating else AnalysisPhase.PENDING), ""
    if not is_completed(measurements[-1].phase):
        return AnalysisPhase.RUNNING, ""
    phase, reason = limit_breach(metric, result)
    if phase:
        return phase, reason
    success_limit = defaults.consecutive_success_limit(metric)
    if success_limit > 0 and (result.consecutive_success or 0) >= success_limit:
        return AnalysisPhase.SUCCESSFUL, ""
    count = defaults.effective_count(metric)
    if count is not None and (result.count or 0) >= count:
        failure_rule = defaults.failure_limit(metric) >= 0
        success_rule = success_limit > 0
        if failure_rule and success_rule:
            return AnalysisPhase.INCONCLUSIVE, ""
        if success_rule:
            return AnalysisPhase.FAILED, ""
        return AnalysisPhase.SUCCESSFUL, ""
    if terminating:
        return AnalysisPhase.SUCCESSFUL, ""
    return AnalysisPhase.RUNNING, ""


def limit_breach(metric: Metric, result: MetricResult) -> tuple[str, str]:
    """The phase a breached failure/inconclusive/error limit forces, and why ("" if none)."""
    phase, reason = "", ""
    failure_limit = defaults.failure_limit(metric)
    failed = result.failed or 0
    if failure_limit >= 0 and failed > failure_limit:
        phase, reason = AnalysisPhase.FAILED, f"failed ({failed}) > failureLimit ({failure_limit})"
    inconclusive_limit = defaults.inconclusive_limit(metric)
    inconclusive = result.inconclusive or 0
    if inconclusive > inconclusive_limit:
        phase = AnalysisPhase.INCONCLUSIVE
        reason = f"inconclusive ({inconclusive}) > inconclusiveLimit ({inconclusive_limit})"
    error_limit = defaults.consecutive_error_limit(metric)
    consecutive_errors = result.consecutive_error or 0
    if consecutive_errors > error_limit:
        phase = AnalysisPhase.ERROR
        reason = f"consecutiveErrors ({consecutive_errors}) > consecutiveErrorLimit ({error_limit})"
    return phase, reason
