"""The Rollout's analysis template references, checked as upstream checks them before a pass.

Every analysis the strategy names (blue-green pre- then post-promotion; canary steps in order,
then the background analysis) must find its templates, and the templates must combine with the
Rollout's args into one run spec. A problem is a field error on the analysis' ``templates``
(``spec.templates`` for a template that another template nests), which the reconciler turns into
the InvalidSpec condition (and looks again later, as for a missing Service):

* ``spec.strategy.canary.steps[1].analysis.templates: Invalid value: "t": AnalysisTemplate 't' not found``
* ``…templates: Invalid value: "templateNames: [a b]": args.x was not resolved``
* a step or pre/post-promotion analysis whose metric would never finish (an ``interval`` without a
  ``count``, or a count of 0; a ``{{args.x}}`` count read with the template's default):
  ``…templates: Invalid value: "t": AnalysisTemplate t has metric m which runs indefinitely.
  Invalid value for count: <nil>``. A background analysis may run indefinitely.

Argument values are not taken here (every Rollout arg counts as given): only their presence matters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rollouts.api.common import FieldError
from rollouts.api.go_field_errors import invalid
from rollouts.api.rollout import Rollout
from rollouts.api.steps import RolloutAnalysis
from rollouts.core.analysis_templates import (
    TemplateNotFound,
    Templates,
    resolve_templates,
    run_spec,
)
from rollouts.core.rollout_analysis.manifest import template_refs

_ARG_TAG = re.compile(r"\{\{\s*args\.([^}\s]+)\s*\}\}")
#: The value upstream gives a template arg without a default while validating.
_PLACEHOLDER = "dummy-value"


def _count_text(count: Any, args: Mapping[str, str]) -> str:
    if isinstance(count, str):
        return _ARG_TAG.sub(lambda m: args.get(m.group(1), m.group(0)), count)
    return str(count)


def _indefinite_metrics(template: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(metric name, count as upstream prints it) of each metric that would never complete."""
    spec = template.get("spec") or {}
    args = {str(a.get("name")): str(a.get("value") or _PLACEHOLDER) for a in spec.get("args") or []}
    found: list[tuple[str, str]] = []
    for metric in spec.get("metrics") or []:
        count = metric.get("count")
        text = "<nil>" if count is None else _count_text(count, args)
        value = int(text) if text.lstrip("-").isdigit() else 0  # a non-number counts as 0, as IntValue()
        if value == 0 and metric.get("interval"):
            found.append((str(metric.get("name") or ""), text))
    return found


def _analyses(ro: Rollout) -> list[tuple[str, RolloutAnalysis]]:
    found: list[tuple[str, RolloutAnalysis | None]] = []
    if ro.blue_green is not None:
        path = "spec.strategy.blueGreen"
        found.append((f"{path}.prePromotionAnalysis.templates", ro.blue_green.pre_promotion_analysis))
        found.append((f"{path}.postPromotionAnalysis.templates", ro.blue_green.post_promotion_analysis))
    elif ro.canary is not None:
        for i, step in enumerate(ro.steps):
            found.append((f"spec.strategy.canary.steps[{i}].analysis.templates", step.analysis))
        found.append(("spec.strategy.canary.analysis.templates", ro.canary.analysis))
    return [(path, analysis) for path, analysis in found if analysis is not None]


def template_reference_errors(
    ro: Rollout, templates: Templates, cluster_templates: Templates
) -> list[FieldError]:
    """The first problem with the Rollout's analysis templates, as a one-element list (or [])."""
    for path, analysis in _analyses(ro):
        try:
            resolved = resolve_templates(template_refs(analysis), templates, cluster_templates)
        except TemplateNotFound as err:
            return [invalid("spec.templates" if err.nested else path, err.name, str(err))]
        args = [{"name": a.name or "", "value": ""} for a in analysis.args or []]
        try:
            run_spec(resolved, args)
        except ValueError as err:
            return [invalid(path, f"templateNames: [{' '.join(resolved.names())}]", str(err))]
        if path.endswith("canary.analysis.templates"):
            continue  # background analysis may run until promotion
        for template in (*resolved.namespaced, *resolved.cluster):
            name = str((template.get("metadata") or {}).get("name") or "")
            for metric, count in _indefinite_metrics(template):
                detail = (
                    f"AnalysisTemplate {name} has metric {metric} which runs indefinitely. "
                    f"Invalid value for count: {count}"
                )
                return [invalid(path, name, detail)]
    return []
