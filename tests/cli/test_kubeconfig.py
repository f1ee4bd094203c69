"""Which kubeconfig and namespace a command uses, and ``get --watch`` redrawing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from rollouts.cli.get import CLEAR_SCREEN, watch_text
from rollouts.cli.kubeconfig import resolve_kubeconfig, resolve_namespace
from rollouts.cli.session import Client
from tests.cli.conftest import NOW
from tests.cli.fake import FakeClient

KUBECONFIG = """
apiVersion: v1
kind: Config
current-context: dev
contexts:
- {name: dev, context: {cluster: c, user: u, namespace: team-a}}
- {name: prod, context: {cluster: c, user: u}}
"""


def test_namespace_precedence(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    assert resolve_namespace("flag", str(path), None) == "flag"
    assert resolve_namespace(None, str(path), None) == "team-a"
    assert resolve_namespace(None, str(path), "prod") == "default"
    assert resolve_namespace(None, None, None) == "default"
    broken = tmp_path / "broken"
    broken.write_text(": : :")
    assert resolve_namespace(None, str(broken), None) == "default"


def test_kubeconfig_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    second.write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_kubeconfig("/explicit") == "/explicit"
    assert resolve_kubeconfig(None) == str(second)  # the first existing entry
    monkeypatch.setenv("KUBECONFIG", "")
    assert resolve_kubeconfig(None) is None  # no ~/.kube/config either: in-cluster


async def test_watch_redraws_only_on_change() -> None:
    texts = iter(["one", "one", "two", "two"])
    shown: list[str] = []
    sleeps = 0

    async def render(client: Client, now: datetime) -> str:
        return next(texts)

    async def sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        if sleeps == 4:
            raise TimeoutError  # as the --timeout-seconds deadline would

    await watch_text(FakeClient(), render, lambda: NOW, shown.append, timeout_seconds=5, sleep=sleep)
    assert shown == [CLEAR_SCREEN + "one", CLEAR_SCREEN + "two"]


def test_help_imports_no_client_and_no_models() -> None:
    """``--help`` stays instant: the HTTP client, kubernetes_asyncio and pydantic load lazily."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from rollouts.cli.main import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='kubectl-rollouts')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.splitlines()[-1].split())
    assert "click" in loaded  # the probe did run the command tree
    heavy = {"aiohttp", "kubernetes_asyncio", "pydantic", "rollouts.k8s", "rollouts.api", "yaml", "asyncio"}
    assert heavy & loaded == set()
