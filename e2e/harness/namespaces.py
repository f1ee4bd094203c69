"""A namespace of its own for each test, so tests cannot see each other's objects.

The name carries the test's name (readable in ``kubectl get ns`` while debugging) and a random
suffix (re-runs and parallel sessions never collide); it is cut to the 63-character DNS label limit.
Creation waits for the namespace's ``default`` ServiceAccount: the ServiceAccount admission plugin
rejects bare Pods until kube-controller-manager has made it. Deletion does not wait: the namespace
controller finishes it in the background, and the next test uses a new name anyway.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from e2e.harness.kubectl import Kubectl
from e2e.harness.waiting import wait_for

E2E_LABEL = "rollouts.test/e2e"
MAX_NAME = 63


def namespace_name(test_name: str) -> str:
    """``e2e-<slug of test_name>-<6 hex>``, a valid DNS-1123 label."""
    slug = re.sub(r"[^a-z0-9]+", "-", test_name.lower()).strip("-")
    suffix = secrets.token_hex(3)
    slug = slug[: MAX_NAME - len("e2e--") - len(suffix)].strip("-") or "test"
    return f"e2e-{slug}-{suffix}"


@contextmanager
def fresh_namespace(kubectl: Kubectl, test_name: str, timeout: float = 30.0) -> Iterator[str]:
    """Create a namespace, yield its name, delete it afterwards (even when the test fails)."""
    name = namespace_name(test_name)
    cluster_scoped = kubectl.in_namespace(None)
    cluster_scoped.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {E2E_LABEL: "true"}}}
    )
    try:
        wait_for(
            lambda: cluster_scoped.in_namespace(name).get_or_none("serviceaccount", "default"),
            timeout=timeout,
            describe=f"ServiceAccount default in new namespace {name}",
        )
        yield name
    finally:
        cluster_scoped("delete", "namespace", name, "--wait=false", "--ignore-not-found")
