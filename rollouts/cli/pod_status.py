"""A Pod's status word, ready count and restarts, as ``kubectl get pods`` (and upstream's tree)
shows them; pure, on the Pod's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rollouts.cli.icons import BAD, OK, PROGRESSING, UNKNOWN, WARNING

NODE_UNREACHABLE_REASON = "NodeLost"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class PodStatus:
    status: str
    ready: str  # "ready/total"
    restarts: int

    @property
    def icon(self) -> str:
        return pod_icon(self.status)


def _terminated_reason(term: dict[str, Any], prefix: str) -> str:
    if term.get("reason"):
        return prefix + str(term["reason"])
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


def _init_state(spec: dict[str, Any], status: dict[str, Any]) -> tuple[str | None, int]:
    """(reason while initializing or None, restarts of init containers)."""
    sidecars = {c.get("name"): c.get("restartPolicy") == "Always" for c in _list(spec.get("initContainers"))}
    total_init = len(_list(spec.get("initContainers")))
    restarts = 0
    for i, container in enumerate(_list(status.get("initContainerStatuses"))):
        restarts += int(container.get("restartCount") or 0)
        state = _dict(container.get("state"))
        term, waiting = state.get("terminated"), state.get("waiting")
        if isinstance(term, dict) and (term.get("exitCode") or 0) == 0:
            continue
        if isinstance(term, dict):
            return _terminated_reason(term, "Init:"), restarts
        if sidecars.get(container.get("name")) and container.get("started") is True:
            if container.get("ready") is True:
                continue
            return None, restarts  # a started sidecar that is not ready yet: stop looking
        if isinstance(waiting, dict) and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            return "Init:" + str(waiting["reason"]), restarts
        return f"Init:{i}/{total_init}", restarts
    return None, restarts


def pod_status(pod: dict[str, Any]) -> PodStatus:
    spec, status, meta = _dict(pod.get("spec")), _dict(pod.get("status")), _dict(pod.get("metadata"))
    total = len(_list(spec.get("containers")))
    reason = str(status.get("reason") or status.get("phase") or "")
    ready = 0
    init_reason, restarts = _init_state(spec, status)
    if init_reason is not None:
        reason = init_reason
    else:
        restarts = 0
        running = False
        for container in reversed(_list(status.get("containerStatuses"))):
            restarts += int(container.get("restartCount") or 0)
            state = _dict(container.get("state"))
            waiting, term = _dict(state.get("waiting")), state.get("terminated")
            if waiting.get("reason"):
                reason = str(waiting["reason"])
            elif isinstance(term, dict):
                reason = _terminated_reason(term, "")
            elif container.get("ready") is True and isinstance(state.get("running"), dict):
                running = True
                ready += 1
        if reason == "Completed" and running:
            reason = "Running"
    if meta.get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == NODE_UNREACHABLE_REASON else "Terminating"
    return PodStatus(reason, f"{ready}/{total}", restarts)


def pod_icon(status: str) -> str:
    if status.startswith("Init:"):
        return PROGRESSING
    if status.startswith(("Signal:", "ExitCode:")):
        return BAD
    if status.endswith("Error") or status.startswith("Err"):
        return WARNING
    return {
        "Pending": PROGRESSING,
        "Terminating": PROGRESSING,
        "ContainerCreating": PROGRESSING,
        "Running": OK,
        "Completed": OK,
        "Failed": BAD,
        "InvalidImageName": BAD,
        "CrashLoopBackOff": BAD,
        "ImagePullBackOff": WARNING,
        "RegistryUnavailable": WARNING,
        "Unknown": UNKNOWN,
    }.get(status, " ")
