"""Rollout documents for the core tests: one factory, so each test states only what it varies."""

from __future__ import annotations

from typing import Any


def rollout_doc(
    strategy: dict[str, Any], *, replicas: int = 2, image: str = "demo:1", **spec: Any
) -> dict[str, Any]:
    """A Rollout ``demo`` in ``ns`` (uid ``u1``, generation 1) selecting ``app=demo``.

    ``strategy`` is ``spec.strategy``; keyword arguments are further ``spec`` fields.
    """
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "u1", "generation": 1},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            "strategy": strategy,
            **spec,
        },
    }
