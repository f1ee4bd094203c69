"""``status``: print a Rollout's phase, and with ``--watch`` follow it until Healthy or Degraded.

Exit semantics are upstream's: Degraded is an error (``The rollout is in a degraded state with
message: …``); a watch that ends (``--timeout``) before Healthy is an error (``Rollout status
watch exceeded timeout``). Lines are printed only when the ``phase - message`` text changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rollouts.cli.info import rollout_phase
from rollouts.cli.session import Client, CliError

#: how long one watch request may stay open before it is re-established
WATCH_SECONDS = 60
TERMINAL = ("Healthy", "Degraded")


def status_line(phase: str, message: str) -> str:
    return f"{phase} - {message}" if message else phase


def _resource_version(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    return str(meta.get("resourceVersion") or "") if isinstance(meta, dict) else ""


class _Printer:
    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit
        self._previous = ""

    def show(self, rollout: dict[str, Any]) -> tuple[str, str]:
        phase, message = rollout_phase(rollout)
        line = status_line(phase, message)
        if line != self._previous:
            self._emit(line)
            self._previous = line
        return phase, message


async def _follow(
    client: Client, namespace: str, name: str, printer: _Printer, last: list[tuple[str, str]]
) -> None:
    from rollouts.k8s.resources import ROLLOUTS

    rollout = await client.get(ROLLOUTS, name, namespace)
    last[0] = printer.show(rollout)
    version = _resource_version(rollout)
    while last[0][0] not in TERMINAL:
        restart = False
        events = client.watch(
            ROLLOUTS,
            namespace,
            resource_version=version,
            timeout_seconds=WATCH_SECONDS,
            field_selector=f"metadata.name={name}",
        )
        async for event in events:
            kind, obj = event.get("type"), event.get("object")
            if not isinstance(obj, dict) or kind == "ERROR":
                restart = True  # e.g. 410 Gone: start again from a fresh read
                break
            version = _resource_version(obj) or version
            if kind == "BOOKMARK":
                continue
            if kind == "DELETED":
                raise CliError(f'rollout "{name}" was deleted')
            last[0] = printer.show(obj)
            if last[0][0] in TERMINAL:
                return
        if restart:
            rollout = await client.get(ROLLOUTS, name, namespace)
            last[0] = printer.show(rollout)
            version = _resource_version(rollout)


async def rollout_status(
    client: Client,
    namespace: str,
    name: str,
    *,
    watch: bool,
    timeout_seconds: float,
    emit: Callable[[str], None],
) -> None:
    """Print the status (and follow it when ``watch``); raise CliError as upstream exits non-zero.

    ``timeout_seconds``: 0 waits for ever.
    """
    from rollouts.k8s.resources import ROLLOUTS

    if not watch:
        phase, message = rollout_phase(await client.get(ROLLOUTS, name, namespace))
        emit(phase if phase in TERMINAL else f"{phase} - {message}")
    else:
        printer = _Printer(emit)
        last = [("", "")]
        try:
            async with asyncio.timeout(timeout_seconds if timeout_seconds > 0 else None):
                await _follow(client, namespace, name, printer, last)
        except TimeoutError:
            if last[0] == ("", ""):
                raise  # never got the object: the API server did not answer in time
        phase, message = last[0]
    if phase == "Degraded":
        raise CliError(f"The rollout is in a degraded state with message: {message}")
    if watch and phase != "Healthy":
        raise CliError("Rollout status watch exceeded timeout")
