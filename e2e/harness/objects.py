"""Waiting for an object's condition or phase, the two questions most e2e tests ask.

Both helpers wire in :func:`~e2e.harness.diagnose.diagnosis` for the object itself, so a timeout
prints its status, the namespace's Events and (when given) the controller's log tail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from e2e.harness.diagnose import diagnosis
from e2e.harness.kubectl import Kubectl
from e2e.harness.waiting import wait_for


def condition_status(obj: dict[str, Any], condition_type: str) -> str | None:
    """``status`` of the condition of that type ("True"/"False"/"Unknown"), None if absent."""
    for cond in obj.get("status", {}).get("conditions") or []:
        if cond.get("type") == condition_type:
            return str(cond.get("status"))
    return None


def _get(kubectl: Kubectl, ref: str) -> dict[str, Any]:
    kind, sep, name = ref.partition("/")
    if not sep or not name:
        raise ValueError(f"expected kind/name, got {ref!r}")
    return kubectl.get(kind, name)


def wait_for_condition(
    kubectl: Kubectl,
    ref: str,
    condition_type: str,
    status: str = "True",
    *,
    timeout: float,
    controller_log: Path | None = None,
) -> dict[str, Any]:
    """Wait until ``ref`` (``kind/name``) has the condition with that status; return the object."""

    def reached() -> dict[str, Any] | None:
        obj = _get(kubectl, ref)
        return obj if condition_status(obj, condition_type) == status else None

    return wait_for(
        reached,
        timeout=timeout,
        describe=f"{ref} condition {condition_type}={status}",
        diagnose=diagnosis(kubectl, [ref], controller_log),
    )


def wait_for_phase(
    kubectl: Kubectl,
    ref: str,
    phase: str,
    *,
    timeout: float,
    controller_log: Path | None = None,
) -> dict[str, Any]:
    """Wait until ``ref``'s ``status.phase`` is ``phase``; return the object."""

    def reached() -> dict[str, Any] | None:
        obj = _get(kubectl, ref)
        return obj if obj.get("status", {}).get("phase") == phase else None

    return wait_for(
        reached,
        timeout=timeout,
        describe=f"{ref} phase {phase}",
        diagnose=diagnosis(kubectl, [ref], controller_log),
    )
