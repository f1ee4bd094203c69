"""Turning AnalysisTemplate / ClusterAnalysisTemplate references into one AnalysisRun spec.

Shared by everything that creates AnalysisRuns from templates (a Rollout's analysis steps,
background and blue-green analyses; an Experiment's analyses). Upstream's rules, re-expressed:

* **Resolution**: each reference is looked up (namespaced templates by name in the owner's
  namespace, cluster templates by name), then the templates it nests (``spec.templates``), depth
  first. Namespaced and cluster templates are kept in two lists, each template once (the first
  time it is met); a nesting cycle ends where it closes instead of recursing forever.
* **Flattening**: metrics of all namespaced templates then all cluster templates, in that order;
  two metrics with one name are an error. Template args are merged by name: two literal values
  that differ are an error, a valued arg is never replaced by a valueless one. ``dryRun`` and
  ``measurementRetention`` rules are concatenated and must not repeat a ``metricName``.
* **The caller's args** only fill args the templates declare (others are dropped); a ``value``
  wins over the template's, else a ``valueFrom``. An arg left without either is an error.
* **The caller's dryRun / measurementRetention** rules come first, the templates' after them.

Templates arrive as plain JSON dicts keyed by name (the reconcilers read them from caches).
Errors are :class:`TemplateNotFound` (a missing template) or :class:`ValueError` with upstream's
message; nothing here does I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Templates = Mapping[str, Mapping[str, Any]]
Obj = dict[str, Any]


class TemplateNotFound(LookupError):
    """A referenced (Cluster)AnalysisTemplate does not exist; ``str()`` is upstream's message."""

    def __init__(self, kind: str, name: str, *, nested: bool = False) -> None:
        super().__init__(f"{kind} '{name}' not found")
        self.kind = kind
        self.name = name
        #: Named by another template's ``spec.templates`` rather than by the caller.
        self.nested = nested

    def __str__(self) -> str:
        return f"{self.kind} '{self.name}' not found"


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """One ``templates[]`` entry: a template name and whether it is cluster-scoped."""

    name: str
    cluster_scope: bool = False

    @classmethod
    def from_dict(cls, ref: Mapping[str, Any]) -> TemplateRef:
        return cls(str(ref.get("templateName") or ""), bool(ref.get("clusterScope")))


@dataclass(frozen=True, slots=True)
class ResolvedTemplates:
    """The templates a list of references reaches, each once: namespaced, then cluster-scoped."""

    namespaced: tuple[Mapping[str, Any], ...]
    cluster: tuple[Mapping[str, Any], ...]

    def names(self) -> list[str]:
        return [_name(t) for t in (*self.namespaced, *self.cluster)]


def _name(template: Mapping[str, Any]) -> str:
    return str((template.get("metadata") or {}).get("name") or "")


def resolve_templates(
    refs: Iterable[TemplateRef], templates: Templates, cluster_templates: Templates
) -> ResolvedTemplates:
    """Look up ``refs`` and everything they nest; raises :class:`TemplateNotFound`."""
    namespaced: dict[str, Mapping[str, Any]] = {}
    cluster: dict[str, Mapping[str, Any]] = {}
    visiting: set[tuple[bool, str]] = set()

    def visit(ref: TemplateRef, nested: bool) -> None:
        key = (ref.cluster_scope, ref.name)
        if key in visiting:
            return  # a nesting cycle: this template is already being expanded
        source = cluster_templates if ref.cluster_scope else templates
        found = source.get(ref.name)
        if found is None:
            kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
            raise TemplateNotFound(kind, ref.name, nested=nested)
        (cluster if ref.cluster_scope else namespaced).setdefault(ref.name, found)
        visiting.add(key)
        for inner in (found.get("spec") or {}).get("templates") or []:
            visit(TemplateRef.from_dict(inner), True)

    for ref in refs:
        visit(ref, False)
    return ResolvedTemplates(tuple(namespaced.values()), tuple(cluster.values()))


def _specs(resolved: ResolvedTemplates) -> list[Mapping[str, Any]]:
    return [t.get("spec") or {} for t in (*resolved.namespaced, *resolved.cluster)]


def _first_repeated(names: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def _unique_rules(rules: Sequence[Mapping[str, Any]], what: str) -> list[Obj]:
    repeated = _first_repeated(str(rule.get("metricName") or "") for rule in rules)
    if repeated is not None:
        raise ValueError(f"two {what} metric rules have the same name '{repeated}'")
    return [copy.deepcopy(dict(r)) for r in rules]


def _flatten_args(specs: Sequence[Mapping[str, Any]]) -> list[Obj]:
    merged: list[Obj] = []
    for spec in specs:
        for arg in spec.get("args") or []:
            name = arg.get("name")
            previous = next((i for i, m in enumerate(merged) if m.get("name") == name), None)
            if previous is None:
                merged.append(copy.deepcopy(dict(arg)))
                continue
            old_value, new_value = merged[previous].get("value"), arg.get("value")
            if old_value is not None and new_value is not None and old_value != new_value:
                raise ValueError(
                    f"Argument `{name}` specified multiple times with different values: "
                    f"'{old_value}', '{new_value}'"
                )
            if old_value is None:
                merged[previous] = copy.deepcopy(dict(arg))
    return merged


def merge_args(
    caller_args: Sequence[Mapping[str, Any]], template_args: Sequence[Mapping[str, Any]]
) -> list[Obj]:
    """The template args with the caller's values filled in; raises ValueError for an arg left
    without ``value`` or ``valueFrom``. Caller args the templates do not declare are dropped."""
    merged = [copy.deepcopy(dict(a)) for a in template_args]
    for arg in caller_args:
        target = next((m for m in merged if m.get("name") == arg.get("name")), None)
        if target is None:
            continue
        if arg.get("value") is not None:
            target["value"] = arg["value"]
        elif arg.get("valueFrom") is not None:
            target["valueFrom"] = copy.deepcopy(arg["valueFrom"])
    for arg in merged:
        if arg.get("value") is None and arg.get("valueFrom") is None:
            raise ValueError(f"args.{arg.get('name')} was not resolved")
    return merged


def run_spec(
    resolved: ResolvedTemplates,
    caller_args: Sequence[Mapping[str, Any]] = (),
    dry_run: Sequence[Mapping[str, Any]] = (),
    measurement_retention: Sequence[Mapping[str, Any]] = (),
) -> Obj:
    """The AnalysisRun ``spec`` (metrics, args, dryRun, measurementRetention) built from
    ``resolved``; raises ValueError with upstream's message when the templates do not combine."""
    specs = _specs(resolved)
    metrics = [copy.deepcopy(dict(m)) for spec in specs for m in spec.get("metrics") or []]
    repeated = _first_repeated(str(metric.get("name") or "") for metric in metrics)
    if repeated is not None:
        raise ValueError(f"two metrics have the same name '{repeated}'")
    template_dry_run = _unique_rules([r for s in specs for r in s.get("dryRun") or []], "Dry-Run")
    template_retention = _unique_rules(
        [r for s in specs for r in s.get("measurementRetention") or []], "Measurement Retention"
    )
    args = merge_args(caller_args, _flatten_args(specs))
    out: Obj = {"metrics": metrics}
    if args:
        out["args"] = args
    all_dry_run = _unique_rules([*dry_run, *template_dry_run], "Dry-Run")
    if all_dry_run:
        out["dryRun"] = all_dry_run
    all_retention = _unique_rules([*measurement_retention, *template_retention], "Measurement Retention")
    if all_retention:
        out["measurementRetention"] = all_retention
    return out
