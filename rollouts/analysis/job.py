"""Job: a batch/v1 Job per measurement; the Job's outcome is the measurement's phase.

As upstream (metricproviders/job):

* ``run`` creates ``<run-uid>.<metric>.<n>`` (n = the metric's count + error + 1; the metric
  name is cut so the whole name fits 63 characters) in the run's namespace, labelled
  ``analysisrun.argoproj.io/uid``, annotated with the run's name, namespace and metric name,
  owned by the run (controller reference); the pod template gets the uid label too. A Job that
  already exists and belongs to this run is adopted (a retried reconcile). The measurement is
  Running with ``metadata.job-name``/``job-namespace`` and ``resumeAt`` = now.
* ``resume``: a ``Complete`` condition → Successful, ``Failed`` → Failed; a pod stuck on an
  image that cannot be pulled → Inconclusive; otherwise still Running, next look after
  sqrt(2 x elapsed seconds).
* ``terminate`` deletes the Job (foreground propagation, as upstream, so its pods go first)
  and marks the measurement Inconclusive; ``garbage_collect`` keeps the newest ``limit`` Jobs.
"""

from __future__ import annotations

import copy
import math
from datetime import datetime, timedelta
from typing import Any, Protocol

from rollouts.analysis.measuring import failed_measurement, started
from rollouts.api.analysis import AnalysisPhase, AnalysisRun, Measurement, Metric
from rollouts.core.conditions import format_time, parse_time
from rollouts.k8s.errors import ApiError, TransportError, is_already_exists, is_not_found
from rollouts.k8s.resources import ANALYSIS_RUNS, JOBS, PODS, Resource

JOB_NAME_KEY = "job-name"
JOB_NAMESPACE_KEY = "job-namespace"
RUN_NAME_ANNOTATION = "analysisrun.argoproj.io/name"
RUN_NAMESPACE_ANNOTATION = "analysisrun.argoproj.io/namespace"
METRIC_NAME_ANNOTATION = "analysisrun.argoproj.io/metric-name"
RUN_UID_LABEL = "analysisrun.argoproj.io/uid"
DNS_LABEL_LIMIT = 63
TERMINAL_WAITING_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName"})


class JobClient(Protocol):
    """The part of :class:`rollouts.k8s.KubeClient` the Job provider uses."""

    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]: ...

    async def list(
        self, res: Resource, namespace: str | None = None, *, label_selector: str | None = None
    ) -> dict[str, Any]: ...

    async def create(
        self, res: Resource, body: dict[str, Any], namespace: str | None = None
    ) -> dict[str, Any]: ...

    async def delete(
        self, res: Resource, name: str, namespace: str | None = None, *, propagation_policy: str | None = None
    ) -> None: ...


def job_name(run: AnalysisRun, metric_name: str) -> str:
    result = next(
        (r for r in (run.status.metric_results if run.status else None) or [] if r.name == metric_name), None
    )
    number = 1 if result is None else (result.count or 0) + (result.error or 0) + 1
    uid = run.metadata.uid or ""
    name = f"{uid}.{metric_name}.{number}"
    excess = len(name) - DNS_LABEL_LIMIT
    if excess > 0:
        name = f"{uid}.{metric_name[: max(0, len(metric_name) - excess)]}.{number}"
    return name


def job_manifest(run: AnalysisRun, metric: Metric) -> dict[str, Any]:
    config = metric.provider.job if metric.provider else None
    if config is None or not config.spec:
        raise ValueError("job: spec is required")
    uid = run.metadata.uid or ""
    meta = config.metadata
    labels = dict((meta.labels if meta else None) or {})
    annotations = dict((meta.annotations if meta else None) or {})
    labels[RUN_UID_LABEL] = uid
    annotations[RUN_NAME_ANNOTATION] = run.metadata.name or ""
    annotations[RUN_NAMESPACE_ANNOTATION] = run.metadata.namespace or ""
    annotations[METRIC_NAME_ANNOTATION] = metric.name or ""
    spec = copy.deepcopy(dict(config.spec))
    template = spec.setdefault("template", {})
    template_meta = template.setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), RUN_UID_LABEL: uid}
    owner = {
        "apiVersion": ANALYSIS_RUNS.api_version,
        "kind": ANALYSIS_RUNS.kind,
        "name": run.metadata.name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return {
        "apiVersion": JOBS.api_version,
        "kind": JOBS.kind,
        "metadata": {
            "name": job_name(run, metric.name or ""),
            "namespace": run.metadata.namespace,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner],
        },
        "spec": spec,
    }


def job_outcome(job: dict[str, Any]) -> str | None:
    """Successful/Failed from the Job's conditions (the last one that is True wins), else None."""
    phase = None
    for condition in (job.get("status") or {}).get("conditions") or []:
        if str(condition.get("status", "True")) != "True":
            continue
        if condition.get("type") == "Complete":
            phase = AnalysisPhase.SUCCESSFUL
        elif condition.get("type") == "Failed":
            phase = AnalysisPhase.FAILED
    return phase


