"""Job provider against a recording fake of the Kubernetes client (the e2e test uses a real one)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from rollouts.analysis.job import (
    JOB_NAME_KEY,
    JOB_NAMESPACE_KEY,
    RUN_UID_LABEL,
    JobProvider,
    job_manifest,
    job_name,
)
from rollouts.api.analysis import Measurement
from rollouts.k8s.errors import ApiError, TransportError
from rollouts.k8s.resources import JOBS, PODS, Resource
from tests.analysis.builders import metric, run
from tests.analysis.conftest import NOW

UID = "11111111-2222-3333-4444-555555555555"
JOB_SPEC = {
    "backoffLimit": 0,
    "template": {
        "metadata": {"labels": {"app": "check"}},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "c", "image": "busybox", "command": ["true"]}],
        },
    },
}


class FakeJobClient:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.deleted: list[tuple[str, str, str | None]] = []
        self.fail_with: Exception | None = None

    def put(self, res: Resource, body: dict[str, Any]) -> None:
        meta = body["metadata"]
        self.objects[(res.plural, meta["namespace"], meta["name"])] = body

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]:
        if self.fail_with:
            raise self.fail_with
        try:
            return copy.deepcopy(self.objects[(res.plural, namespace or "", name)])
        except KeyError:
            raise ApiError(404, "NotFound", f'{res.plural} "{name}" not found') from None

    async def list(
        self, res: Resource, namespace: str | None = None, *, label_selector: str | None = None
    ) -> dict[str, Any]:
        wanted = dict(part.split("=", 1) for part in (label_selector or "").split(",") if part)
        items = [
            copy.deepcopy(o)
            for (plural, ns, _), o in self.objects.items()
            if plural == res.plural
            and ns == namespace
            and all((o["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
        ]
        return {"items": items}

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        if self.fail_with:
            raise self.fail_with
        key = (res.plural, namespace or "", body["metadata"]["name"])
        if key in self.objects:
            raise ApiError(409, "AlreadyExists", f'{res.plural} "{key[2]}" already exists')
        self.objects[key] = copy.deepcopy(body)
        return copy.deepcopy(body)

    async def delete(
        self, res: Resource, name: str, namespace: str | None = None, *, propagation_policy: str | None = None
    ) -> None:
        key = (res.plural, namespace or "", name)
        if key not in self.objects:
            raise ApiError(404, "NotFound", "not found")
        del self.objects[key]
        self.deleted.append((name, namespace or "", propagation_policy))


def job_metric(name: str = "integration") -> Any:
    return metric(
        {"job": {"metadata": {"labels": {"team": "a"}, "annotations": {"note": "x"}}, "spec": JOB_SPEC}},
        name=name,
    )


def test_manifest_is_upstreams() -> None:
    manifest = job_manifest(run(), job_metric())
    meta = manifest["metadata"]
    assert meta["name"] == f"{UID}.integration.1"
    assert meta["namespace"] == "ns"
    assert meta["labels"] == {"team": "a", RUN_UID_LABEL: UID}
    assert meta["annotations"] == {
        "note": "x",
        "analysisrun.argoproj.io/name": "run",
        "analysisrun.argoproj.io/namespace": "ns",
        "analysisrun.argoproj.io/metric-name": "integration",
    }
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisRun",
            "name": "run",
            "uid": UID,
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert manifest["spec"]["template"]["metadata"]["labels"] == {"app": "check", RUN_UID_LABEL: UID}
    # the metric's own spec is not modified
    assert JOB_SPEC["template"]["metadata"]["labels"] == {"app": "check"}


def test_name_counts_measurements_and_fits_63_characters() -> None:
    taken = run(metricResults=[{"name": "integration", "phase": "Running", "count": 2, "error": 1}])
    assert job_name(taken, "integration") == f"{UID}.integration.4"
    long_name = "m" * 60
    name = job_name(run(), long_name)
    assert len(name) == 63
    assert name.startswith(f"{UID}.mmm") and name.endswith(".1")


async def test_run_creates_the_job_and_waits_for_it() -> None:
    client = FakeJobClient()
    measurement = await JobProvider(client).run(run(), job_metric(), NOW)
    assert measurement.phase == "Running"
    assert measurement.metadata == {JOB_NAME_KEY: f"{UID}.integration.1", JOB_NAMESPACE_KEY: "ns"}
    assert measurement.resume_at == measurement.started_at == "2026-03-01T12:00:00Z"
    assert ("jobs", "ns", f"{UID}.integration.1") in client.objects


async def test_a_retried_run_adopts_its_own_job_but_not_a_strangers() -> None:
    client = FakeJobClient()
    provider = JobProvider(client)
    first = await provider.run(run(), job_metric(), NOW)
    again = await provider.run(run(), job_metric(), NOW)
    assert again.phase == "Running" and again.metadata == first.metadata
    stranger = client.objects[("jobs", "ns", f"{UID}.integration.1")]
    stranger["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    taken = await provider.run(run(), job_metric(), NOW)
    assert taken.phase == "Error"
    assert "already exists" in (taken.message or "")


def _running() -> Measurement:
    return Measurement(
        phase="Running",
        started_at="2026-03-01T11:59:42Z",
        metadata={JOB_NAME_KEY: f"{UID}.integration.1", JOB_NAMESPACE_KEY: "ns"},
    )


@pytest.mark.parametrize(
    ("conditions", "phase"),
    [
        ([{"type": "Complete", "status": "True"}], "Successful"),
        ([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}], "Failed"),
        ([{"type": "Failed", "status": "False"}], "Running"),
        ([], "Running"),
    ],
)
async def test_resume_reads_the_jobs_conditions(conditions: list[dict[str, str]], phase: str) -> None:
    client = FakeJobClient()
    await JobProvider(client).run(run(), job_metric(), NOW)
    job = client.objects[("jobs", "ns", f"{UID}.integration.1")]
    job["spec"]["selector"] = {"matchLabels": {"controller-uid": "c1"}}
    job["status"] = {"conditions": conditions}
    resumed = await JobProvider(client).resume(run(), job_metric(), _running(), NOW)
    assert resumed.phase == phase
    if phase == "Running":
        # 18 s elapsed: next look after sqrt(36) = 6 s
        assert resumed.resume_at == "2026-03-01T12:00:06Z"
        assert resumed.finished_at is None
    else:
        assert resumed.finished_at == "2026-03-01T12:00:00Z"


async def test_a_pod_that_cannot_pull_its_image_is_inconclusive() -> None:
    client = FakeJobClient()
    await JobProvider(client).run(run(), job_metric(), NOW)
    client.objects[("jobs", "ns", f"{UID}.integration.1")]["spec"]["selector"] = {
        "matchLabels": {"controller-uid": "c1"}
    }
    pod = {
        "metadata": {"name": "p1", "namespace": "ns", "labels": {"controller-uid": "c1"}},
        "status": {
            "containerStatuses": [
                {"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "nope"}}}
            ]
        },
    }
    client.put(PODS, pod)
    resumed = await JobProvider(client).resume(run(), job_metric(), _running(), NOW)
    assert resumed.phase == "Inconclusive"
    assert resumed.message == "Pod p1, container c has terminal error (ImagePullBackOff): nope"


async def test_resume_errors() -> None:
    client = FakeJobClient()
    missing = await JobProvider(client).resume(run(), job_metric(), _running(), NOW)
    assert missing.phase == "Error" and "not found" in (missing.message or "")
    no_ref = await JobProvider(client).resume(run(), job_metric(), Measurement(phase="Running"), NOW)
    assert (no_ref.phase, no_ref.message) == ("Error", "job metadata reference missing")
    client.fail_with = TransportError("get jobs: ClientConnectorError: refused")
    unreachable = await JobProvider(client).run(run(), job_metric(), NOW)
    assert unreachable.phase == "Error" and "refused" in (unreachable.message or "")


async def test_terminate_deletes_in_the_foreground_and_is_idempotent() -> None:
    client = FakeJobClient()
    provider = JobProvider(client)
    running = await provider.run(run(), job_metric(), NOW)
    later = NOW + timedelta(seconds=30)
    stopped = await provider.terminate(run(), job_metric(), running, later)
    assert (stopped.phase, stopped.finished_at) == ("Inconclusive", "2026-03-01T12:00:30Z")
    assert client.deleted == [(f"{UID}.integration.1", "ns", "Foreground")]
    again = await provider.terminate(run(), job_metric(), running, later)
    assert again.phase == "Inconclusive"


async def test_garbage_collect_keeps_the_newest() -> None:
    client = FakeJobClient()
    for n in range(1, 5):
        body = {
            "metadata": {
                "name": f"{UID}.m.{n}",
                "namespace": "ns",
                "labels": {RUN_UID_LABEL: UID},
                "creationTimestamp": f"2026-03-01T12:0{n}:00Z",
            }
        }
        client.put(JOBS, body)
    client.put(JOBS, {"metadata": {"name": "other", "namespace": "ns", "labels": {RUN_UID_LABEL: "x"}}})
    await JobProvider(client).garbage_collect(run(), limit=2)
    assert [d[0] for d in client.deleted] == [f"{UID}.m.1", f"{UID}.m.2"]
    assert ("jobs", "ns", "other") in client.objects
