"""Small Rollout-shaped manifests for the e2e scenarios, built in code so each test states only
what it is about (replicas, strategy, a workloadRef) and every object carries the test's
instance-id label (the test's own ``--instance-id`` controller handles it, nobody else's).
"""

from __future__ import annotations

import json
from typing import Any

from e2e.harness.kubectl import Kubectl

INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
HASH_LABEL = "rollouts-pod-template-hash"
IMAGE = "argoproj/rollouts-demo"


def pod_template(app: str, colour: str = "blue") -> dict[str, Any]:
    """A pod template labelled ``app: <app>`` running the demo image in ``colour``."""
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": app, "image": f"{IMAGE}:{colour}"}]},
    }


def rollout_manifest(
    name: str,
    instance_id: str,
    *,
    replicas: int | None = 2,
    strategy: dict[str, Any] | None = None,
    colour: str = "blue",
    **spec: Any,
) -> dict[str, Any]:
    """A Rollout selecting ``app: <name>``; ``strategy`` defaults to a canary without steps.

    Extra keyword arguments are spec fields as written in YAML (``revisionHistoryLimit=1``);
    ``template=None`` leaves the template out (for a workloadRef).
    """
    body: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": pod_template(name, colour),
        "strategy": strategy if strategy is not None else {"canary": {}},
    }
    if replicas is not None:
        body["replicas"] = replicas
    body.update(spec)
    body = {k: v for k, v in body.items() if v is not None}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "labels": {INSTANCE_LABEL: instance_id}},
        "spec": body,
    }


def set_image(kubectl: Kubectl, ref: str, colour: str) -> None:
    """Point the first container of ``ref``'s pod template (``rollout/x``, ``deployment/y``) at
    the demo image in ``colour``, as a user's JSON patch would."""
    op = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": f"{IMAGE}:{colour}"}]
    kind, _, name = ref.partition("/")
    kubectl("patch", kind, name, "--type", "json", "-p", json.dumps(op))


def service_manifest(name: str, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def deployment_manifest(name: str, app: str, *, replicas: int, colour: str = "blue") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app}},
            "template": pod_template(app, colour),
        },
    }
