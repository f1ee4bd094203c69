"""Which kubeconfig file and which namespace a command uses, resolved as kubectl resolves them.

Only the file path and the context's default namespace are read here (plain YAML); loading
credentials is :mod:`rollouts.k8s.config`'s job. Precedence: ``--kubeconfig``, then the first
existing path of ``$KUBECONFIG``, then ``~/.kube/config``; no file means the in-cluster account.
The namespace: ``-n``, then the selected context's ``namespace``, then ``default``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def resolve_kubeconfig(flag: str | None) -> str | None:
    if flag:
        return flag
    for entry in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if entry and Path(entry).is_file():
            return entry
    home = Path.home() / ".kube" / "config"
    return str(home) if home.is_file() else None


def context_namespace(kubeconfig: str | None, context: str | None) -> str | None:
    """The namespace the (given or current) context names, if the file says one."""
    if not kubeconfig:
        return None
    import yaml  # only when no -n was given

    try:
        doc: Any = yaml.safe_load(Path(kubeconfig).read_text())
    except (OSError, yaml.YAMLError):
        return None  # the client reports an unreadable kubeconfig with a proper message
    if not isinstance(doc, dict):
        return None
    wanted = context or doc.get("current-context")
    for entry in doc.get("contexts") or []:
        if isinstance(entry, dict) and entry.get("name") == wanted:
            ctx = entry.get("context")
            ns = ctx.get("namespace") if isinstance(ctx, dict) else None
            return ns if isinstance(ns, str) and ns else None
    return None


def resolve_namespace(flag: str | None, kubeconfig: str | None, context: str | None) -> str:
    return flag or context_namespace(kubeconfig, context) or "default"
