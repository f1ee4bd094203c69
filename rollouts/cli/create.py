"""``create analysisrun``: an AnalysisRun from an (Cluster)AnalysisTemplate, upstream's way.

The template object becomes the run: kind set to AnalysisRun, name / generateName / namespace
set, the template's ``spec.args`` merged with the ``-a NAME=VALUE`` arguments (a flag only sets
an argument the template declares; every argument must end up with a value or a valueFrom), and
the controller-instance label set when ``--instance-id`` is given. Fields the API server owns
(uid, resourceVersion, creationTimestamp, generation, managedFields) are dropped.
"""

from __future__ import annotations

import copy
from typing import Any

INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
_SERVER_OWNED = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink")


def parse_arguments(flags: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    """``NAME=VALUE`` flags (split at the first ``=``) as AnalysisRun arguments."""
    args = []
    for flag in flags:
        name, sep, value = flag.partition("=")
        if not sep:
            raise ValueError("arguments must be in the form NAME=VALUE")
        args.append({"name": name, "value": value})
    return args


def merge_arguments(incoming: list[dict[str, str]], declared: list[Any]) -> list[dict[str, Any]]:
    merged = [copy.deepcopy(a) for a in declared if isinstance(a, dict)]
    for arg in incoming:
        for existing in merged:
            if existing.get("name") == arg["name"]:
                existing["value"] = arg["value"]
                break
    for arg in merged:
        if arg.get("value") is None and arg.get("valueFrom") is None:
            raise ValueError(f"args.{arg.get('name')} was not resolved")
    return merged


def run_name(template: dict[str, Any], name: str | None, generate_name: str | None) -> tuple[str, str]:
    """(name, generateName): ``--name``, else ``--generate-name``, else ``<template>-``."""
    if name:
        return name, ""
    if generate_name:
        return "", generate_name
    template_name = str((template.get("metadata") or {}).get("name") or "")
    if not template_name:
        raise ValueError("name is invalid")
    return "", template_name + "-"


def analysis_run_from_template(
    template: dict[str, Any],
    arguments: list[dict[str, str]],
    *,
    namespace: str,
    name: str | None = None,
    generate_name: str | None = None,
    instance_id: str | None = None,
) -> dict[str, Any]:
    run = copy.deepcopy(template)
    run_name_, run_generate_name = run_name(template, name, generate_name)
    spec = run.get("spec")
    if not isinstance(spec, dict):
        raise ValueError("the template has no spec")
    declared = spec.get("args")
    args = merge_arguments(arguments, declared) if isinstance(declared, list) else arguments
    if args:
        spec["args"] = args
    run["kind"] = "AnalysisRun"
    run["apiVersion"] = "argoproj.io/v1alpha1"
    found = run.get("metadata")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    for key in _SERVER_OWNED:
        meta.pop(key, None)
    meta.pop("name", None)
    meta.pop("generateName", None)
    if run_name_:
        meta["name"] = run_name_
    else:
        meta["generateName"] = run_generate_name
    meta["namespace"] = namespace
    if instance_id:
        # upstream replaces the labels with just this one
        meta["labels"] = {INSTANCE_ID_LABEL: instance_id}
    run["metadata"] = meta
    run.pop("status", None)
    return run
