"""Generate the five CustomResourceDefinitions in manifests/crds/ from the pydantic models.

    uv run python hack/gen_crds.py           # (re)write manifests/crds/*.yaml
    uv run python hack/gen_crds.py --check   # exit 1 if the committed files differ (CI)

Design: the models are the single source of truth. Each model's JSON schema (upstream's JSON
names) is rewritten into a *structural* schema, the form kube-apiserver requires for CRDs:

* every ``$ref`` is inlined (no ``$defs``/``definitions`` survive);
* ``X | None`` becomes ``X`` (an unset field is simply absent);
* the int-or-string union becomes ``x-kubernetes-int-or-string: true``, the only ``anyOf`` the
  API server accepts without a type; any other union is an error here, not a silently wrong CRD;
* free JSON (pod templates, plugin configs, ``Any``) is ``x-kubernetes-preserve-unknown-fields``;
* titles, defaults and descriptions are dropped (defaults are applied by the controller, never by
  the API server, so that stored objects keep exactly what the user wrote);
* ``metadata`` is ``{type: object}``, as the API server requires of custom resources.

The CRD envelopes follow upstream's (names, short names, scope, printer columns, the Rollout
scale subresource for HPAs) plus what this project asks for: a ``status`` subresource on every
kind and the ``argoproj`` category.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from rollouts.api import KINDS

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "manifests" / "crds"
GROUP = "argoproj.io"
VERSION = "v1alpha1"
CATEGORIES = ["argoproj"]

AGE = {
    "name": "Age",
    "type": "date",
    "jsonPath": ".metadata.creationTimestamp",
    "description": "Time since resource was created",
}
STATUS_PHASE = {"name": "Status", "type": "string", "jsonPath": ".status.phase", "description": "Phase"}


def _column(name: str, path: str, description: str) -> dict[str, str]:
    return {"name": name, "type": "integer", "jsonPath": path, "description": description}


#: kind -> (file stem, plural, short name, scope, printer columns)
CRDS: dict[str, tuple[str, str, str, str, list[dict[str, str]]]] = {
    "Rollout": (
        "rollout",
        "rollouts",
        "ro",
        "Namespaced",
        [
            _column("Desired", ".spec.replicas", "Number of desired pods"),
            _column(
                "Current", ".status.replicas", "Total number of non-terminated pods targeted by this rollout"
            ),
            _column(
                "Up-to-date",
                ".status.updatedReplicas",
                "Total number of non-terminated pods targeted by this rollout that have the desired"
                " template spec",
            ),
            _column(
                "Available",
                ".status.availableReplicas",
                "Total number of available pods (ready for at least minReadySeconds) targeted by this"
                " rollout",
            ),
            AGE,
        ],
    ),
    "AnalysisTemplate": ("analysis-template", "analysistemplates", "at", "Namespaced", [AGE]),
    "ClusterAnalysisTemplate": (
        "cluster-analysis-template",
        "clusteranalysistemplates",
        "cat",
        "Cluster",
        [AGE],
    ),
    "AnalysisRun": ("analysis-run", "analysisruns", "ar", "Namespaced", [STATUS_PHASE, AGE]),
    "Experiment": ("experiment", "experiments", "exp", "Namespaced", [STATUS_PHASE, AGE]),
}

#: The HPA reads and writes Rollout replicas through this.
ROLLOUT_SCALE = {
    "specReplicasPath": ".spec.replicas",
    "statusReplicasPath": ".status.HPAReplicas",
    "labelSelectorPath": ".status.selector",
}


class SchemaError(ValueError):
    """The model's schema has a shape a structural CRD schema cannot express."""


def structural_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema rewritten as a structural openAPIV3Schema."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    definitions = schema.pop("$defs", {})
    out = _convert(schema, definitions, path="", depth=0)
    props = out.setdefault("properties", {})
    props["metadata"] = {"type": "object"}
    return out


_DROPPED_KEYS = {"title", "default", "description", "examples"}
_MAX_DEPTH = 40  # a recursive model would recurse forever when inlined


def _convert(node: dict[str, Any], defs: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
    if depth > _MAX_DEPTH:
        raise SchemaError(f"{path}: schema nests deeper than {_MAX_DEPTH} (a recursive model?)")
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _convert(defs[name], defs, path, depth + 1)
    if "anyOf" in node:
        return _convert_union(node["anyOf"], defs, path, depth)
    if not node.get("type"):
        # Any: free JSON of any shape
        return {"x-kubernetes-preserve-unknown-fields": True}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS or (key == "additionalProperties" and value is False):
            continue
        if key == "properties":
            out[key] = {name: _convert(sub, defs, f"{path}.{name}", depth + 1) for name, sub in value.items()}
        elif key == "items":
            out[key] = _convert(value, defs, f"{path}[]", depth + 1)
        elif key == "additionalProperties":
            if value is True or value == {}:
                out["x-kubernetes-preserve-unknown-fields"] = True
            else:
                out[key] = _convert(value, defs, f"{path}{{}}", depth + 1)
        elif key == "required" and not value:
            continue
        else:
            out[key] = value
    return out


def _convert_union(
    options: list[dict[str, Any]], defs: dict[str, Any], path: str, depth: int
) -> dict[str, Any]:
    kept = [o for o in options if o.get("type") != "null"]
    types = sorted(o.get("type", "") for o in kept)
    if types == ["integer", "string"]:
        return {"x-kubernetes-int-or-string": True}
    if len(kept) == 1:
        return _convert(kept[0], defs, path, depth + 1)
    raise SchemaError(f"{path or '<root>'}: a union of {types} has no structural CRD form")


def crd(kind: str) -> dict[str, Any]:
    _, plural, short, scope, columns = CRDS[kind]
    subresources: dict[str, Any] = {"status": {}}
    if kind == "Rollout":
        subresources["scale"] = dict(ROLLOUT_SCALE)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": [short],
                "categories": list(CATEGORIES),
            },
            "scope": scope,
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "additionalPrinterColumns": columns,
                    "subresources": subresources,
                    "schema": {"openAPIV3Schema": structural_schema(KINDS[kind])},
                }
            ],
        },
    }


def render(kind: str) -> str:
    header = "# Generated by hack/gen_crds.py from rollouts.api; do not edit.\n"
    return header + yaml.safe_dump(crd(kind), sort_keys=False, default_flow_style=False, width=120)


def generated() -> dict[Path, str]:
    """Every CRD file's path and its freshly generated text."""
    return {OUT_DIR / f"{CRDS[kind][0]}-crd.yaml": render(kind) for kind in CRDS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if manifests/crds/ is out of date")
    args = parser.parse_args(argv)
    files = generated()
    if args.check:
        stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
        for path in stale:
            print(
                f"out of date: {path.relative_to(ROOT)} (run: uv run python hack/gen_crds.py)",
                file=sys.stderr,
            )
        return 1 if stale else 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
