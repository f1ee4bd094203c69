"""Shared helpers: a Rollout builder and ``invoke`` running the real command tree on a fake."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rollouts.cli.main import App, cli
from rollouts.cli.session import Client, Target
from tests.cli.fake import FakeClient

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def rollout(
    name: str = "guestbook",
    *,
    steps: list[Any] | None = None,
    status: dict[str, Any] | None = None,
    paused: bool = False,
    blue_green: bool = False,
    namespace: str = "default",
) -> dict[str, Any]:
    strategy: dict[str, Any] = (
        {"blueGreen": {"activeService": "active"}}
        if blue_green
        else {"canary": {"steps": steps if steps is not None else [{"setWeight": 20}, {"pause": {}}]}}
    )
    spec: dict[str, Any] = {
        "replicas": 3,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]},
        },
        "strategy": strategy,
    }
    if paused:
        spec["paused"] = True
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}", "generation": 1},
        "spec": spec,
        "status": copy.deepcopy(status) if status is not None else {},
    }


Invoke = Callable[..., Result]


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()


@pytest.fixture
def invoke(fake: FakeClient) -> Invoke:
    def run(*args: str) -> Result:
        async def connector(target: Target) -> Client:
            assert target.namespace  # the namespace is resolved before connecting
            return fake

        app = App(connector=connector, now=lambda: NOW, kubeconfig="/nonexistent/kubeconfig")
        return CliRunner().invoke(cli, list(args), obj=app)

    return run
