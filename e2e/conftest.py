"""Fixtures for the end-to-end tests (helpers in :mod:`e2e.harness`).

* ``cluster`` (session) — a healthy control plane (``$ROLLOUTS_E2E_KUBECONFIG``, a healthy
  ``$KUBECONFIG``, or ``hack/cluster.sh up``) with ``manifests/crds`` applied and Established.
  A cluster started here is left running for the next run; ``bash hack/cluster.sh down`` stops it.
* ``crds`` (session) — the installed CRD names; skips the test while ``manifests/crds`` is empty.
* ``namespace`` — a fresh namespace for the test, deleted afterwards.
* ``kubectl`` — :class:`~e2e.harness.Kubectl` bound to the cluster and the test's namespace.
* ``start_controller`` — ``start_controller(*extra_args)`` runs ``python -m rollouts
  --kubeconfig …`` with its log in the test's tmp dir; every process started is stopped at teardown
  (SIGTERM, then SIGKILL). ``controller`` is the same with no extra arguments.

Every test collected under ``e2e/`` is marked ``e2e``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from e2e.harness import (
    Cluster,
    ClusterError,
    ControllerProcess,
    Kubectl,
    connect,
    fresh_namespace,
    install_crds,
)
from e2e.harness.crds import crd_names

REPO = Path(__file__).resolve().parents[1]
CRD_DIR = REPO / "manifests" / "crds"
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    try:
        found = connect()
    except ClusterError as err:
        pytest.fail(f"no control plane for the e2e tests: {err}", pytrace=False)
    install_crds(found.kubectl, CRD_DIR)
    return found


@pytest.fixture(scope="session")
def crds(cluster: Cluster) -> list[str]:
    names = crd_names(CRD_DIR) if CRD_DIR.is_dir() else []
    if not names:
        pytest.skip(f"no CustomResourceDefinitions in {CRD_DIR} yet (generate them with hack/gen_crds.py)")
    return names


@pytest.fixture
def namespace(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    with fresh_namespace(cluster.kubectl, request.node.name) as name:
        yield name


@pytest.fixture
def kubectl(cluster: Cluster, namespace: str) -> Kubectl:
    return cluster.kubectl.in_namespace(namespace)


@pytest.fixture
def start_controller(cluster: Cluster, tmp_path: Path) -> Iterator[Callable[..., ControllerProcess]]:
    started: list[ControllerProcess] = []

    def start(*extra_args: str) -> ControllerProcess:
        log = tmp_path / f"controller-{len(started)}.log"
        process = ControllerProcess(cluster.kubeconfig, log, extra_args)
        started.append(process)
        return process.start()

    yield start
    for process in reversed(started):
        process.stop()


@pytest.fixture
def controller(start_controller: Callable[..., ControllerProcess]) -> ControllerProcess:
    return start_controller()
