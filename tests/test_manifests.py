"""The install manifests: they parse, the controller Deployment is locked down and probed, and
the cluster-wide and namespaced installs grant the same permissions and run the same pod.

(The e2e harness applies them to a real API server; here we check what a reviewer would.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.trafficrouting import resources as r

MANIFESTS = Path(__file__).resolve().parent.parent / "manifests"
CRD_FILES = [
    "crds/rollout-crd.yaml",
    "crds/analysis-template-crd.yaml",
    "crds/cluster-analysis-template-crd.yaml",
    "crds/analysis-run-crd.yaml",
    "crds/experiment-crd.yaml",
]


def _docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((MANIFESTS / name).read_text()) if d is not None]


def _one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


INSTALL = _docs("install.yaml")
NAMESPACED = _docs("namespace-install.yaml")


@pytest.mark.parametrize("docs", [INSTALL, NAMESPACED], ids=["install", "namespace-install"])
def test_every_document_is_a_named_object(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]


def test_cluster_install_puts_everything_in_argo_rollouts() -> None:
    assert _one(INSTALL, "Namespace")["metadata"]["name"] == "argo-rollouts"
    for doc in INSTALL:
        if doc["kind"] not in {"Namespace", "ClusterRole", "ClusterRoleBinding"}:
            assert doc["metadata"]["namespace"] == "argo-rollouts", doc["kind"]
    binding = _one(INSTALL, "ClusterRoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "argo-rollouts",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "argo-rollouts", "namespace": "argo-rollouts"}
    ]


def test_namespaced_install_has_no_cluster_scoped_objects() -> None:
    kinds = {d["kind"] for d in NAMESPACED}
    assert kinds.isdisjoint({"Namespace", "ClusterRole", "ClusterRoleBinding"})
    assert all("namespace" not in d["metadata"] for d in NAMESPACED)
    binding = _one(NAMESPACED, "RoleBinding")
    assert binding["roleRef"]["kind"] == "Role" and binding["roleRef"]["name"] == "argo-rollouts"


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    containers = _one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


@pytest.mark.parametrize("docs", [INSTALL, NAMESPACED], ids=["install", "namespace-install"])
def test_controller_deployment_is_locked_down_probed_and_bounded(docs: list[dict[str, Any]]) -> None:
    deployment = _one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    assert pod["serviceAccountName"] == _one(docs, "ServiceAccount")["metadata"]["name"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    container = _container(docs)
    assert container["command"] == ["python", "-m", "rollouts"]
    assert "--leader-elect" in container["args"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"healthz": 8080, "metrics": 8090}
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "healthz"}
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound])
    env = {e["name"]: e for e in container["env"]}
    assert env["POD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    # a read-only root filesystem needs a writable /tmp
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/tmp" in mounts


@pytest.mark.parametrize("docs", [INSTALL, NAMESPACED], ids=["install", "namespace-install"])
def test_metrics_service_is_scraped_on_8090(docs: list[dict[str, Any]]) -> None:
    service = next(d for d in docs if d["kind"] == "Service")
    assert service["metadata"]["name"] == "argo-rollouts-metrics"
    annotations = service["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "8090"
    assert service["spec"]["ports"][0]["port"] == 8090
    pod_labels = _one(docs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_namespaced_install_runs_the_same_pod_with_namespaced_flag() -> None:
    cluster, namespaced = _container(INSTALL), _container(NAMESPACED)
    assert namespaced["args"] == [*cluster["args"], "--namespaced"]
    assert "--namespaced" not in cluster["args"]
    cluster.pop("args")
    namespaced.pop("args")
    assert cluster == namespaced


def _grants(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (g, r, v)
        for rule in rules
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in rule["verbs"]
    }


def test_cluster_role_and_role_grant_the_same_permissions() -> None:
    assert _grants(_one(INSTALL, "ClusterRole")["rules"]) == _grants(_one(NAMESPACED, "Role")["rules"])


def test_role_grants_what_the_controller_needs_and_no_wildcards() -> None:
    grants = _grants(_one(INSTALL, "ClusterRole")["rules"])
    assert not any("*" in part for grant in grants for part in grant)
    needed = {
        ("argoproj.io", "rollouts", "update"),
        ("argoproj.io", "rollouts/status", "patch"),
        ("argoproj.io", "analysisruns", "create"),
        ("argoproj.io", "experiments", "delete"),
        ("argoproj.io", "clusteranalysistemplates", "list"),
        ("apps", "replicasets", "create"),
        ("apps", "deployments", "patch"),
        ("", "services", "patch"),
        ("", "pods/eviction", "create"),
        ("", "events", "create"),
        ("", "secrets", "get"),
        ("coordination.k8s.io", "leases", "update"),
        ("batch", "jobs", "delete"),
        ("networking.k8s.io", "ingresses", "create"),
        ("networking.istio.io", "virtualservices", "update"),
    }
    assert needed <= grants
    # templates are read-only for the controller
    assert ("argoproj.io", "analysistemplates", "update") not in grants
    assert ("", "secrets", "update") not in grants


def test_kustomization_lists_the_crds_and_the_install() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    assert kustomization["resources"] == [*CRD_FILES, "install.yaml"]
    generated = {f"crds/{p.name}" for p in (MANIFESTS / "crds").glob("*.yaml")}
    # every generated CRD is installed (the generator may not have run yet in this checkout)
    assert generated <= set(CRD_FILES)


def _router_requests() -> set[tuple[str, str, str]]:
    """(group, plural, verb) of every request the Traefik, Ambassador, APISIX and App Mesh routers
    make, for every API group they can be configured to use."""
    reads_and_patches = [
        r.traefik_services("traefik.io/v1alpha1"),
        r.traefik_services("traefik.containo.us/v1alpha1"),
        r.app_mesh_virtual_routers(),
        r.app_mesh_virtual_nodes(),
    ]
    creates_and_deletes = [
        r.ambassador_mappings("getambassador.io/v2"),
        r.ambassador_mappings("x.getambassador.io/v3alpha1"),
        r.APISIX_ROUTES,
    ]
    wanted = {(res.group, res.plural, v) for res in reads_and_patches for v in ("get", "patch")}
    wanted |= {
        (res.group, res.plural, v)
        for res in creates_and_deletes
        for v in ("get", "patch", "create", "delete")
    }
    wanted.add((r.APP_MESH_GROUP, "virtualservices", "get"))
    return wanted


@pytest.mark.parametrize("docs", [INSTALL, NAMESPACED], ids=["install", "namespace-install"])
def test_role_grants_every_request_of_the_traefik_ambassador_apisix_and_app_mesh_routers(
    docs: list[dict[str, Any]],
) -> None:
    role = next(d for d in docs if d["kind"] in ("ClusterRole", "Role"))
    missing = _router_requests() - _grants(role["rules"])
    assert not missing, f"the controller's role lacks {sorted(missing)}"
