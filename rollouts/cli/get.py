"""``get rollout`` / ``get experiment``: read the object and its children, render the tree.

Children are listed in the object's namespace and matched by ownerReference uid (as upstream's
informers do). ``--watch`` re-reads every :data:`REFRESH_SECONDS` and redraws in place (clear
screen, home cursor) whenever the text changed, until ``--timeout-seconds`` (0: until Ctrl-C).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from rollouts.cli.session import Client
from rollouts.cli.tree_info import experiment_view, rollout_view
from rollouts.cli.tree_render import Style, render_experiment, render_rollout

REFRESH_SECONDS = 2.0
CLEAR_SCREEN = "\033[H\033[2J\033[0;0H"

Renderer = Callable[[Client], Awaitable[str]]


async def _items(client: Client, res: Any, namespace: str) -> list[dict[str, Any]]:
    listed = await client.list(res, namespace)
    return [item for item in listed.get("items") or [] if isinstance(item, dict)]


async def rollout_text(client: Client, namespace: str, name: str, style: Style) -> str:
    from rollouts.k8s import resources as r

    rollout = await client.get(r.ROLLOUTS, name, namespace)
    replica_sets = await _items(client, r.REPLICASETS, namespace)
    pods = await _items(client, r.PODS, namespace)
    experiments = await _items(client, r.EXPERIMENTS, namespace)
    runs = await _items(client, r.ANALYSIS_RUNS, namespace)
    return render_rollout(rollout_view(rollout, replica_sets, pods, experiments, runs), style)


async def experiment_text(client: Client, namespace: str, name: str, style: Style) -> str:
    from rollouts.k8s import resources as r

    experiment = await client.get(r.EXPERIMENTS, name, namespace)
    replica_sets = await _items(client, r.REPLICASETS, namespace)
    pods = await _items(client, r.PODS, namespace)
    runs = await _items(client, r.ANALYSIS_RUNS, namespace)
    return render_experiment(experiment_view(experiment, replica_sets, runs, pods), namespace, style)


async def watch_text(
    client: Client,
    render: Callable[[Client, datetime], Awaitable[str]],
    now: Callable[[], datetime],
    emit: Callable[[str], None],
    *,
    timeout_seconds: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Redraw whenever the rendering changes, until the timeout (0: never)."""
    previous = ""
    try:
        async with asyncio.timeout(timeout_seconds if timeout_seconds > 0 else None):
            while True:
                text = await render(client, now())
                if text != previous:
                    emit(CLEAR_SCREEN + text)
                    previous = text
                await sleep(REFRESH_SECONDS)
    except TimeoutError:
        return  # upstream ends a timed watch quietly, exit 0
