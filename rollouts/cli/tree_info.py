"""The tree ``get rollout`` / ``get experiment`` draws, built from plain JSON (pure).

Upstream's info package, rule for rule: children are found by ownerReference uid (ReplicaSets
and Experiments and AnalysisRuns of the Rollout; Pods of each ReplicaSet; ReplicaSets and
AnalysisRuns of each Experiment); a ReplicaSet's health, role tags (stable, canary, active,
preview, ping, pong), images and scale-down deadline; an AnalysisRun's measurement counts and
Jobs; and the rollout header (step, set and actual weight, replicas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rollouts.cli import icons
from rollouts.cli.info import rollout_phase, set_weight, step_text, strategy_name
from rollouts.cli.patches import canary_steps, current_step_index
from rollouts.cli.pod_status import pod_status

REVISION_ANNOTATION = "rollout.argoproj.io/revision"
TEMPLATE_NAME_ANNOTATION = "experiment.argoproj.io/template-name"
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"
POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"
JOB_NAME_KEY = "job-name"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Meta:
    name: str
    uid: str
    created: datetime | None
    revision: int
    annotations: dict[str, str]

    @classmethod
    def of(cls, obj: dict[str, Any]) -> Meta:
        meta = _dict(obj.get("metadata"))
        annotations = {str(k): str(v) for k, v in _dict(meta.get("annotations")).items()}
        try:
            revision = int(annotations.get(REVISION_ANNOTATION, "0"))
        except ValueError:
            revision = 0
        return cls(
            str(meta.get("name") or ""),
            str(meta.get("uid") or ""),
            parse_time(meta.get("creationTimestamp")),
            revision,
            annotations,
        )


def owned_by_any(obj: dict[str, Any], uids: set[str]) -> str | None:
    """The uid of the first ownerReference among ``uids`` (upstream does not require controller)."""
    for ref in _list(_dict(obj.get("metadata")).get("ownerReferences")):
        if ref.get("uid") in uids:
            return str(ref["uid"])
    return None


@dataclass
class PodView:
    meta: Meta
    status: str
    icon: str
    ready: str
    restarts: int


@dataclass
class ReplicaSetView:
    meta: Meta
    status: str
    icon: str
    replicas: int
    available: int
    images: list[str]
    template: str = ""
    scale_down_deadline: str = ""
    stable: bool = False
    canary: bool = False
    active: bool = False
    preview: bool = False
    ping: bool = False
    pong: bool = False
    pods: list[PodView] = field(default_factory=list)

    def tags(self) -> list[str]:
        """Role tags in the order the INFO column lists them."""
        flags = [
            ("stable", self.stable),
            ("canary", self.canary),
            ("active", self.active),
            ("preview", self.preview),
            ("ping", self.ping),
            ("pong", self.pong),
        ]
        return [tag for tag, on in flags if on]

    def image_tags(self) -> list[str]:
        """Role tags in the order the Images header lists them."""
        flags = [
            ("canary", self.canary),
            ("stable", self.stable),
            ("active", self.active),
            ("preview", self.preview),
            ("ping", self.ping),
            ("pong", self.pong),
        ]
        return [tag for tag, on in flags if on]


@dataclass
class JobView:
    name: str
    created: datetime | None
    status: str
    icon: str


@dataclass
class AnalysisRunView:
    meta: Meta
    status: str
    icon: str
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    jobs: list[JobView] = field(default_factory=list)


@dataclass
class ExperimentView:
    meta: Meta
    status: str
    message: str
    icon: str
    replica_sets: list[ReplicaSetView]
    analysis_runs: list[AnalysisRunView]


@dataclass
class RolloutView:
    meta: Meta
    namespace: str
    status: str
    message: str
    icon: str
    strategy: str
    step: str
    set_weight: str
    actual_weight: str
    desired: int
    current: int
    updated: int
    ready: int
    available: int
    replica_sets: list[ReplicaSetView]
    experiments: list[ExperimentView]
    analysis_runs: list[AnalysisRunView]


def replica_set_health(rs: dict[str, Any]) -> str:
    meta, spec, status = _dict(rs.get("metadata")), _dict(rs.get("spec")), _dict(rs.get("status"))
    wanted = spec.get("replicas")
    if _int(meta.get("generation")) > _int(status.get("observedGeneration")):
        return "Progressing"
    for cond in _list(status.get("conditions")):
        if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True":
            return "ReplicaFailure"
    if isinstance(wanted, int) and _int(status.get("availableReplicas")) < wanted:
        return "Progressing"
    if wanted == 0:
        return "ScaledDown"
    return "Healthy"


def _pod_view(pod: dict[str, Any]) -> PodView:
    state = pod_status(pod)
    return PodView(Meta.of(pod), state.status, state.icon, state.ready, state.restarts)


def _sort_key_created(meta: Meta) -> tuple[int, float]:
    # a missing timestamp sorts first, as Go's zero time does
    return (0, 0.0) if meta.created is None else (1, meta.created.timestamp())


def replica_set_views(
    owner_uid: str,
    rollout: dict[str, Any] | None,
    replica_sets: list[dict[str, Any]],
    pods: list[dict[str, Any]],
) -> list[ReplicaSetView]:
    views = []
    ro_status = _dict((rollout or {}).get("status"))
    strategy = _dict(_dict((rollout or {}).get("spec")).get("strategy"))
    canary = strategy.get("canary") if isinstance(strategy.get("canary"), dict) else None
    ping_pong = canary is not None and isinstance(canary.get("pingPong"), dict)
    stable_is_ping = _dict(ro_status.get("canary")).get("stablePingPong") == "ping"
    for rs in replica_sets:
        if owned_by_any(rs, {owner_uid}) is None:
            continue
        meta = Meta.of(rs)
        health = replica_set_health(rs)
        template = _dict(_dict(rs.get("spec")).get("template"))
        pod_spec = _dict(template.get("spec"))
        view = ReplicaSetView(
            meta,
            health,
            icons.replica_set_icon(health),
            _int(_dict(rs.get("status")).get("replicas")),
            _int(_dict(rs.get("status")).get("availableReplicas")),
            [str(c.get("image", "")) for c in _list(pod_spec.get("containers"))],
            template=meta.annotations.get(TEMPLATE_NAME_ANNOTATION, ""),
            scale_down_deadline=meta.annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION, ""),
        )
        if rollout is not None:
            labels = _dict(_dict(rs.get("metadata")).get("labels"))
            pod_hash = str(labels.get(POD_TEMPLATE_HASH_LABEL, ""))
            if canary is not None:
                if ro_status.get("stableRS") == pod_hash:
                    view.stable = True
                    view.ping, view.pong = (
                        (stable_is_ping, not stable_is_ping) if ping_pong else (False, False)
                    )
                elif ro_status.get("currentPodHash") == pod_hash:
                    view.canary = True
                    view.ping, view.pong = (
                        (not stable_is_ping, stable_is_ping) if ping_pong else (False, False)
                    )
            if isinstance(strategy.get("blueGreen"), dict):
                blue_green = _dict(ro_status.get("blueGreen"))
                view.stable = ro_status.get("stableRS") == pod_hash
                if blue_green.get("activeSelector") == pod_hash:
                    view.active = True
                elif blue_green.get("previewSelector") == pod_hash:
                    view.preview = True
        views.append(view)
    views.sort(key=lambda v: (-v.meta.revision, v.meta.name))
    by_uid = {v.meta.uid: v for v in views}
    for pod in pods:
        owner = owned_by_any(pod, set(by_uid))
        if owner is not None:
            by_uid[owner].pods.append(_pod_view(pod))
    for view in views:
        view.pods.sort(key=lambda p: (_sort_key_created(p.meta), p.meta.name))
    return views


def analysis_run_views(owner_uid: str, runs: list[dict[str, Any]]) -> list[AnalysisRunView]:
    views = []
    for run in runs:
        if owned_by_any(run, {owner_uid}) is None:
            continue
        status = _dict(run.get("status"))
        phase = str(status.get("phase") or "")
        view = AnalysisRunView(Meta.of(run), phase, icons.analysis_icon(phase))
        for result in _list(status.get("metricResults")):
            view.successful += _int(result.get("successful"))
            view.failed += _int(result.get("failed"))
            view.inconclusive += _int(result.get("inconclusive"))
            view.error += _int(result.get("error"))
            for measurement in _list(result.get("measurements")):
                job = _dict(measurement.get("metadata")).get(JOB_NAME_KEY)
                if isinstance(job, str):
                    m_phase = str(measurement.get("phase") or "")
                    view.jobs.append(
                        JobView(
                            job,
                            parse_time(measurement.get("startedAt")),
                            m_phase,
                            icons.analysis_icon(m_phase),
                        )
                    )
        views.append(view)
    # newest revision first; then oldest first; then name descending (upstream's comparator)
    views.sort(key=lambda v: v.meta.name, reverse=True)
    views.sort(key=lambda v: (-v.meta.revision, _sort_key_created(v.meta)))
    return views


def experiment_view(
    experiment: dict[str, Any],
    replica_sets: list[dict[str, Any]],
    runs: list[dict[str, Any]],
    pods: list[dict[str, Any]],
) -> ExperimentView:
    meta = Meta.of(experiment)
    status = _dict(experiment.get("status"))
    phase = str(status.get("phase") or "")
    return ExperimentView(
        meta,
        phase,
        str(status.get("message") or ""),
        icons.analysis_icon(phase),
        replica_set_views(meta.uid, None, replica_sets, pods),
        analysis_run_views(meta.uid, runs),
    )


def _actual_weight(rollout: dict[str, Any], replica_sets: list[ReplicaSetView], set_weight_text: str) -> str:
    spec_canary = _dict(_dict(_dict(rollout.get("spec")).get("strategy")).get("canary"))
    status = _dict(rollout.get("status"))
    routing = _dict(spec_canary.get("trafficRouting"))
    max_weight = _int(routing.get("maxTrafficWeight")) or 100
    steps = canary_steps(rollout) or []
    index = current_step_index(rollout)
    if index is None or index >= len(steps):
        return str(max_weight)
    available = _int(status.get("availableReplicas"))
    if available <= 0:
        return "0"
    if not routing:
        weight = "0"
        for rs in replica_sets:
            if rs.canary:
                weight = str(rs.available * max_weight // available)
        return weight
    weights = _dict(_dict(status.get("canary")).get("weights"))
    if weights:
        return str(_int(_dict(weights.get("canary")).get("weight")))
    return set_weight_text


def rollout_view(
    rollout: dict[str, Any],
    replica_sets: list[dict[str, Any]],
    pods: list[dict[str, Any]],
    experiments: list[dict[str, Any]],
    runs: list[dict[str, Any]],
) -> RolloutView:
    meta = Meta.of(rollout)
    spec, status = _dict(rollout.get("spec")), _dict(rollout.get("status"))
    rs_views = replica_set_views(meta.uid, rollout, replica_sets, pods)
    exp_views = [
        experiment_view(e, replica_sets, runs, pods)
        for e in experiments
        if owned_by_any(e, {meta.uid}) is not None
    ]
    exp_views.sort(key=lambda v: _sort_key_created(v.meta))
    exp_views.sort(key=lambda v: -v.meta.revision)
    phase, message = rollout_phase(rollout)
    strategy = strategy_name(rollout)
    step = weight = actual = ""
    if strategy == "Canary":
        step = "" if step_text(rollout) == "-" else step_text(rollout)
        weight = str(set_weight(rollout))
        actual = _actual_weight(rollout, rs_views, weight)
    replicas = spec.get("replicas")
    return RolloutView(
        meta,
        str(_dict(rollout.get("metadata")).get("namespace") or ""),
        phase,
        message,
        icons.rollout_icon(phase),
        strategy,
        step,
        weight,
        actual,
        replicas if isinstance(replicas, int) else 1,
        _int(status.get("replicas")),
        _int(status.get("updatedReplicas")),
        _int(status.get("readyReplicas")),
        _int(status.get("availableReplicas")),
        rs_views,
        exp_views,
        analysis_run_views(meta.uid, runs),
    )
