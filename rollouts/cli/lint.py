"""``lint -f FILE``: validate manifests offline with the controller's own rules and messages.

Every YAML (or JSON) document in the file is read; Rollouts are loaded strictly (unknown fields
are errors) and validated by :func:`rollouts.api.validate_rollout`, then against the Services and
Ingresses of the same file that they reference, as upstream's lint does. The other Argo kinds
(AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Experiment) are validated by their
validators too. Output as upstream: each error's body on stdout; the first error, with its field
path, is the command's error (stderr, exit 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARGO_GROUP = "argoproj.io"

# role -> where the Rollout names that Service (paths into the plain JSON spec)
_SERVICE_FIELDS: dict[str, tuple[str, ...]] = {
    "ActiveService": ("blueGreen", "activeService"),
    "PreviewService": ("blueGreen", "previewService"),
    "CanaryService": ("canary", "canaryService"),
    "StableService": ("canary", "stableService"),
    "PingService": ("canary", "pingPong", "pingService"),
    "PongService": ("canary", "pingPong", "pongService"),
}


@dataclass(frozen=True, slots=True)
class LintResult:
    """The bodies to print and the first error's full text (None when the file is valid)."""

    bodies: list[str]
    first_error: str | None


def read_documents(path: str) -> list[dict[str, Any]]:
    """The non-empty documents of a YAML/JSON file; ValueError with a clear message otherwise."""
    import yaml

    try:
        text = Path(path).read_text()
    except OSError as err:
        raise ValueError(f"open {path}: {err.strerror or err}") from None
    try:
        docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    for i, doc in enumerate(docs):
        if not isinstance(doc, dict):
            raise ValueError(f"{path}: document {i + 1} is not an object")
    return docs


def _group(doc: dict[str, Any]) -> str:
    api_version = str(doc.get("apiVersion") or "")
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def _lookup(spec: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = spec
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _referenced_errors(rollout: Any, doc: dict[str, Any], others: list[dict[str, Any]]) -> Iterator[Any]:
    from rollouts.api.validation_references import (
        ServiceRole,
        ingress_has_rule_with_service,
        validate_ingress,
        validate_service,
    )

    strategy = (doc.get("spec") or {}).get("strategy") or {}
    services = {
        str((o.get("metadata") or {}).get("name")): o
        for o in others
        if o.get("kind") == "Service" and _group(o) == ""
    }
    for role, path in _SERVICE_FIELDS.items():
        name = _lookup(strategy, path)
        if isinstance(name, str) and name in services:
            yield from validate_service(rollout, services[name], ServiceRole(role))
    routed = _routed_service(strategy)
    for other in others:
        if other.get("kind") != "Ingress" or _group(other) not in ("networking.k8s.io", "extensions"):
            continue
        # As upstream's lint: an Ingress counts as the Rollout's only when it already routes to the
        # Rollout's stable (or root) Service; the others in the file belong to something else.
        if routed and ingress_has_rule_with_service(other, routed):
            yield from validate_ingress(rollout, other)


def _routed_service(strategy: dict[str, Any]) -> str | None:
    """The Service an Ingress of this Rollout routes to (nginx/ALB/SMI), None without routing."""
    canary = strategy.get("canary")
    routing = canary.get("trafficRouting") if isinstance(canary, dict) else None
    if not isinstance(routing, dict):
        return None
    stable = canary.get("stableService") if isinstance(canary, dict) else None
    if isinstance(routing.get("nginx"), dict):
        return stable if isinstance(stable, str) else None
    if isinstance(routing.get("alb"), dict):
        root = routing["alb"].get("rootService")
        return root if isinstance(root, str) and root else stable if isinstance(stable, str) else None
    if isinstance(routing.get("smi"), dict):
        root = routing["smi"].get("rootService")
        return root if isinstance(root, str) else None
    return None


def lint_documents(docs: list[dict[str, Any]]) -> LintResult:
    from rollouts.api import KINDS, ManifestError, validate_rollout
    from rollouts.api.validation_analysis import VALIDATORS

    errors: list[Any] = []
    for doc in docs:
        kind = doc.get("kind")
        if _group(doc) != ARGO_GROUP or kind not in KINDS:
            continue
        try:
            obj = KINDS[str(kind)].from_dict(doc)
        except ManifestError as err:
            errors.extend(err.errors)
            continue
        if kind == "Rollout":
            errors.extend(validate_rollout(obj))  # type: ignore[arg-type]
            errors.extend(_referenced_errors(obj, doc, docs))
        else:
            errors.extend(VALIDATORS[str(kind)](obj))
    bodies = [e.message for e in errors]
    return LintResult(bodies, str(errors[0]) if errors else None)
