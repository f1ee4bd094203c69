"""``rollouts-pod-template-hash``: byte-compatible with upstream for the pod templates people write.

Upstream hashes the Go ``encoding/json`` rendering of a typed ``PodTemplateSpec`` with FNV-32a
(then 8 more bytes when ``status.collisionCount`` is set: the count as little-endian uint32 and
four zero bytes), prints the 32-bit sum in decimal and maps every digit through
``rand.SafeEncodeString``'s consonant/digit alphabet. The hash is only stable across the two
controllers if our JSON is byte-identical to Go's, which depends on the *Go struct* (field order,
``omitempty``, non-pointer structs always present), not on the order the user wrote.

What is rendered exactly (k8s.io/api v0.34, the version upstream builds with):

* ``metadata``: every ObjectMeta field in struct order; labels/annotations sorted by key (Go sorts
  map keys); ``creationTimestamp`` is omitted when unset (``omitzero`` in v0.34 — checked against
  hashes upstream's own end-to-end tests expect, see the tests).
* ``spec`` (PodSpec): every top-level field in struct order; ``containers`` is always present.
* Containers and initContainers: every field in struct order; ``ports`` (ContainerPort),
  ``env`` (EnvVar), ``volumeMounts`` (VolumeMount) and ``resources`` (ResourceRequirements,
  always present as it is a non-pointer struct) are typed too.

What is *not* typed (rendered in the order written, keys kept as given): volumes, probes,
lifecycle, affinity, tolerations, security contexts, envFrom, valueFrom and any other nested
struct. Such templates hash identically only if written in Go field order with no zero values.
Resource quantities are kept as written ("500m" matches, but "0.5" would be canonicalised to
"500m" by Go and is not here). Unknown fields are dropped, as Go's decoder drops them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

# Field kinds: "s" string, "i" integer, "b" bool, "m" map[string]string (sorted), "q" resource
# list (map of quantities), "raw" free JSON (rendered as written), or the name of a struct below.
# A field spec is (json name, kind, is_list, omit) where omit is "empty" (Go omitempty on a value),
# "nil" (pointer/omitempty: absent means omitted, any present value is written) or "never".
_Field = tuple[str, str, bool, str]

_STRUCTS: dict[str, list[_Field]] = {
    "PodTemplateSpec": [("metadata", "ObjectMeta", False, "never"), ("spec", "PodSpec", False, "never")],
    "ObjectMeta": [
        ("name", "s", False, "empty"),
        ("generateName", "s", False, "empty"),
        ("namespace", "s", False, "empty"),
        ("selfLink", "s", False, "empty"),
        ("uid", "s", False, "empty"),
        ("resourceVersion", "s", False, "empty"),
        ("generation", "i", False, "empty"),
        ("creationTimestamp", "raw", False, "nil"),
        ("deletionTimestamp", "raw", False, "nil"),
        ("deletionGracePeriodSeconds", "i", False, "nil"),
        ("labels", "m", False, "empty"),
        ("annotations", "m", False, "empty"),
        ("ownerReferences", "raw", True, "empty"),
        ("finalizers", "s", True, "empty"),
        ("managedFields", "raw", True, "empty"),
    ],
    "PodSpec": [
        ("volumes", "raw", True, "empty"),
        ("initContainers", "Container", True, "empty"),
        ("containers", "Container", True, "never"),
        ("ephemeralContainers", "raw", True, "empty"),
        ("restartPolicy", "s", False, "empty"),
        ("terminationGracePeriodSeconds", "i", False, "nil"),
        ("activeDeadlineSeconds", "i", False, "nil"),
        ("dnsPolicy", "s", False, "empty"),
        ("nodeSelector", "m", False, "empty"),
        ("serviceAccountName", "s", False, "empty"),
        ("serviceAccount", "s", False, "empty"),
        ("automountServiceAccountToken", "b", False, "nil"),
        ("nodeName", "s", False, "empty"),
        ("hostNetwork", "b", False, "empty"),
        ("hostPID", "b", False, "empty"),
        ("hostIPC", "b", False, "empty"),
        ("shareProcessNamespace", "b", False, "nil"),
        ("securityContext", "raw", False, "nil"),
        ("imagePullSecrets", "raw", True, "empty"),
        ("hostname", "s", False, "empty"),
        ("subdomain", "s", False, "empty"),
        ("affinity", "raw", False, "nil"),
        ("schedulerName", "s", False, "empty"),
        ("tolerations", "raw", True, "empty"),
        ("hostAliases", "raw", True, "empty"),
        ("priorityClassName", "s", False, "empty"),
        ("priority", "i", False, "nil"),
        ("dnsConfig", "raw", False, "nil"),
        ("readinessGates", "raw", True, "empty"),
        ("runtimeClassName", "s", False, "nil"),
        ("enableServiceLinks", "b", False, "nil"),
        ("preemptionPolicy", "s", False, "nil"),
        ("overhead", "q", False, "empty"),
        ("topologySpreadConstraints", "raw", True, "empty"),
        ("setHostnameAsFQDN", "b", False, "nil"),
        ("os", "raw", False, "nil"),
        ("hostUsers", "b", False, "nil"),
        ("schedulingGates", "raw", True, "empty"),
        ("resourceClaims", "raw", True, "empty"),
        ("resources", "raw", False, "nil"),
        ("hostnameOverride", "s", False, "nil"),
    ],
    "Container": [
        ("name", "s", False, "never"),
        ("image", "s", False, "empty"),
        ("command", "s", True, "empty"),
        ("args", "s", True, "empty"),
        ("workingDir", "s", False, "empty"),
        ("ports", "ContainerPort", True, "empty"),
        ("envFrom", "raw", True, "empty"),
        ("env", "EnvVar", True, "empty"),
        ("resources", "ResourceRequirements", False, "never"),
        ("resizePolicy", "raw", True, "empty"),
        ("restartPolicy", "s", False, "nil"),
        ("restartPolicyRules", "raw", True, "empty"),
        ("volumeMounts", "VolumeMount", True, "empty"),
        ("volumeDevices", "raw", True, "empty"),
        ("livenessProbe", "raw", False, "nil"),
        ("readinessProbe", "raw", False, "nil"),
        ("startupProbe", "raw", False, "nil"),
        ("lifecycle", "raw", False, "nil"),
        ("terminationMessagePath", "s", False, "empty"),
        ("terminationMessagePolicy", "s", False, "empty"),
        ("imagePullPolicy", "s", False, "empty"),
        ("securityContext", "raw", False, "nil"),
        ("stdin", "b", False, "empty"),
        ("stdinOnce", "b", False, "empty"),
        ("tty", "b", False, "empty"),
    ],
    "ContainerPort": [
        ("name", "s", False, "empty"),
        ("hostPort", "i", False, "empty"),
        ("containerPort", "i", False, "never"),
        ("protocol", "s", False, "empty"),
        ("hostIP", "s", False, "empty"),
    ],
    "EnvVar": [
        ("name", "s", False, "never"),
        ("value", "s", False, "empty"),
        ("valueFrom", "raw", False, "nil"),
    ],
    "ResourceRequirements": [
        ("limits", "q", False, "empty"),
        ("requests", "q", False, "empty"),
        ("claims", "raw", True, "empty"),
    ],
    "VolumeMount": [
        ("name", "s", False, "never"),
        ("readOnly", "b", False, "empty"),
        ("recursiveReadOnly", "s", False, "nil"),
        ("mountPath", "s", False, "never"),
        ("subPath", "s", False, "empty"),
        ("mountPropagation", "s", False, "nil"),
        ("subPathExpr", "s", False, "empty"),
    ],
}

_ZERO: dict[str, Any] = {"s": "", "i": 0, "b": False}


def go_json_string(text: str) -> str:
    """A JSON string as Go's encoder writes it (HTML-sensitive characters escaped)."""
    out = json.dumps(text, ensure_ascii=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        out = out.replace(char, escape)
    return out


def _raw(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{go_json_string(str(k))}:{_raw(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_raw(v) for v in value) + "]"
    if isinstance(value, str):
        return go_json_string(value)
    return json.dumps(value)


def _scalar(kind: str, value: Any) -> str:
    if kind == "m" or kind == "q":
        items = sorted((str(k), str(v)) for k, v in (value or {}).items())
        return "{" + ",".join(f"{go_json_string(k)}:{go_json_string(v)}" for k, v in items) + "}"
    if kind == "raw":
        return _raw(value)
    if kind == "s":
        return go_json_string(str(value))
    if kind == "b":
        return "true" if value else "false"
    if kind == "i":
        return str(int(value))
    return _struct(kind, value if isinstance(value, Mapping) else {})


def _is_omitted(kind: str, is_list: bool, omit: str, present: bool, value: Any) -> bool:
    if omit == "never":
        return False
    if not present or value is None:
        return True
    if omit == "nil":
        return False
    if is_list or kind in ("m", "q", "raw"):
        return len(value) == 0
    return bool(value == _ZERO.get(kind))


def _struct(name: str, data: Mapping[str, Any]) -> str:
    parts = []
    for key, kind, is_list, omit in _STRUCTS[name]:
        present = key in data
        value = data.get(key)
        if _is_omitted(kind, is_list, omit, present, value):
            continue
        if is_list:
            rendered = "null" if value is None else "[" + ",".join(_scalar(kind, v) for v in value) + "]"
        elif value is None:
            rendered = _scalar(kind, _ZERO.get(kind, {}))
        else:
            rendered = _scalar(kind, value)
        parts.append(f"{go_json_string(key)}:{rendered}")
    return "{" + ",".join(parts) + "}"


def go_json_pod_template(template: Mapping[str, Any]) -> str:
    """The pod template as Go would marshal a ``corev1.PodTemplateSpec`` (see module docstring)."""
    return _struct("PodTemplateSpec", template)


def fnv32a(data: bytes) -> int:
    value = _FNV32_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """``rand.SafeEncodeString``: every character mapped into an alphabet without vowels."""
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in text)


def pod_template_hash(template: Mapping[str, Any], collision_count: int | None = None) -> str:
    """``rollouts-pod-template-hash`` of a pod template (a JSON dict) and ``status.collisionCount``."""
    data = go_json_pod_template(template).encode()
    if collision_count is not None:
        data += (collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4)
    return safe_encode(str(fnv32a(data)))


def steps_hash(steps: Sequence[Mapping[str, Any]] | None) -> str:
    """``status.currentStepHash``: the same hash over the canary steps as written (JSON dicts).

    Steps are not typed here, so this matches upstream only when steps are written in upstream's
    field order; a mismatch only makes a controller switched from upstream restart the steps once.
    """
    return safe_encode(str(fnv32a(("null" if steps is None else _raw(list(steps))).encode())))
