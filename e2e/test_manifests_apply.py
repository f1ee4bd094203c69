"""Every example and both install manifests are accepted by a real API server (with our CRDs).

The examples are applied for real into the test's namespace and read back unchanged in the fields
the user wrote; the install manifests are checked with a server-side dry run (they are
cluster-scoped in part and would otherwise leave RBAC objects behind).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.harness import Kubectl

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
INSTALLS = [REPO / "manifests" / "install.yaml", REPO / "manifests" / "namespace-install.yaml"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_accepted_and_stored_as_written(path: Path, kubectl: Kubectl, crds: list[str]) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    assert docs, f"{path} holds no document"
    kubectl("apply", "-f", str(path))
    try:
        for doc in docs:
            stored = kubectl.get(qualified_kind(doc), doc["metadata"]["name"])
            where = f"{path.name}:{doc['kind']}"
            assert_written_fields_kept(doc.get("spec", {}), stored.get("spec", {}), where)
    finally:
        for doc in docs:
            if doc["kind"] == "ClusterAnalysisTemplate":  # cluster-scoped: not removed with the namespace
                kubectl("delete", "clusteranalysistemplate", doc["metadata"]["name"], "--ignore-not-found")


def qualified_kind(doc: dict[str, Any]) -> str:
    """``Kind.group``: a bare kind is ambiguous when two groups serve it (Istio's and App Mesh's
    VirtualService are both installed by the router e2e tests)."""
    group, _, _ = str(doc["apiVersion"]).rpartition("/")
    return f"{doc['kind']}.{group}" if group else str(doc["kind"])


def assert_written_fields_kept(written: object, stored: object, where: str) -> None:
    """Every field the user wrote is stored with the same value (the server may add defaults)."""
    if isinstance(written, dict):
        assert isinstance(stored, dict), where
        for key, value in written.items():
            assert key in stored, f"{where}.{key} was dropped by the server"
            assert_written_fields_kept(value, stored[key], f"{where}.{key}")
    elif isinstance(written, list):
        assert isinstance(stored, list) and len(stored) == len(written), where
        for i, (w, s) in enumerate(zip(written, stored, strict=True)):
            assert_written_fields_kept(w, s, f"{where}[{i}]")
    else:
        assert stored == written, f"{where}: {stored!r} != {written!r}"


@pytest.mark.parametrize("path", INSTALLS, ids=lambda p: p.name)
def test_install_manifest_passes_a_server_side_dry_run(path: Path, kubectl: Kubectl, namespace: str) -> None:
    text = path.read_text()
    docs = [d for d in yaml.safe_load_all(text) if d]
    # Point the namespaced objects at the test's namespace, so that the dry run needs nothing that
    # does not exist; the Namespace object itself is dropped.
    moved = []
    for doc in docs:
        if doc["kind"] == "Namespace":
            continue
        if "namespace" in doc.get("metadata", {}):
            doc["metadata"]["namespace"] = namespace
        for subject in doc.get("subjects", []):
            if "namespace" in subject:
                subject["namespace"] = namespace
        moved.append(doc)
    out = kubectl("apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump_all(moved))
    kinds = {d["kind"] for d in moved}
    assert "Deployment" in kinds and ("ClusterRole" in kinds or "Role" in kinds)
    assert out.count("(server dry run)") == len(moved)
