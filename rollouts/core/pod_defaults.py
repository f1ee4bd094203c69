"""The API server's defaults for a pod template, for comparing a written template with a live one.

A Rollout is a custom resource, so its ``spec.template`` is stored as written; a ReplicaSet's
template is defaulted by the API server. Comparing the two needs the defaults applied to the
written side. Covered: the pod-level and container-level defaults every template gets
(restartPolicy, dnsPolicy, terminationGracePeriodSeconds, schedulerName, securityContext,
terminationMessagePath/Policy, imagePullPolicy, port protocol, probe timing, fieldRef apiVersion).
Not ``enableServiceLinks``: Kubernetes defaults it on Pods only, never in a ReplicaSet's template
(upstream's equality defaults a PodTemplate the same way); adding it here made every stored
template compare unequal. Volume-source defaults (e.g. configMap defaultMode) are not covered: such
templates are still found by their hash label, only the equality fallback misses them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_POD_DEFAULTS: dict[str, Any] = {
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "securityContext": {},
    "schedulerName": "default-scheduler",
}
_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def default_image_pull_policy(image: str) -> str:
    """``Always`` for an untagged or ``:latest`` image (digests count as tagged), else ``IfNotPresent``."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _default_container(container: dict[str, Any]) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("imagePullPolicy", default_image_pull_policy(str(container.get("image", ""))))
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for probe_key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(probe_key)
        if isinstance(probe, dict):
            for key, value in _PROBE_DEFAULTS.items():
                probe.setdefault(key, value)
            http_get = probe.get("httpGet")
            if isinstance(http_get, dict):
                http_get.setdefault("path", "/")
                http_get.setdefault("scheme", "HTTP")
    for env in container.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")


def with_pod_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    """A defaulted deep copy of a pod template (the input is not modified)."""
    out: dict[str, Any] = json.loads(json.dumps(template))
    spec = out.setdefault("spec", {})
    for key, value in _POD_DEFAULTS.items():
        spec.setdefault(key, value)
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            _default_container(container)
    return out
