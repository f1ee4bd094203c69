"""The kinds the controller talks to, as plain (group, version, plural, kind) descriptions.

The client is generic: it builds REST paths from a :class:`Resource`, so a third-party CRD
(a traffic router's VirtualService, say) needs only one more constant, never more client code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Resource:
    group: str  # "" for the core API group
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        """``apiVersion`` as written in objects: ``v1`` for core, ``group/version`` otherwise."""
        return self.version if not self.group else f"{self.group}/{self.version}"

    def collection_path(self, namespace: str | None) -> str:
        """The REST path of the collection, across all namespaces when ``namespace`` is None."""
        prefix = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            return f"{prefix}/namespaces/{namespace}/{self.plural}"
        return f"{prefix}/{self.plural}"

    def object_path(self, name: str, namespace: str | None) -> str:
        if self.namespaced and not namespace:
            raise ValueError(f"{self.kind} {name!r} is namespaced: a namespace is required")
        if not name:
            raise ValueError(f"{self.kind}: an object name is required")
        return f"{self.collection_path(namespace)}/{name}"


_ARGO = "argoproj.io"

ROLLOUTS = Resource(_ARGO, "v1alpha1", "rollouts", "Rollout")
ANALYSIS_RUNS = Resource(_ARGO, "v1alpha1", "analysisruns", "AnalysisRun")
ANALYSIS_TEMPLATES = Resource(_ARGO, "v1alpha1", "analysistemplates", "AnalysisTemplate")
CLUSTER_ANALYSIS_TEMPLATES = Resource(
    _ARGO, "v1alpha1", "clusteranalysistemplates", "ClusterAnalysisTemplate", namespaced=False
)
EXPERIMENTS = Resource(_ARGO, "v1alpha1", "experiments", "Experiment")

REPLICASETS = Resource("apps", "v1", "replicasets", "ReplicaSet")
DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment")
SERVICES = Resource("", "v1", "services", "Service")
PODS = Resource("", "v1", "pods", "Pod")
EVENTS = Resource("", "v1", "events", "Event")
SECRETS = Resource("", "v1", "secrets", "Secret")
CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")
JOBS = Resource("batch", "v1", "jobs", "Job")
INGRESSES = Resource("networking.k8s.io", "v1", "ingresses", "Ingress")
CUSTOM_RESOURCE_DEFINITIONS = Resource(
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced=False
)
