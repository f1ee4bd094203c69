"""Loading the YAML fixtures under ``analysis_manifests/`` into the right model by ``kind``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rollouts.api.analysis import AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate
from rollouts.api.common import KubeObject
from rollouts.api.experiment import Experiment

FIXTURES = Path(__file__).parent / "analysis_manifests"

MODELS: dict[str, type[KubeObject]] = {
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
    "AnalysisRun": AnalysisRun,
    "Experiment": Experiment,
}


def load(document: dict[str, Any]) -> KubeObject:
    return MODELS[document["kind"]].from_dict(document)


def fixture_paths(folder: str) -> list[Path]:
    return sorted((FIXTURES / folder).glob("*.yaml"))
