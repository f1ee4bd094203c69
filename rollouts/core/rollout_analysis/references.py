"""The Rollout's analysis template references, checked as upstream checks them before a pass.

Every analysis the strategy names (blue-green pre- then post-promotion; canary steps in order,
then the background analysis) must find its templates, and the templates must combine with the
Rollout's args into one run spec. A problem is a field error on the analysis' ``templates``
(``spec.templates`` for a template that another template nests), which the reconciler turns into
the InvalidSpec condition (and looks again later, as for a missing Service):

* ``spec.strategy.canary.steps[1].analysis.templates: Invalid value: "t": AnalysisTemplate 't' not found``
* ``…templates: Invalid value: "templateNames: [a b]": args.x was not resolved``

Argument values are not taken here (every Rollout arg counts as given): only their presence matters.
"""

from __future__ import annotations

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
    return []
