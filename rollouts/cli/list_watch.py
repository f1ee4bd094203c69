"""``list rollouts --watch`` and ``list experiments --watch``: the table, then one line per object
whose row changed.

As upstream's rollouts watch: the initial table comes from a list; a watch from that list's
resourceVersion follows, and a row is printed only when it differs from the one last printed for
that object. The watch is re-established when the server ends it, and restarted from a fresh list
after an ERROR event (e.g. 410 Gone). It runs until interrupted. Upstream's ``list experiments``
documents ``--watch`` in its examples without implementing it; ours behaves as the rollouts one
(an experiment's AGE and REMAINING are computed when its event arrives).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rollouts.cli.listing import experiment_row, experiment_table, rollout_row, rollout_table
from rollouts.cli.session import Client
from rollouts.cli.table import tabulate

WATCH_SECONDS = 60

Obj = dict[str, Any]


def _key(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


async def watch_rows(
    client: Client,
    res: Any,
    namespace: str | None,
    *,
    table: Callable[[list[Obj]], list[str]],
    row: Callable[[Obj], str],
    emit: Callable[[str], None],
    field_selector: str | None = None,
) -> None:
    """Print ``table`` of the listed objects, then each ``row`` that changes, until interrupted."""
    printed: dict[tuple[str, str], str] = {}
    first = True
    while True:
        listed = await client.list(res, namespace, field_selector=field_selector)
        items = [i for i in listed.get("items") or [] if isinstance(i, dict)]
        if first:
            emit(tabulate(table(items)))
            first = False
        for item in items:
            line = row(item)
            if printed.get(_key(item)) not in (None, line):
                emit(tabulate([line]))
            printed[_key(item)] = line
        version = str((listed.get("metadata") or {}).get("resourceVersion") or "")
        while version:
            events = client.watch(
                res,
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
                    line = row(obj)
                    if printed.get(_key(obj)) != line:
                        emit(tabulate([line]))
                        printed[_key(obj)] = line


async def watch_rollouts(
    client: Client, namespace: str | None, only: str | None, emit: Callable[[str], None]
) -> None:
    from rollouts.k8s.resources import ROLLOUTS

    all_namespaces = namespace is None
    await watch_rows(
        client,
        ROLLOUTS,
        namespace,
        table=lambda items: rollout_table(items, all_namespaces=all_namespaces),
        row=lambda obj: rollout_row(obj, all_namespaces=all_namespaces),
        emit=emit,
        field_selector=f"metadata.name={only}" if only else None,
    )


async def watch_experiments(
    client: Client, namespace: str | None, now: Callable[[], datetime], emit: Callable[[str], None]
) -> None:
    from rollouts.k8s.resources import EXPERIMENTS

    all_namespaces = namespace is None
    await watch_rows(
        client,
        EXPERIMENTS,
        namespace,
        table=lambda items: experiment_table(items, now(), all_namespaces=all_namespaces),
        row=lambda obj: experiment_row(obj, now(), all_namespaces=all_namespaces),
        emit=emit,
    )
