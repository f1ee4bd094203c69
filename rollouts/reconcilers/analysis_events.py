"""The Events an AnalysisRun gets (reasons and messages as upstream's analysis controller).

``Metric<Phase>`` — ``Metric '<name>' Completed. Result: <Phase>`` when a metric completes;
``AnalysisRun<Phase>`` — ``Analysis Completed. Result: <Phase>`` when the run does. Warning
for Error and Failed, Normal otherwise. They are written by the shared
:class:`rollouts.reconcilers.events.EventRecorder`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollouts.api.analysis import AnalysisPhase

NORMAL, WARNING = "Normal", "Warning"


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    reason: str
    message: str


def event_type_for(phase: str) -> str:
    return WARNING if phase in (AnalysisPhase.ERROR, AnalysisPhase.FAILED) else NORMAL


def metric_completed(metric: str, phase: str) -> Event:
    return Event(event_type_for(phase), f"Metric{phase}", f"Metric '{metric}' Completed. Result: {phase}")


def run_completed(phase: str) -> Event:
    return Event(event_type_for(phase), f"AnalysisRun{phase}", f"Analysis Completed. Result: {phase}")
