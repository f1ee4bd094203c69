"""The controller under test as a real operating-system process.

``python -m rollouts --kubeconfig K [extra args]`` with stdout and stderr appended to a log file
(which :mod:`.diagnose` tails when a wait times out). It runs in its own session so a Ctrl-C in
the terminal reaches pytest only, and pytest decides how the controller stops: SIGTERM (the
graceful path the controller must implement: release the lease, drain, exit), then SIGKILL after
``stop_timeout`` seconds. The exit code is kept so a test can assert a clean shutdown.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from e2e.harness.diagnose import log_tail
from e2e.harness.ports import free_port

REPO = Path(__file__).resolve().parents[2]


class ControllerProcess:
    """Start with :meth:`start` (or ``with``); stop with :meth:`stop`. Not restartable."""

    def __init__(
        self,
        kubeconfig: Path,
        log_path: Path,
        extra_args: Sequence[str] = (),
        *,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        stop_timeout: float = 15.0,
    ) -> None:
        # `command` replaces the default module invocation (the harness's own tests use it).
        self.argv = (
            list(command)
            if command is not None
            else [sys.executable, "-m", "rollouts", "--kubeconfig", str(kubeconfig), *extra_args]
        )
        self.log_path = log_path
        self.env = {**os.environ, "KUBECONFIG": str(kubeconfig), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self.killed = False  # True when SIGTERM was not enough

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> ControllerProcess:
        if self._process is not None:
            raise RuntimeError("controller process already started")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.argv,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        return log_tail(self.log_path, lines)

    def stop(self) -> int | None:
        """SIGTERM, wait up to ``stop_timeout``, then SIGKILL; return the exit code. Idempotent."""
        proc = self._process
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                proc.kill()
                proc.wait(timeout=10)
        self.returncode = proc.returncode
        return self.returncode

    def __enter__(self) -> ControllerProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def isolated_args(namespace: str) -> list[str]:
    """Flags for a controller that only touches one test's objects: it watches ``namespace`` only
    and, as instance ``namespace``, reconciles only Rollouts labelled with that instance id; no
    leader election, and its metrics and health ports are free loopback ones."""
    return [
        "--namespaced", "--namespace", namespace, "--instance-id", namespace, "--leader-elect=false",
        "--metricsPort", str(free_port()), "--healthzPort", str(free_port()),
        "--metrics-bind", "127.0.0.1", "--healthz-bind", "127.0.0.1",
    ]  # fmt: skip
