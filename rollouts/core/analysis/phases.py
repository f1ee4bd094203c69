"""Analysis phases: completion and upstream's severity order for choosing the run's phase."""

from __future__ import annotations

from rollouts.api.analysis import AnalysisPhase

#: Least to most severe; only completed phases are ever compared for the run's phase.
SEVERITY_ORDER: tuple[str, ...] = (
    AnalysisPhase.PENDING,
    AnalysisPhase.RUNNING,
    AnalysisPhase.SUCCESSFUL,
    AnalysisPhase.INCONCLUSIVE,
    AnalysisPhase.ERROR,
    AnalysisPhase.FAILED,
)


def is_completed(phase: str | None) -> bool:
    return AnalysisPhase.is_completed(phase)


def severity(phase: str | None) -> int:
    """Position in :data:`SEVERITY_ORDER`; an unknown or empty phase counts as the mildest."""
    return SEVERITY_ORDER.index(phase) if phase in SEVERITY_ORDER else 0


def is_worse(current: str, candidate: str) -> bool:
    return severity(candidate) > severity(current)


#: Phases that stop a run early (make it "terminating") when a non-dry-run metric reaches them.
STOPPING_PHASES = frozenset({AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE})
