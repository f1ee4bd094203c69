"""Helpers for the end-to-end tests, deliberately synchronous and built on the ``kubectl`` binary.

Why subprocess ``kubectl -o json`` rather than a client library: the tests then exercise the cluster
exactly as an operator would, the harness has no event loop of its own to interfere with the
controller under test, and every failure message can quote the command that failed.

Modules, one concept each:

* :mod:`.kubectl` — :class:`Kubectl`, a thin wrapper binding a binary, a kubeconfig and a namespace.
* :mod:`.cluster` — finding or starting the local control plane (``hack/cluster.sh up``).
* :mod:`.crds` — applying ``manifests/crds`` and waiting until they are Established.
* :mod:`.waiting` — :func:`wait_for`, polling with a deadline and a diagnosis on timeout.
* :mod:`.objects` — :func:`wait_for_condition` and :func:`wait_for_phase` with diagnosis built in.
* :mod:`.diagnose` — what to print when a wait times out: object status, Events, controller log.
* :mod:`.controller` — :class:`ControllerProcess`, the controller as a real subprocess.
* :mod:`.namespaces` — a fresh namespace per test.
* :mod:`.http_server` — :func:`serve`, a local HTTP server for Web metrics.
* :mod:`.analysis` — the Rollout-analysis scenarios' metric server and AnalysisTemplates.
"""

from e2e.harness.cluster import Cluster, ClusterError, connect
from e2e.harness.controller import ControllerProcess
from e2e.harness.crds import install_crds
from e2e.harness.diagnose import diagnosis
from e2e.harness.http_server import serve
from e2e.harness.kubectl import Kubectl, KubectlError
from e2e.harness.namespaces import fresh_namespace
from e2e.harness.objects import condition_status, wait_for_condition, wait_for_phase
from e2e.harness.ports import free_port
from e2e.harness.waiting import WaitTimeout, wait_for

__all__ = [
    "Cluster",
    "ClusterError",
    "ControllerProcess",
    "Kubectl",
    "KubectlError",
    "WaitTimeout",
    "condition_status",
    "connect",
    "diagnosis",
    "free_port",
    "fresh_namespace",
    "install_crds",
    "serve",
    "wait_for",
    "wait_for_condition",
    "wait_for_phase",
]
