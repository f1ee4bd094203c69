"""``list rollouts --watch``: the table, then one line per Rollout whose row changed.

As upstream: the initial table comes from a list; a watch from that list's resourceVersion
follows, and a row is printed only when it differs from the one last printed for that Rollout.
The watch is re-established when the server ends it, and restarted from a fresh list after an
ERROR event (e.g. 410 Gone). It runs until interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rollouts.cli.listing import rollout_row, rollout_table
from rollouts.cli.session import Client
from rollouts.cli.table import tabulate

WATCH_SECONDS = 60


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


async def watch_rollouts(
    client: Client, namespace: str | None, only: str | None, emit: Callable[[str], None]
) -> None:
    from rollouts.k8s.resources import ROLLOUTS

    all_namespaces = namespace is None
    field_selector = f"metadata.name={only}" if only else None
    printed: dict[tuple[str, str], str] = {}
    first = True
    while True:
        listed = await client.list(ROLLOUTS, namespace, field_selector=field_selector)
        items = [i for i in listed.get("items") or [] if isinstance(i, dict)]
        if first:
            emit(tabulate(rollout_table(items, all_namespaces=all_namespaces)))
            first = False
        for item in items:
            row = rollout_row(item, all_namespaces=all_namespaces)
            if printed.get(_key(item)) not in (None, row):
                emit(tabulate([row]))
            printed[_key(item)] = row
        version = str((listed.get("metadata") or {}).get("resourceVersion") or "")
        while version:
            events = client.watch(
                ROLLOUTS,
                namespace,
                resource_version=version,
                timeout_seconds=WATCH_SECONDS,
                field_selector=field_selector,
            )
            async for event in events:
                obj = event.get("object")
                if event.get("type") == "ERROR" or not isinstance(obj, dict):
                    version = ""  # relist
                    break
                version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                if event.get("type") in ("ADDED", "MODIFIED"):
                    row = rollout_row(obj, all_namespaces=all_namespaces)
                    if printed.get(_key(obj)) != row:
                        emit(tabulate([row]))
                        printed[_key(obj)] = row
