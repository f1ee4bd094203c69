"""``kubectl`` as a function: one binary, one kubeconfig, optionally one namespace.

Every call has a timeout (a hung API server must fail a test, not hang CI) and a failure raises
:class:`KubectlError` carrying the command line and kubectl's stderr, so a test failure says what
was asked and what the server answered. Nothing here retries: waiting is :mod:`.waiting`'s job.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TIMEOUT = 60.0


class KubectlError(RuntimeError):
    """kubectl exited non-zero (or did not finish in time)."""

    def __init__(self, argv: Sequence[str], returncode: int | None, stderr: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr.strip()
        status = "timed out" if returncode is None else f"exited {returncode}"
        super().__init__(f"`{' '.join(self.argv)}` {status}: {self.stderr}")

    @property
    def not_found(self) -> bool:
        """The server said the object does not exist (kubectl's NotFound message)."""
        return "NotFound" in self.stderr or "not found" in self.stderr


@dataclass(frozen=True)
class Kubectl:
    """Runs ``binary --kubeconfig kubeconfig [-n namespace] ARGS``; immutable, cheap to copy."""

    binary: Path
    kubeconfig: Path
    namespace: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def in_namespace(self, namespace: str | None) -> Kubectl:
        return replace(self, namespace=namespace)

    def argv(self, *args: str) -> list[str]:
        base = [str(self.binary), "--kubeconfig", str(self.kubeconfig)]
        if self.namespace is not None:
            base += ["--namespace", self.namespace]
        return [*base, *args]

    def __call__(self, *args: str, stdin: str | None = None, timeout: float | None = None) -> str:
        """Run kubectl; return its stdout; raise :class:`KubectlError` on failure."""
        argv = self.argv(*args)
        try:
            done = subprocess.run(
                argv,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=self.timeout if timeout is None else timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            raise KubectlError(argv, None, stderr) from exc
        if done.returncode != 0:
            raise KubectlError(argv, done.returncode, done.stderr)
        return done.stdout

    def json(self, *args: str) -> Any:
        """``kubectl ARGS -o json``, decoded."""
        return json.loads(self(*args, "-o", "json"))

    def get(self, kind: str, name: str) -> dict[str, Any]:
        obj: dict[str, Any] = self.json("get", kind, name)
        return obj

    def get_or_none(self, kind: str, name: str) -> dict[str, Any] | None:
        """The object, or None when the server says NotFound (other errors still raise)."""
        try:
            return self.get(kind, name)
        except KubectlError as err:
            if err.not_found:
                return None
            raise

    def list(self, kind: str, *selectors: str) -> list[dict[str, Any]]:
        """Items of ``kubectl get KIND`` with optional ``-l``/``--field-selector`` arguments."""
        items: list[dict[str, Any]] = self.json("get", kind, *selectors)["items"]
        return items

    def apply(self, *manifests: Mapping[str, Any] | str) -> str:
        """``kubectl apply -f -`` of objects (dicts) or YAML text, as one multi-document stream."""
        docs = [m if isinstance(m, str) else yaml.safe_dump(dict(m), sort_keys=False) for m in manifests]
        return self("apply", "-f", "-", stdin="\n---\n".join(docs))
