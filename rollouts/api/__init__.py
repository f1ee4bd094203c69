"""API models of the argoproj.io/v1alpha1 kinds (pure: no I/O, no runtime imports).

Layout: :mod:`~rollouts.api.common` (model base, int-or-string, durations, metadata, errors);
:mod:`~rollouts.api.rollout` (the Rollout, re-exporting :mod:`~rollouts.api.steps`,
:mod:`~rollouts.api.traffic_routing` and :mod:`~rollouts.api.rollout_status`);
:mod:`~rollouts.api.analysis` and :mod:`~rollouts.api.experiment` (the other four kinds);
:mod:`~rollouts.api.defaults` / :mod:`~rollouts.api.analysis_defaults` (upstream's defaults, read
through resolver functions); :mod:`~rollouts.api.validation` /
:mod:`~rollouts.api.validation_analysis` (semantic rules with upstream's messages).

The most used names are re-exported here; everything else is imported from its module.
"""

from rollouts.api.analysis import AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate
from rollouts.api.common import (
    ApiModel,
    FieldError,
    IntOrString,
    KubeObject,
    LabelSelector,
    ManifestError,
    ObjectMeta,
)
from rollouts.api.experiment import Experiment
from rollouts.api.rollout import Rollout, RolloutSpec, RolloutStatus
from rollouts.api.validation import invalid_spec_message, validate_rollout
from rollouts.api.validation_analysis import (
    validate_analysis_run,
    validate_analysis_template,
    validate_experiment,
)

#: Every kind by its ``kind`` string, for loading a manifest of any kind.
KINDS: dict[str, type[KubeObject]] = {
    "Rollout": Rollout,
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
    "AnalysisRun": AnalysisRun,
    "Experiment": Experiment,
}

__all__ = [
    "KINDS", "AnalysisRun", "AnalysisTemplate", "ApiModel", "ClusterAnalysisTemplate", "Experiment",
    "FieldError", "IntOrString", "KubeObject", "LabelSelector", "ManifestError", "ObjectMeta",
    "Rollout", "RolloutSpec", "RolloutStatus", "invalid_spec_message", "validate_analysis_run",
    "validate_analysis_template", "validate_experiment", "validate_rollout",
]
