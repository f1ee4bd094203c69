"""The Job metric provider against the real local control plane.

A real AnalysisRun owns each Job (a Job owned by a run that does not exist would be removed by
the garbage collector). The fake node finishes Job pods at once: exit 0, or exit 1 when the pod
is labelled ``rollouts.test/job-fail: "true"`` (hack/kwok/pod-stages.yaml).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from e2e.harness import Cluster, Kubectl
from rollouts.analysis.job import JOB_NAME_KEY, RUN_UID_LABEL, JobProvider
from rollouts.api.analysis import AnalysisRun, Measurement, Metric
from rollouts.k8s import KubeClient
from rollouts.k8s.errors import is_not_found
from rollouts.k8s.resources import JOBS

OUTCOME_BOUND = 60.0  # seconds within which a Job on the fake node must finish


@pytest.fixture
async def client(cluster: Cluster) -> AsyncIterator[KubeClient]:
    async with await KubeClient.connect(str(cluster.kubeconfig)) as c:
        yield c


def analysis_run(kubectl: Kubectl, namespace: str, crds: list[str]) -> AnalysisRun:
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "job-run", "namespace": namespace},
        "spec": {"metrics": [{"name": "check", "provider": {"job": {"spec": {}}}}]},
    }
    kubectl.apply(manifest)
    return AnalysisRun.from_dict(kubectl.get("analysisrun", "job-run"))


def job_metric(labels: dict[str, str]) -> Metric:
    spec: dict[str, Any] = {
        "backoffLimit": 0,
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "check", "image": "registry.example.com/check:1", "args": ["check"]}],
            },
        },
    }
    return Metric.model_validate({"name": "check", "provider": {"job": {"spec": spec}}})


async def until_finished(
    provider: JobProvider, run: AnalysisRun, metric: Metric, m: Measurement
) -> Measurement:
    deadline = time.monotonic() + OUTCOME_BOUND
    while m.phase == "Running":
        assert time.monotonic() < deadline, f"the Job did not finish within {OUTCOME_BOUND}s: {m}"
        await asyncio.sleep(0.5)
        m = await provider.resume(run, metric, m, datetime.now(UTC))
    return m


@pytest.mark.parametrize(("fail", "phase"), [(False, "Successful"), (True, "Failed")])
async def test_job_outcome_is_the_measurement(
    client: KubeClient, kubectl: Kubectl, namespace: str, crds: list[str], fail: bool, phase: str
) -> None:
    run = analysis_run(kubectl, namespace, crds)
    provider = JobProvider(client)
    metric = job_metric({"rollouts.test/job-fail": "true"} if fail else {})
    started = await provider.run(run, metric, datetime.now(UTC))
    assert started.phase == "Running", started.message
    job = await client.get(JOBS, (started.metadata or {})[JOB_NAME_KEY], namespace)
    assert job["metadata"]["name"] == f"{run.metadata.uid}.check.1"
    assert job["metadata"]["labels"][RUN_UID_LABEL] == run.metadata.uid
    assert job["metadata"]["ownerReferences"][0]["uid"] == run.metadata.uid
    finished = await until_finished(provider, run, metric, started)
    assert finished.phase == phase
    assert finished.finished_at is not None


async def test_terminate_deletes_the_job(
    client: KubeClient, kubectl: Kubectl, namespace: str, crds: list[str]
) -> None:
    run = analysis_run(kubectl, namespace, crds)
    provider = JobProvider(client)
    # a pod that never becomes Ready never finishes: the Job stays active until terminated
    metric = job_metric({"rollouts.test/ready": "false"})
    started = await provider.run(run, metric, datetime.now(UTC))
    name = (started.metadata or {})[JOB_NAME_KEY]
    stopped = await provider.terminate(run, metric, started, datetime.now(UTC))
    assert stopped.phase == "Inconclusive", stopped.message
    deadline = time.monotonic() + OUTCOME_BOUND
    while True:
        try:
            await client.get(JOBS, name, namespace)
        except Exception as err:
            assert is_not_found(err), err
            break
        assert time.monotonic() < deadline, "the terminated Job was not deleted"
        await asyncio.sleep(0.5)
