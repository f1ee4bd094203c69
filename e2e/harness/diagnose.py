"""What a failed e2e wait prints: the objects' status, the namespace's recent Events, the
controller's log tail.

:func:`diagnosis` returns a zero-argument callable so that nothing is fetched unless a wait
actually times out. Every part is gathered independently: one failing ``kubectl`` call is reported
in place and does not hide the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from e2e.harness.kubectl import Kubectl, KubectlError

EVENTS_SHOWN = 25
LOG_LINES_SHOWN = 60


def log_tail(path: Path, lines: int = LOG_LINES_SHOWN) -> str:
    """The last ``lines`` lines of a log file, or a note saying why there are none."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc.strerror})"
    return "\n".join(text.splitlines()[-lines:])


def _status_of(kubectl: Kubectl, ref: str) -> str:
    kind, _, name = ref.partition("/")
    try:
        obj = kubectl.get(kind, name)
    except KubectlError as err:
        return f"(could not get {ref}: {err.stderr})"
    shown = {"generation": obj.get("metadata", {}).get("generation"), "status": obj.get("status")}
    return yaml.safe_dump(shown, sort_keys=False).rstrip()


def _event_line(event: dict[str, Any]) -> str:
    when = event.get("lastTimestamp") or event.get("eventTime") or event["metadata"].get("creationTimestamp")
    involved = event.get("involvedObject", {})
    count = event.get("count") or 1
    return (
        f"{when} {event.get('type', '?'):7} {involved.get('kind')}/{involved.get('name')} "
        f"{event.get('reason')} (x{count}): {event.get('message', '').strip()}"
    )


def recent_events(kubectl: Kubectl, limit: int = EVENTS_SHOWN) -> str:
    """The namespace's last ``limit`` Events, oldest first, one line each."""
    try:
        events = kubectl.list("events")
    except KubectlError as err:
        return f"(could not list events: {err.stderr})"
    if not events:
        return "(no events)"

    def when(event: dict[str, Any]) -> str:
        stamp = event.get("lastTimestamp") or event.get("eventTime") or event["metadata"]["creationTimestamp"]
        return str(stamp)

    return "\n".join(_event_line(e) for e in sorted(events, key=when)[-limit:])


def diagnosis(
    kubectl: Kubectl,
    objects: Sequence[str] = (),
    controller_log: Path | None = None,
) -> Callable[[], str]:
    """A callable describing ``objects`` (``"kind/name"`` in ``kubectl``'s namespace), the
    namespace's Events and, when given, the controller log's tail."""

    def describe() -> str:
        parts: list[str] = []
        for ref in objects:
            parts.append(f"--- {ref} (namespace {kubectl.namespace}):\n{_status_of(kubectl, ref)}")
        parts.append(f"--- recent events in namespace {kubectl.namespace}:\n{recent_events(kubectl)}")
        if controller_log is not None:
            parts.append(f"--- controller log tail ({controller_log}):\n{log_tail(controller_log)}")
        return "\n".join(parts)

    return describe