def stuck_pod_message(pods: list[dict[str, Any]]) -> str | None:
    for pod in pods:
        status = pod.get("status") or {}
        for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in TERMINAL_WAITING_REASONS:
                name = (pod.get("metadata") or {}).get("name")
                return (
                    f"Pod {name}, container {cs.get('name')} has terminal error "
                    f"({waiting.get('reason')}): {waiting.get('message', '')}"
                )
    return None


def _selector(job: dict[str, Any]) -> str:
    labels = ((job.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _job_ref(measurement: Measurement, run: AnalysisRun) -> tuple[str, str]:
    metadata = measurement.metadata or {}
    name = metadata.get(JOB_NAME_KEY)
    if not name:
        raise ValueError("job metadata reference missing")
    return metadata.get(JOB_NAMESPACE_KEY) or run.metadata.namespace or "", name


class JobProvider:
    provider_type = "Job"

    def __init__(self, client: JobClient) -> None:
        self._client = client

    def result_metadata(self, metric: Metric, secrets: frozenset[str] = frozenset()) -> dict[str, str] | None:
        """No metric result metadata (upstream's ``GetMetadata`` returns nil)."""
        return None

    async def run(
        self, run: AnalysisRun, metric: Metric, now: datetime, *, secrets: frozenset[str] = frozenset()
    ) -> Measurement:
        measurement = started(now)
        measurement.phase = AnalysisPhase.RUNNING
        try:
            manifest = job_manifest(run, metric)
            job = await self._create_or_adopt(run, manifest)
        except (ValueError, ApiError, TransportError) as err:
            return failed_measurement(measurement, str(err), now, secrets)
        meta = job.get("metadata") or {}
        measurement.metadata = {
            JOB_NAME_KEY: meta.get("name", ""),
            JOB_NAMESPACE_KEY: meta.get("namespace", ""),
        }
        # look again at once: a short Job may already be done at the next reconcile
        measurement.resume_at = format_time(now)
        return measurement

    async def _create_or_adopt(self, run: AnalysisRun, manifest: dict[str, Any]) -> dict[str, Any]:
        namespace = manifest["metadata"]["namespace"]
        try:
            return await self._client.create(JOBS, manifest, namespace)
        except ApiError as err:
            if not is_already_exists(err):
                raise
            existing = await self._client.get(JOBS, manifest["metadata"]["name"], namespace)
            owners = (existing.get("metadata") or {}).get("ownerReferences") or []
            if not any(o.get("controller") and o.get("uid") == run.metadata.uid for o in owners):
                raise
            return existing

    async def resume(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        try:
            namespace, name = _job_ref(measurement, run)
            job = await self._client.get(JOBS, name, namespace)
            outcome = job_outcome(job)
            pods = (
                []
                if outcome
                else (await self._client.list(PODS, namespace, label_selector=_selector(job))).get("items")
                or []
            )
        except (ValueError, ApiError, TransportError) as err:
            return failed_measurement(measurement, str(err), now)
        resumed = measurement.model_copy()
        if outcome:
            resumed.phase = outcome
            resumed.finished_at = format_time(now)
            return resumed
        stuck = stuck_pod_message(pods)
        if stuck:
            resumed.phase = AnalysisPhase.INCONCLUSIVE
            resumed.message = stuck
            resumed.finished_at = format_time(now)
            return resumed
        elapsed = max(0.0, (now - _started_at(measurement, now)).total_seconds())
        resumed.resume_at = format_time(now + timedelta(seconds=math.sqrt(2 * elapsed)))
        return resumed

    async def terminate(
        self, run: AnalysisRun, metric: Metric, measurement: Measurement, now: datetime
    ) -> Measurement:
        try:
            namespace, name = _job_ref(measurement, run)
            await self._delete(namespace, name)
        except (ValueError, ApiError, TransportError) as err:
            return failed_measurement(measurement, str(err), now)
        terminated = measurement.model_copy()
        terminated.phase = AnalysisPhase.INCONCLUSIVE
        terminated.finished_at = format_time(now)
        return terminated

    async def garbage_collect(self, run: AnalysisRun, limit: int) -> None:
        """Delete this run's Jobs beyond the newest ``limit`` (raises ApiError/TransportError)."""
        listed = await self._client.list(
            JOBS, run.metadata.namespace, label_selector=f"{RUN_UID_LABEL}={run.metadata.uid}"
        )
        jobs = sorted(
            listed.get("items") or [], key=lambda j: (j.get("metadata") or {}).get("creationTimestamp") or ""
        )
        for job in jobs[: max(0, len(jobs) - limit)]:
            meta = job.get("metadata") or {}
            await self._delete(meta.get("namespace") or run.metadata.namespace or "", meta.get("name", ""))

    async def _delete(self, namespace: str, name: str) -> None:
        try:
            await self._client.delete(JOBS, name, namespace, propagation_policy="Foreground")
        except ApiError as err:
            if not is_not_found(err):
                raise


def _started_at(measurement: Measurement, now: datetime) -> datetime:
    try:
        return parse_time(measurement.started_at) if measurement.started_at else now
    except ValueError:
        return now
