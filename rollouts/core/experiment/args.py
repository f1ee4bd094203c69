"""Resolving the placeholders an Experiment's analysis args may hold.

Supported (upstream's set): ``{{templates.<t>.podTemplateHash}}``,
``{{templates.<t>.replicaset.name}}``, ``{{experiment.availableAt}}`` and
``{{experiment.finishedAt}}``. Any other ``{{...}}`` is an error, as upstream's template
engine reports it: ``failed to resolve {{<tag>}}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rollouts.api.analysis import Argument
from rollouts.core.replica_sets import ReplicaSetView

_TAG = re.compile(r"\{\{(.*?)\}\}")


class ArgResolutionError(ValueError):
    pass


def _values(
    replica_sets: Mapping[str, ReplicaSetView], available_at: str | None, finished_at: str | None
) -> dict[str, str]:
    values: dict[str, str] = {}
    for template, rs in replica_sets.items():
        values[f"templates.{template}.podTemplateHash"] = rs.pod_template_hash
        values[f"templates.{template}.replicaset.name"] = rs.name
    if available_at:
        values["experiment.availableAt"] = available_at
    if finished_at:
        values["experiment.finishedAt"] = finished_at
    return values


def resolve_args(
    args: list[Argument],
    replica_sets: Mapping[str, ReplicaSetView],
    *,
    available_at: str | None,
    finished_at: str | None = None,
) -> list[Argument]:
    """The args with placeholders in their values replaced; ``valueFrom`` args are passed on untouched.

    Raises :class:`ArgResolutionError` naming the first placeholder that cannot be resolved.
    """
    values = _values(replica_sets, available_at, finished_at)
    resolved: list[Argument] = []
    for arg in args:
        out = arg.model_copy(deep=True)
        if arg.value is not None:
            out.value = _TAG.sub(lambda m: _lookup(values, m.group(1)), arg.value)
        resolved.append(out)
    return resolved


def _lookup(values: Mapping[str, str], tag: str) -> str:
    key = tag.strip()
    if key not in values:
        raise ArgResolutionError(f"failed to resolve {{{{{tag}}}}}")
    return values[key]
