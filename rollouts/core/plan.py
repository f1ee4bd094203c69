"""The plan: what the Rollout reconciler should change in the cluster, computed from data alone.

:func:`plan_canary` takes a Rollout (the API model), its ReplicaSets (JSON dicts as cached), the
outcome of the current step's AnalysisRun or Experiment (if any), and ``now``; it returns a
:class:`Plan`. Applying a plan and re-planning on the resulting
objects must give a plan with no changes (idempotence; tested with a simulated cluster).

Covered: canary with and without traffic routing (replica counts, steps, pauses, promotion,
promote-full, abort with abortScaleDownDelaySeconds and upstream's abort reasons, ping-pong Services
(rollouts.core.ping_pong),
progressDeadlineAbort, manual pause, scale-down deadlines of the old stables (and
scaleDownDelayRevisionLimit), ephemeral metadata,
anti-affinity, revisions, rollbackWindow, restarts (given the pods), workloadRef,
revisionHistoryLimit, status, conditions, phase, events, requeue); blue-green lives in
:mod:`rollouts.core.plan_bluegreen` on the same :class:`Plan`. Not yet covered (callers must not
rely on it): AnalysisRun / Experiment *creation* (the phases of the step's and the background
run are inputs; rollouts.core.rollout_analysis decides the runs), status.duration,
step plugins, header/mirror routes.

Apply order for the reconciler: merge ``rollout_annotations`` into the Rollout; create the
ReplicaSet (on AlreadyExists see :mod:`rollouts.core.collision`); rewrite template metadata and
``affinity_updates``; apply scales and annotations; evict ``evict_pods``; scale the referenced
Deployment to ``workload_replicas``; patch Service selectors; hand ``traffic`` to the router
layer; delete history; merge-patch the status; emit the events; requeue at ``requeue_at``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollouts.api.defaults import (
    abort_scale_down_delay_seconds_or_default,
    max_surge_or_default,
    max_traffic_weight_or_default,
    max_unavailable_or_default,
    progress_deadline_seconds_or_default,
    replicas_or_default,
    revision_history_limit_or_default,
    scale_down_delay_seconds_or_default,
)
from rollouts.api.rollout import Rollout
from rollouts.core import abort as abort_reasons
from rollouts.core import conditions as cond
from rollouts.core.anti_affinity import injected_term_is_stale, replica_set_affinity
from rollouts.core.ephemeral import PodMetadata, TemplateMetadataChange, replica_set_metadata_change
from rollouts.core.history import replica_sets_to_delete
from rollouts.core.ownership import rollout_owner_reference
from rollouts.core.phase import PhaseInputs, rollout_phase
from rollouts.core.ping_pong import flipped, ping_pong_selectors
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL, pod_template_hash, steps_hash
from rollouts.core.progress import progress_deadline, timed_out
from rollouts.core.replica_math import (
    CurrentWeights,
    ReplicaCounts,
    basic_canary_counts,
    canary_max_surge,
    canary_max_unavailable,
    traffic_routed_canary_counts,
    traffic_weight_to_replicas,
)
from rollouts.core.replica_sets import (
    DESIRED_REPLICAS_ANNOTATION,
    EPHEMERAL_METADATA_ANNOTATION,
    REVISION_ANNOTATION,
    SCALE_DOWN_DEADLINE_ANNOTATION,
    ReplicaSetView,
    find_new_replica_set,
)
from rollouts.core.restart import RestartPlan, plan_restart
from rollouts.core.revision import (
    copied_rollout_annotations,
    existing_new_replica_set_annotations,
    next_revision,
    rollout_revision_change,
)
from rollouts.core.rollback import rollback_within_window
from rollouts.core.scale_down_limit import may_wait_for_deadline, scale_down_revision_limit
from rollouts.core.steps import (
    CANARY_PAUSE_STEP,
    INCONCLUSIVE_ANALYSIS,
    INCONCLUSIVE_EXPERIMENT,
    Step,
    current_set_weight,
    current_step,
    parse_steps,
    pause_expires_at,
    pause_step_completed,
    replica_progress_threshold_met,
    set_canary_scale_in_force,
)
from rollouts.core.workload import deployment_replicas, with_workload_template, workload_observed_generation

ROLLOUT_API_VERSION = "argoproj.io/v1alpha1"


@dataclass(frozen=True, slots=True)
class Event:
    type: str  # "Normal" | "Warning"
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class ScaleChange:
    """Set ``spec.replicas`` of a ReplicaSet and merge its annotations (a None value removes the key)."""

    name: str
    replicas: int
    annotations: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceSelector:
    """Point ``service`` at the pods of ``pod_template_hash`` (via the hash label selector)."""

    service: str
    pod_template_hash: str


@dataclass(frozen=True, slots=True)
class DesiredTraffic:
    """Weights for the router layer; ``canary_weight + stable_weight == max_weight``."""

    canary_weight: int
    stable_weight: int
    canary_hash: str
    stable_hash: str


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """The phase of the current step's AnalysisRun or Experiment, as observed by the caller."""

    kind: str  # "analysis" | "experiment"
    name: str
    phase: str  # Pending | Running | Successful | Failed | Error | Inconclusive
    message: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    create_replica_set: dict[str, Any] | None
    scales: list[ScaleChange]
    service_selectors: list[ServiceSelector]
    traffic: DesiredTraffic | None
    status: dict[str, Any]
    events: list[Event]
    requeue_at: datetime | None
    #: Names of old ReplicaSets beyond ``revisionHistoryLimit`` to delete (with their runs).
    delete_replica_sets: list[str] = field(default_factory=list)
    #: Pod-template metadata of existing ReplicaSets to rewrite (ephemeral metadata).
    template_metadata: list[TemplateMetadataChange] = field(default_factory=list)
    #: Annotations to merge into the Rollout's own metadata (a None value removes the key):
    #: ``rollout.argoproj.io/revision`` follows the new ReplicaSet's revision. Written with an
    #: update of the Rollout (not its status), before the ReplicaSet scales.
    rollout_annotations: dict[str, str | None] = field(default_factory=dict)
    #: ReplicaSet name -> the whole ``spec.template.spec.affinity`` to write (None removes it):
    #: the injected anti-affinity term follows a stable ReplicaSet that changed mid-update.
    affinity_updates: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    #: Pods to evict, in order (``spec.restartAt``); a 429 answer means "not now", skip it.
    evict_pods: list[str] = field(default_factory=list)
    #: ``spec.replicas`` for the Deployment named by ``spec.workloadRef`` (scaleDown), or None.
    workload_replicas: int | None = None

    @property
    def changes_cluster(self) -> bool:
        """Whether applying the plan would change any object other than the status."""
        return bool(
            self.create_replica_set
            or self.scales
            or self.service_selectors
            or self.delete_replica_sets
            or self.template_metadata
            or self.rollout_annotations
            or self.affinity_updates
            or self.evict_pods
            or self.workload_replicas is not None
        )


def _time(moment: datetime) -> str:
    return cond.format_time(moment)


def new_replica_set_manifest(
    ro: Rollout, template: Mapping[str, Any], pod_hash: str, revision: int, replicas: int
) -> dict[str, Any]:
    rs_template = copy.deepcopy(dict(template))
    stored_stable = (ro.status.stable_rs if ro.status else None) or ""
    affinity = replica_set_affinity(ro, template, stored_stable, pod_hash)
    if affinity is not None:
        rs_template.setdefault("spec", {})["affinity"] = affinity
    meta = rs_template.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), POD_TEMPLATE_HASH_LABEL: pod_hash}
    selector = ro.spec.selector.to_dict() if ro.spec.selector else {}
    selector["matchLabels"] = {**selector.get("matchLabels", {}), POD_TEMPLATE_HASH_LABEL: pod_hash}
    spec: dict[str, Any] = {"replicas": 0, "selector": selector, "template": rs_template}
    if ro.spec.min_ready_seconds:
        spec["minReadySeconds"] = ro.spec.min_ready_seconds
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{ro.name}-{pod_hash}",
            "namespace": ro.namespace,
            "labels": dict(meta["labels"]),
            "annotations": {
                **copied_rollout_annotations(ro.metadata.annotations),
                REVISION_ANNOTATION: str(revision),
                DESIRED_REPLICAS_ANNOTATION: str(replicas),
            },
            "ownerReferences": [rollout_owner_reference(ro)],
        },
        "spec": spec,
    }


@dataclass
class PlanContext:
    """Working state of one planning pass (never escapes this module)."""

    ro: Rollout
    now: datetime
    replicas: int
    steps: list[Step]
    max_weight: int
    traffic_routed: bool
    new: ReplicaSetView
    stable: ReplicaSetView | None
    others: list[ReplicaSetView]
    status: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    scales: dict[str, ScaleChange] = field(default_factory=dict)
    wakeups: list[datetime] = field(default_factory=list)
    strategy: str = "canary"
    # blue-green only: the ReplicaSet behind the active Service, and what phase/health read.
    active: ReplicaSetView | None = None
    has_preview_service: bool = False
    post_promotion: tuple[bool, bool] = (False, False)  # (configured, completed)
    # Ephemeral metadata for the new ReplicaSet's role and for the stable/active one.
    new_metadata: PodMetadata | None = None
    stable_metadata: PodMetadata | None = None
    #: Why this pass aborted the Rollout (see rollouts.core.abort); "" for a user's abort.
    abort_reason: str = ""
    #: Pods this pass evicts for a restart.
    evictions: list[str] = field(default_factory=list)
    #: A return to an older ReplicaSet inside ``spec.rollbackWindow`` (rollouts.core.rollback).
    rollback_within_window: bool = False
    #: The object named by ``spec.workloadRef``, when there is one.
    workload: Mapping[str, Any] | None = None

    def scale(self, rs: ReplicaSetView, replicas: int, **annotations: str | None) -> None:
        """Plan ``rs`` at ``replicas``; annotations pending from earlier in this pass are kept."""
        wanted = {DESIRED_REPLICAS_ANNOTATION: str(self.replicas), **annotations}
        changed_annotations = {k: v for k, v in wanted.items() if rs.annotations.get(k) != v}
        previous = self.scales.get(rs.name)
        pending = {k: v for k, v in (previous.annotations if previous else {}).items() if k not in wanted}
        merged = {**pending, **changed_annotations}
        if replicas == rs.spec_replicas and not merged:
            self.scales.pop(rs.name, None)
            return
        self.scales[rs.name] = ScaleChange(rs.name, replicas, merged)
        if replicas != rs.spec_replicas and (previous is None or previous.replicas != replicas):
            direction = "up" if replicas > rs.spec_replicas else "down"
            self.events.append(
                Event(
                    "Normal",
                    cond.SCALING_REPLICA_SET,
                    cond.scaling_event_message(direction, rs.name, rs.revision, rs.spec_replicas, replicas),
                )
            )

    def spec_of(self, rs: ReplicaSetView) -> int:
        change = self.scales.get(rs.name)
        return change.replicas if change else rs.spec_replicas

    def seed_annotations(self, found: NewReplicaSet) -> None:
        """Carry the new ReplicaSet's revision annotations into this pass's changes."""
        if found.annotations:
            self.scales[self.new.name] = ScaleChange(self.new.name, self.new.spec_replicas, found.annotations)

    def abort(self, reason: str) -> None:
        """Abort the update for ``reason`` (the controller's own abort): pauses end, abortedAt is set."""
        self.status["abort"] = True
        self.abort_reason = reason
        mark_aborted(self)


def mark_aborted(ctx: PlanContext) -> None:
    """The status of an aborted Rollout: no pause conditions, ``abortedAt`` set once (kept after),
    and the canary steps rewound to 0 so that a retry walks them again (upstream's abort branch of
    syncRolloutStatusCanary; at the end already when the stable is the current template)."""
    ctx.status.pop("pauseConditions", None)
    ctx.status["controllerPause"] = False
    if ctx.steps:
        promoted = ctx.status.get("stableRS") == ctx.status.get("currentPodHash")
        ctx.status["currentStepIndex"] = len(ctx.steps) if promoted else 0
    if not ctx.status.get("abortedAt"):
        ctx.status["abortedAt"] = _time(ctx.now)


@dataclass(frozen=True, slots=True)
class NewReplicaSet:
    """The ReplicaSet of the current template, as this pass will leave it."""

    #: Reads the revision and annotations after this pass (a created one reads its manifest).
    view: ReplicaSetView
    #: The manifest to create first, or None when it exists.
    manifest: dict[str, Any] | None
    #: Annotations to write on the existing ReplicaSet (revision bump, copied Rollout annotations).
    annotations: dict[str, str]


def find_or_create_new_replica_set(
    ro: Rollout,
    template: Mapping[str, Any],
    collision: int | None,
    views: Sequence[ReplicaSetView],
    replicas: int,
    events: list[Event],
) -> NewReplicaSet:
    """The ReplicaSet for the current template, with its revision synchronised (rollouts.core.revision).

    A created ReplicaSet starts at 0 replicas with revision max(others)+1; planning continues
    as if it existed (the reconciler creates it before applying the rest of the plan). A change of
    the Rollout's own revision is announced first, then the creation, in upstream's order.
    """
    found = find_new_replica_set(template, collision, views)
    revision = next_revision(rs for rs in views if found is None or rs.name != found.name)
    if found is not None:
        changes = existing_new_replica_set_annotations(found, ro.metadata.annotations, revision)
        view = found
        if changes:
            obj = dict(found.obj)
            obj["metadata"] = {**found.metadata, "annotations": {**found.annotations, **changes}}
            view = ReplicaSetView(obj)
        _announce_revision(ro, view.revision, events)
        return NewReplicaSet(view, None, changes)
    created = new_replica_set_manifest(
        ro, template, pod_template_hash(template, collision), revision, replicas
    )
    view = ReplicaSetView(created)
    _announce_revision(ro, revision, events)
    events.append(
        Event("Normal", cond.NEW_REPLICA_SET_CREATED, f"Created ReplicaSet {view.name} (revision {revision})")
    )
    return NewReplicaSet(view, created, {})


def _announce_revision(ro: Rollout, revision: int, events: list[Event]) -> None:
    if rollout_revision_change(ro.metadata.annotations, revision):
        events.append(Event("Normal", cond.ROLLOUT_UPDATED, f"Rollout updated to revision {revision}"))


def plan_canary(
    ro: Rollout,
    replica_sets: Sequence[Mapping[str, Any]],
    now: datetime,
    *,
    step_outcome: StepOutcome | None = None,
    services: Mapping[str, Mapping[str, Any]] | None = None,
    background_outcome: StepOutcome | None = None,
    pods: Sequence[Mapping[str, Any]] | None = None,
    workload: Mapping[str, Any] | None = None,
) -> Plan:
    """Plan one reconciliation of a canary Rollout (see the module docstring for what is covered).

    ``services`` (name -> Service dict) lets the plan leave out selector changes that are already
    in place; without it every desired selector is listed. ``background_outcome`` is the phase of
    the background AnalysisRun (``spec.strategy.canary.analysis``) of the current revision, if any:
    Failed/Error abort the update, Inconclusive pauses it. ``pods`` (the Rollout's pods, as
    cached) are needed only for a restart (``spec.restartAt``); without them none is carried out.
    ``workload`` is the object ``spec.workloadRef`` names (rollouts.core.workload).

    Raises ValueError for a Rollout that is not a canary or has no template (the reconciler turns
    validation errors into the InvalidSpec condition before calling this).
    """
    ro = with_workload_template(ro, workload)
    canary = ro.canary
    template = ro.spec.template
    if canary is None or template is None:
        raise ValueError("plan_canary needs a canary Rollout with a pod template")
    status: dict[str, Any] = ro.status.to_dict() if ro.status else {}
    collision = status.get("collisionCount")
    pod_hash = pod_template_hash(template, collision)
    raw_steps = [s.to_dict() for s in (canary.steps or [])]
    steps = parse_steps(raw_steps)
    step_hash = steps_hash(raw_steps)
    routing = canary.traffic_routing
    max_weight = max_traffic_weight_or_default(ro)
    replicas = replicas_or_default(ro)
    views = [ReplicaSetView(rs) for rs in replica_sets]

    events: list[Event] = []
    found = find_or_create_new_replica_set(ro, template, collision, views, replicas, events)
    new, created = found.view, found.manifest
    new_hash = new.pod_template_hash or pod_hash

    stored_status = copy.deepcopy(status)
    stored_stable = next(
        (rs for rs in views if status.get("stableRS") and rs.pod_template_hash == status["stableRS"]), None
    )
    window = ro.spec.rollback_window.revisions if ro.spec.rollback_window else None
    within_window = new is not stored_stable and rollback_within_window(window, new, stored_stable, views)
    # A changed template or changed steps restart the steps (upstream's reset).
    changed = status.get("currentPodHash") != new_hash or status.get("currentStepHash") != step_hash
    if changed:
        reset_restarted_at(ro, status)
        for key in ("pauseConditions", "abort", "abortedAt", "promoteFull"):
            status.pop(key, None)
        status["controllerPause"] = False
        status.get("canary", {}).pop("currentStepAnalysisRunStatus", None)
        status["currentStepIndex"] = 0 if steps else None
        status["currentPodHash"] = new_hash
        status["currentStepHash"] = step_hash
        if status.get("stableRS") == new_hash and steps:
            status["currentStepIndex"] = len(steps)  # rolled back to stable: nothing to step through
            events.append(Event("Normal", cond.SKIP_STEPS, "Rollback to stable ReplicaSets"))
        elif within_window and new.spec_replicas > 0 and steps:
            status["currentStepIndex"] = len(steps)
            events.append(
                Event("Normal", cond.SKIP_STEPS, "Rollback to active ReplicaSets within RollbackWindow")
            )

    stable_hash = status.get("stableRS") or ""
    if not stable_hash:
        # Initial deploy: the first ReplicaSet is stable at once, no steps are run.
        stable_hash = status["stableRS"] = new_hash
        _flip_ping_pong(ro, status)
        status["currentStepIndex"] = len(steps) if steps else None
    stable = next((rs for rs in views if rs.pod_template_hash == stable_hash and rs.name != new.name), None)
    others = [rs for rs in views if rs.name != new.name and (stable is None or rs.name != stable.name)]
    ctx = PlanContext(
        ro, now, replicas, steps, max_weight, routing is not None, new, stable, others, status, events
    )
    ctx.seed_annotations(found)
    ctx.rollback_within_window = within_window
    ctx.workload = workload

    if not changed:
        max_unavailable = canary_max_unavailable(
            max_surge_or_default(ro), max_unavailable_or_default(ro), replicas
        )
        restart = restart_pass(ctx, pods, max_unavailable)
        if restart.evict:
            # Upstream ends the pass here: availability counts are stale until the pods are gone,
            # and scaling on them could take too much down at once. Nothing else changes.
            return Plan(
                create_replica_set=None,
                scales=list(ctx.scales.values()),
                service_selectors=[],
                traffic=None,
                status=stored_status,
                events=ctx.events,
                requeue_at=restart.requeue_at,
                rollout_annotations=dict(rollout_revision_change(ro.metadata.annotations, new.revision)),
                evict_pods=restart.evict,
            )

    _handle_user_actions(ctx)
    halted = bool(ro.spec.paused) or any(
        p.get("reason") == INCONCLUSIVE_ANALYSIS for p in status.get("pauseConditions") or []
    )
    if not halted:
        _reconcile_replica_counts(ctx)
        _progress_steps(ctx, step_outcome)
        _assess_background_analysis(ctx, background_outcome)
        _promote_if_done(ctx)
    _scale_down_others(ctx)
    selectors = [
        sel
        for sel in _service_selectors(ctx)
        if services is None
        or ((services.get(sel.service) or {}).get("spec") or {})
        .get("selector", {})
        .get(POD_TEMPLATE_HASH_LABEL)
        != sel.pod_template_hash
    ]
    traffic = _desired_traffic(ctx)
    promoted = ctx.status.get("stableRS") == ctx.status.get("currentPodHash")
    canary_md = canary.canary_metadata.to_dict() if canary.canary_metadata else None
    stable_md = canary.stable_metadata.to_dict() if canary.stable_metadata else None
    ctx.new_metadata = stable_md if promoted else canary_md
    ctx.stable_metadata = stable_md
    return finish_plan(ctx, created, selectors, traffic)


def finish_plan(
    ctx: PlanContext,
    created: dict[str, Any] | None,
    selectors: list[ServiceSelector],
    traffic: DesiredTraffic | None,
) -> Plan:
    """Compute the status (last: it reads what the plan decided) and assemble the plan."""
    compute_status(ctx)
    metadata_changes = []
    seen: set[str] = set()
    for rs in [ctx.new, *([ctx.stable] if ctx.stable is not None else []), *ctx.others]:
        if rs.name in seen:
            continue
        seen.add(rs.name)
        if rs is ctx.new:
            desired = ctx.new_metadata
        elif rs is ctx.stable:
            desired = ctx.stable_metadata
        else:
            desired = None
        change = replica_set_metadata_change(rs, desired)
        if change is None:
            continue
        if created is not None and rs.obj is created:
            # Not created yet: inject into the manifest instead of listing an update.
            created["spec"]["template"]["metadata"] = change.template_metadata
            if change.ephemeral_annotation is not None:
                created["metadata"]["annotations"][EPHEMERAL_METADATA_ANNOTATION] = (
                    change.ephemeral_annotation
                )
        else:
            metadata_changes.append(change)
    return Plan(
        create_replica_set=created,
        scales=list(ctx.scales.values()),
        service_selectors=selectors,
        traffic=traffic,
        status=ctx.status,
        events=ctx.events,
        requeue_at=min(ctx.wakeups) if ctx.wakeups else None,
        delete_replica_sets=history_deletions(ctx),
        template_metadata=metadata_changes,
        rollout_annotations=dict(rollout_revision_change(ctx.ro.metadata.annotations, ctx.new.revision)),
        affinity_updates=_affinity_updates(ctx, created),
        evict_pods=ctx.evictions,
        workload_replicas=deployment_replicas(
            ctx.ro,
            ctx.workload,
            revision=ctx.new.revision,
            new_spec_before=ctx.new.spec_replicas,
            new_spec_after=ctx.spec_of(ctx.new),
        ),
    )


def _affinity_updates(ctx: PlanContext, created: dict[str, Any] | None) -> dict[str, dict[str, Any] | None]:
    """Rewrite an existing new ReplicaSet's anti-affinity when its term names an outdated stable hash."""
    template = ctx.ro.spec.template
    if created is not None or template is None:
        return {}
    stored_stable = (ctx.ro.status.stable_rs if ctx.ro.status else None) or ""
    current = ctx.new.pod_template_hash
    live = (ctx.new.template.get("spec") or {}).get("affinity")
    if not injected_term_is_stale(ctx.ro, live, stored_stable, current):
        return {}
    return {ctx.new.name: replica_set_affinity(ctx.ro, template, stored_stable, current)}


def history_deletions(ctx: PlanContext) -> list[str]:
    """Old ReplicaSets the history limit removes; only ones this plan leaves at zero.

    Every old ReplicaSet counts towards the limit, scaled up or not (upstream's count): one still
    waiting out its scale-down delay pushes an older, idle one out of the history.
    """
    excess = replica_sets_to_delete(ctx.others, revision_history_limit_or_default(ctx.ro))
    return [rs.name for rs in excess if ctx.spec_of(rs) == 0]


def reset_restarted_at(ro: Rollout, status: dict[str, Any]) -> None:
    """A new template brings new pods: a pending restart counts as done (upstream's reset)."""
    if ro.spec.restart_at:
        status["restartedAt"] = ro.spec.restart_at
    else:
        status.pop("restartedAt", None)


def restart_pass(
    ctx: PlanContext, pods: Sequence[Mapping[str, Any]] | None, max_unavailable: int
) -> RestartPlan:
    """Plan this pass's evictions for ``spec.restartAt`` (rollouts.core.restart) into ``ctx``."""
    ro = ctx.ro
    if pods is None or not ro.spec.restart_at:
        return RestartPlan()
    restart = plan_restart(
        restart_at=ro.spec.restart_at,
        restarted_at=ctx.status.get("restartedAt"),
        replicas=ctx.replicas,
        max_unavailable=max_unavailable,
        min_ready_seconds=ro.spec.min_ready_seconds or 0,
        new=ctx.new,
        stable=ctx.stable,
        others=ctx.others,
        pods=pods,
        now=ctx.now,
    )
    if restart.done:
        ctx.status["restartedAt"] = ro.spec.restart_at
    if restart.requeue_at is not None:
        ctx.wakeups.append(restart.requeue_at)
    ctx.evictions = list(restart.evict)
    return restart


def _handle_user_actions(ctx: PlanContext) -> None:
    status = ctx.status
    if ctx.rollback_within_window:
        # Fast-tracked like a full promotion: no steps, pauses or abort stand in the way.
        for key in ("pauseConditions", "abort", "abortedAt"):
            status.pop(key, None)
        status["controllerPause"] = False
        if ctx.steps:
            status["currentStepIndex"] = len(ctx.steps)
    fully_promoted = status.get("stableRS") == status.get("currentPodHash")
    if status.get("abort") and fully_promoted:
        status.pop("abort", None)  # abort of a finished rollout is dropped silently
    if status.get("promoteFull"):
        status.pop("pauseConditions", None)
        status["controllerPause"] = False
        status.pop("abort", None)
        if ctx.steps:
            status["currentStepIndex"] = len(ctx.steps)
    if status.get("abort"):
        mark_aborted(ctx)
    else:
        # upstream keeps abortedAt only while aborted; a retry clears it (a run created after the
        # retry is told apart from the aborted update's by it, see core.rollout_analysis)
        status.pop("abortedAt", None)


def _assess_background_analysis(ctx: PlanContext, outcome: StepOutcome | None) -> None:
    """The background AnalysisRun gates the update until promotion: failure aborts, inconclusive pauses."""
    status = ctx.status
    if outcome is None or status.get("abort") or status.get("stableRS") == status.get("currentPodHash"):
        return
    if outcome.phase in abort_reasons.ABORTING_PHASES:
        ctx.abort(abort_reasons.run_failed_reason(abort_reasons.BACKGROUND_ANALYSIS, outcome.message))
    elif outcome.phase == "Inconclusive":
        add_pause(ctx, INCONCLUSIVE_ANALYSIS)


def _desired_weight(ctx: PlanContext) -> tuple[int | None, int]:
    """(explicit canary replicas, weight): upstream's GetCanaryReplicasOrWeight."""
    status = ctx.status
    if (
        status.get("promoteFull")
        or status.get("stableRS") == status.get("currentPodHash")
        or ctx.stable is None
    ):
        return None, ctx.max_weight
    aborted = bool(status.get("abort"))
    index = status.get("currentStepIndex")
    canary = ctx.ro.canary
    assert canary is not None
    explicit_abort_delay = canary.abort_scale_down_delay_seconds is not None
    scale = set_canary_scale_in_force(
        ctx.steps,
        index,
        traffic_routed=ctx.traffic_routed,
        aborted=aborted,
        abort_delay_set=not (explicit_abort_delay and canary.abort_scale_down_delay_seconds == 0),
    )
    if scale is not None and scale.replicas is not None:
        return scale.replicas, 0
    if scale is not None and scale.weight is not None:
        return None, scale.weight
    return None, current_set_weight(ctx.steps, index, aborted=aborted, max_weight=ctx.max_weight)


def _desired_counts(ctx: PlanContext) -> tuple[int, int]:
    canary = ctx.ro.canary
    assert canary is not None
    explicit, weight = _desired_weight(ctx)
    if ctx.traffic_routed:
        weights = (ctx.status.get("canary") or {}).get("weights")
        current = None
        if weights:
            current = CurrentWeights(
                int(weights["canary"].get("weight", 0)), int(weights["stable"].get("weight", 0))
            )
        return traffic_routed_canary_counts(
            replicas=ctx.replicas,
            weight=weight,
            max_weight=ctx.max_weight,
            canary_scale_replicas=explicit,
            dynamic_stable_scale=bool(canary.dynamic_stable_scale),
            min_pods=canary.min_pods_per_replica_set,
            current_weights=current,
            aborted=bool(ctx.status.get("abort")),
        )
    stable = ctx.stable
    surge, unavailable = max_surge_or_default(ctx.ro), max_unavailable_or_default(ctx.ro)
    return basic_canary_counts(
        replicas=ctx.replicas,
        weight=weight,
        max_weight=ctx.max_weight,
        max_surge=canary_max_surge(surge, unavailable, ctx.replicas),
        max_unavailable=canary_max_unavailable(surge, unavailable, ctx.replicas),
        new=ReplicaCounts(ctx.new.spec_replicas, ctx.new.available_replicas),
        stable=ReplicaCounts(stable.spec_replicas, stable.available_replicas) if stable else None,
        others=[ReplicaCounts(rs.spec_replicas, rs.available_replicas) for rs in ctx.others],
    )


def _reconcile_replica_counts(ctx: PlanContext) -> None:
    new_count, stable_count = _desired_counts(ctx)
    if ctx.stable is not None:
        ctx.scale(ctx.stable, stable_count)
    canary = ctx.ro.canary
    assert canary is not None
    aborting = bool(ctx.status.get("abort")) and ctx.stable is not None and ctx.stable is not ctx.new
    if (
        aborting
        and ctx.traffic_routed
        and not canary.dynamic_stable_scale
        and new_count < ctx.new.spec_replicas
    ):
        # Traffic-routed abort: the canary keeps its pods for abortScaleDownDelaySeconds (default
        # 30; 0 -- read as None -- keeps them), counted from when the stable is fully available again.
        delay = abort_scale_down_delay_seconds_or_default(ctx.ro)
        stable = ctx.stable
        assert stable is not None
        stable_ready = stable.spec_replicas == stable.available_replicas == ctx.replicas
        if delay is not None and stable_ready:
            scale_down_after_deadline(ctx, ctx.new, delay)
        return
    ctx.scale(ctx.new, new_count)


def _at_desired_counts(ctx: PlanContext) -> bool:
    canary = ctx.ro.canary
    assert canary is not None
    new_count, stable_count = _desired_counts(ctx)
    threshold = canary.replica_progress_threshold.to_dict() if canary.replica_progress_threshold else None
    if not replica_progress_threshold_met(
        threshold, available=ctx.new.available_replicas, spec=ctx.new.spec_replicas, desired=new_count
    ):
        return False
    stable_checked = not ctx.traffic_routed or not canary.dynamic_stable_scale
    if (
        stable_checked
        and ctx.stable is not None
        and not ctx.stable.spec_replicas == ctx.stable.replicas == stable_count
    ):
        return False
    return ctx.traffic_routed or sum(rs.available_replicas for rs in ctx.others) == 0


def pause_condition(ctx: PlanContext, reason: str) -> Mapping[str, Any] | None:
    return next((p for p in ctx.status.get("pauseConditions") or [] if p.get("reason") == reason), None)


def pause_started_at(ctx: PlanContext, condition: Mapping[str, Any]) -> datetime:
    """A pause condition's ``startTime``; a missing or malformed one counts as starting now."""
    try:
        return cond.parse_time(str(condition.get("startTime")))
    except ValueError:
        return ctx.now


def add_pause(ctx: PlanContext, reason: str) -> None:
    if pause_condition(ctx, reason) is None:
        ctx.status.setdefault("pauseConditions", []).append({"reason": reason, "startTime": _time(ctx.now)})
        ctx.status["controllerPause"] = True
        ctx.events.append(Event("Normal", cond.ROLLOUT_PAUSED, f"Rollout is paused ({reason})"))


def _progress_steps(ctx: PlanContext, outcome: StepOutcome | None) -> None:
    status = ctx.status
    if status.get("abort") or not ctx.steps:
        return
    index = status.get("currentStepIndex") or 0
    step = current_step(ctx.steps, index)
    if step is None:
        return
    done = False
    if step.kind == "pause":
        existing = pause_condition(ctx, CANARY_PAUSE_STEP)
        started = pause_started_at(ctx, existing) if existing else None
        done = pause_step_completed(
            step, pause_started_at=started, controller_pause=bool(status.get("controllerPause")), now=ctx.now
        )
        if not done and existing is None and not status.get("controllerPause"):
            add_pause(ctx, CANARY_PAUSE_STEP)
            started = ctx.now
        if not done:
            expiry = pause_expires_at(step, started)
            if expiry is not None:
                ctx.wakeups.append(expiry + timedelta(seconds=1))
    elif step.kind in ("setWeight", "setCanaryScale"):
        done = _at_desired_counts(ctx)
    elif step.kind in ("setHeaderRoute", "setMirrorRoute"):
        done = True
    elif step.kind in ("analysis", "experiment") and outcome is not None and outcome.kind == step.kind:
        if outcome.phase == "Successful":
            done = True
        elif outcome.phase in abort_reasons.ABORTING_PHASES:
            prefix = abort_reasons.STEP_ANALYSIS if step.kind == "analysis" else abort_reasons.EXPERIMENT
            ctx.abort(abort_reasons.run_failed_reason(prefix, outcome.message))
        elif outcome.phase == "Inconclusive":
            add_pause(ctx, INCONCLUSIVE_ANALYSIS if step.kind == "analysis" else INCONCLUSIVE_EXPERIMENT)
    if done:
        status["currentStepIndex"] = index + 1
        status.pop("pauseConditions", None)
        status["controllerPause"] = False
        ctx.events.append(
            Event(
                "Normal",
                cond.ROLLOUT_STEP_COMPLETED,
                cond.step_completed_event_message(index + 1, len(ctx.steps), step.describe()),
            )
        )


def _promote_if_done(ctx: PlanContext) -> None:
    status = ctx.status
    if status.get("abort") or status.get("stableRS") == status.get("currentPodHash"):
        return
    index = status.get("currentStepIndex")
    if ctx.steps and (index or 0) < len(ctx.steps):
        return
    canary = ctx.ro.canary
    assert canary is not None
    threshold = canary.replica_progress_threshold.to_dict() if canary.replica_progress_threshold else None
    new_spec = ctx.spec_of(ctx.new)
    if not replica_progress_threshold_met(
        threshold, available=ctx.new.available_replicas, spec=new_spec, desired=ctx.replicas
    ):
        return
    if status.get("promoteFull"):
        reason = "Full promotion requested"
    elif ctx.rollback_within_window:
        reason = "Rollback within window"
    else:
        reason = f"Completed all {len(ctx.steps)} canary steps"
    old_stable = ctx.stable
    status["stableRS"] = status["currentPodHash"]
    _flip_ping_pong(ctx.ro, status)
    status.pop("promoteFull", None)
    ctx.events.append(
        Event(
            "Normal",
            cond.ROLLOUT_COMPLETED,
            cond.completed_event_message(ctx.new.revision, status["currentPodHash"], reason),
        )
    )
    if old_stable is not None:
        ctx.others.append(old_stable)
    ctx.stable = ctx.new


def _scale_down_others(ctx: PlanContext) -> None:
    """Drain ReplicaSets that are neither new nor stable.

    Without traffic routing their pods serve traffic, so they are drained within maxUnavailable,
    unavailable pods first. With traffic routing the previous stable keeps its pods until its
    scale-down deadline (scaleDownDelaySeconds, default 30) and others go at once.
    """
    canary = ctx.ro.canary
    assert canary is not None
    if ctx.ro.spec.paused:
        return
    if not ctx.traffic_routed:
        max_unavailable = canary_max_unavailable(
            max_surge_or_default(ctx.ro), max_unavailable_or_default(ctx.ro), ctx.replicas
        )
        available = sum(
            rs.available_replicas
            for rs in [ctx.new, *ctx.others]
            + ([ctx.stable] if ctx.stable and ctx.stable is not ctx.new else [])
        )
        budget = available - (ctx.replicas - max_unavailable)
        for rs in sorted(ctx.others, key=lambda r: r.revision):
            spec = ctx.spec_of(rs)
            if spec == 0:
                continue
            unhealthy = max(0, spec - rs.available_replicas)
            target = spec - unhealthy
            removable = min(target, max(0, budget))
            budget -= removable
            ctx.scale(rs, target - removable)
        return
    delay = scale_down_delay_seconds_or_default(ctx.ro)
    previous_stable_hash = (ctx.ro.status.stable_rs if ctx.ro.status else None) or ""
    fully_promoted = ctx.stable is ctx.new
    # Once fully promoted, every old ReplicaSet still up is a former stable and waits out the
    # delay, as does one already given a deadline; an intermediate one (V2 of V1 -> V2 -> V3)
    # goes at once. dynamicStableScale keeps no old pods. At most scaleDownDelayRevisionLimit wait.
    waiting = [
        rs
        for rs in ctx.others
        if ctx.spec_of(rs) > 0
        and not canary.dynamic_stable_scale
        and (fully_promoted or rs.scale_down_deadline or rs.pod_template_hash == previous_stable_hash)
    ]
    kept = may_wait_for_deadline(waiting, scale_down_revision_limit(ctx.ro))
    for rs in ctx.others:
        scale_down_after_deadline(ctx, rs, delay if rs.name in kept else 0)


def scale_down_after_deadline(ctx: PlanContext, rs: ReplicaSetView, delay: int) -> None:
    """Annotate a ``scale-down-deadline`` ``delay`` seconds ahead on first sight; scale to 0 once passed.

    A delay of 0 scales down at once. An unreadable deadline counts as passed: it must not keep
    pods forever.
    """
    if ctx.spec_of(rs) == 0:
        return
    if delay <= 0:
        ctx.scale(rs, 0, **{SCALE_DOWN_DEADLINE_ANNOTATION: None})
        return
    text = rs.scale_down_deadline
    if not text:
        deadline = ctx.now + timedelta(seconds=delay)
        ctx.scale(rs, ctx.spec_of(rs), **{SCALE_DOWN_DEADLINE_ANNOTATION: _time(deadline)})
        ctx.wakeups.append(deadline)
        return
    try:
        deadline = cond.parse_time(text)
    except ValueError:
        deadline = ctx.now
    if deadline > ctx.now:
        ctx.wakeups.append(deadline)
        return
    ctx.scale(rs, 0, **{SCALE_DOWN_DEADLINE_ANNOTATION: None})


def _flip_ping_pong(ro: Rollout, status: dict[str, Any]) -> None:
    """A promotion that changed status.stableRS swaps the ping-pong roles (rollouts.core.ping_pong)."""
    if ro.canary is not None and ro.canary.ping_pong is not None:
        recorded = status.setdefault("canary", {})
        recorded["stablePingPong"] = flipped(recorded.get("stablePingPong"))


def _service_selectors(ctx: PlanContext) -> list[ServiceSelector]:
    canary = ctx.ro.canary
    assert canary is not None
    stable_hash = ctx.status.get("stableRS") or ""
    stored = ctx.ro.status.canary if ctx.ro.status else None
    out = [
        ServiceSelector(service, pod_hash)
        for service, pod_hash in ping_pong_selectors(
            canary,
            recorded_before=stored.stable_ping_pong if stored else None,
            recorded_after=(ctx.status.get("canary") or {}).get("stablePingPong"),
            stable_hash=stable_hash,
            current_hash=ctx.status.get("currentPodHash") or "",
        )
    ]
    canary_hash = stable_hash if ctx.status.get("abort") else (ctx.status.get("currentPodHash") or "")
    if canary.stable_service and stable_hash:
        out.append(ServiceSelector(canary.stable_service, stable_hash))
    if (
        canary.canary_service
        and canary_hash
        and (ctx.new.available_replicas > 0 or canary_hash == stable_hash)
    ):
        out.append(ServiceSelector(canary.canary_service, canary_hash))
    return out


def _router_weight(ctx: PlanContext, previous_weight: int) -> int:
    """The canary weight for the router, by upstream's precedence.

    Fully promoted, aborted or no available canary pod: 0. Promote-full: the weight stays where it
    is until the promotion completes. Mid-steps: the previous step's setWeight until the canary
    has its pods for the current one, then the current setWeight; after the last step: max.
    """
    status = ctx.status
    if status.get("abort") or status.get("stableRS") == status.get("currentPodHash"):
        return 0
    if ctx.new.available_replicas == 0:
        return 0
    if status.get("promoteFull"):
        return previous_weight
    index = status.get("currentStepIndex")
    if ctx.steps and index is not None and index < len(ctx.steps):
        if not _at_desired_counts(ctx):
            for step in reversed(ctx.steps[:index]):
                if step.set_weight is not None:
                    return step.set_weight
            return 0
        return current_set_weight(ctx.steps, index, aborted=False, max_weight=ctx.max_weight)
    return ctx.max_weight


def _desired_traffic(ctx: PlanContext) -> DesiredTraffic | None:
    if not ctx.traffic_routed:
        return None
    status = ctx.status
    stable_hash = status.get("stableRS") or ""
    previous = (status.get("canary") or {}).get("weights")
    previous_weight = int(previous.get("canary", {}).get("weight", 0)) if previous else 0
    weight = _router_weight(ctx, previous_weight)
    # Never shift traffic onto a stable that cannot carry it yet (upstream's stable availability check).
    stable = ctx.stable
    if stable is not None and stable is not ctx.new:
        needed = traffic_weight_to_replicas(ctx.replicas, ctx.max_weight - weight, ctx.max_weight)
        if stable.available_replicas < needed and previous is not None:
            weight = previous_weight
    weights = {
        "canary": {
            "weight": weight,
            "podTemplateHash": status.get("currentPodHash") or "",
            "serviceName": ctx.ro.canary.canary_service or "" if ctx.ro.canary else "",
        },
        "stable": {
            "weight": ctx.max_weight - weight,
            "podTemplateHash": stable_hash,
            "serviceName": ctx.ro.canary.stable_service or "" if ctx.ro.canary else "",
        },
    }
    if previous is None or previous_weight != weight:
        ctx.events.append(
            Event(
                "Normal",
                cond.TRAFFIC_WEIGHT_UPDATED,
                # upstream's wording: "to W" when there were no weights before, else "from P to W"
                f"Traffic weight updated to {weight}"
                if previous is None
                else f"Traffic weight updated from {previous_weight} to {weight}",
            )
        )
    status.setdefault("canary", {})["weights"] = weights
    return DesiredTraffic(
        weight, ctx.max_weight - weight, str(status.get("currentPodHash") or ""), stable_hash
    )


def compute_status(ctx: PlanContext) -> None:
    status, ro, now = ctx.status, ctx.ro, ctx.now
    old_status: dict[str, Any] = ro.status.to_dict() if ro.status else {}
    rs_all = _all_replica_sets(ctx)
    status["replicas"] = sum(rs.replicas for rs in rs_all)
    status["updatedReplicas"] = ctx.new.replicas
    status["observedGeneration"] = str(ro.metadata.generation or 0)
    workload_generation = workload_observed_generation(ro)
    if workload_generation is None:
        status.pop("workloadObservedGeneration", None)
    else:
        status["workloadObservedGeneration"] = workload_generation
    labels = dict(ro.spec.selector.match_labels or {}) if ro.spec.selector is not None else {}
    if ctx.strategy == "blueGreen":
        # Blue-green reports readiness and HPA size of the active ReplicaSet only.
        active = ctx.active
        status["readyReplicas"] = active.ready_replicas if active else 0
        status["availableReplicas"] = active.available_replicas if active else 0
        status["HPAReplicas"] = active.replicas if active else 0
        if active is not None:
            labels[POD_TEMPLATE_HASH_LABEL] = active.pod_template_hash
    else:
        status["readyReplicas"] = sum(rs.ready_replicas for rs in rs_all)
        status["availableReplicas"] = sum(rs.available_replicas for rs in rs_all)
        status["HPAReplicas"] = status["replicas"]
    if labels:
        status["selector"] = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    if status.get("currentStepIndex") is None:
        status.pop("currentStepIndex", None)
    _abort_on_progress_deadline(ctx, old_status)
    if not status.get("pauseConditions"):
        status.pop("pauseConditions", None)
        status["controllerPause"] = False

    conds = [cond.condition_from_dict(c, now) for c in status.get("conditions") or []]
    conds = _pause_and_retry_conditions(ctx, conds, old_status)
    conds = _calculate_conditions(ctx, conds, old_status)
    status["conditions"] = [cond.condition_to_dict(c) for c in conds]

    phase, message = rollout_phase(
        PhaseInputs(
            strategy=ctx.strategy,
            spec_replicas=ctx.replicas,
            has_post_promotion_analysis=ctx.post_promotion[0],
            post_promotion_analysis_completed=ctx.post_promotion[1],
            active_selector=(status.get("blueGreen") or {}).get("activeSelector") or "",
            spec_paused=bool(ro.spec.paused),
            restart_at=ro.spec.restart_at,
            restarted_at=status.get("restartedAt"),
            traffic_routed=ctx.traffic_routed,
            conditions=conds,
            pause_reasons=[p.get("reason", "") for p in status.get("pauseConditions") or []],
            replicas=status["replicas"],
            updated_replicas=status["updatedReplicas"],
            available_replicas=status["availableReplicas"],
            current_pod_hash=status.get("currentPodHash") or "",
            stable_rs=status.get("stableRS") or "",
        )
    )
    status["phase"], status["message"] = phase.value, message


def _all_replica_sets(ctx: PlanContext) -> list[ReplicaSetView]:
    stable = [ctx.stable] if ctx.stable is not None and ctx.stable is not ctx.new else []
    return [ctx.new, *ctx.others, *stable]


def _pause_and_retry_conditions(
    ctx: PlanContext, conds: list[cond.Condition], old: Mapping[str, Any]
) -> list[cond.Condition]:
    """Upstream's checkPausedConditions: mirror pause/resume/retry into the conditions.

    Judged on the stored status and only once the spec generation has been observed.
    """
    ro, now = ctx.ro, ctx.now
    if str(ro.metadata.generation or 0) != old.get("observedGeneration"):
        return conds
    progressing = cond.get_condition(conds, cond.PROGRESSING)
    prog_paused = progressing is not None and progressing.reason == cond.ROLLOUT_PAUSED
    aborted_cond = progressing is not None and progressing.reason == cond.ROLLOUT_ABORTED
    paused = bool(old.get("pauseConditions")) or bool(ro.spec.paused)
    completed = bool(old.get("stableRS")) and old.get("stableRS") == old.get("currentPodHash")
    if paused != prog_paused and not aborted_cond and not completed:
        reason, message = (
            (cond.ROLLOUT_PAUSED, cond.PAUSED_MESSAGE)
            if paused
            else (cond.ROLLOUT_RESUMED, cond.RESUMED_MESSAGE)
        )
        conds, _ = cond.set_condition(
            conds, cond.new_condition(cond.PROGRESSING, "Unknown", reason, message, now)
        )
    if not ctx.status.get("abort") and aborted_cond:
        conds, _ = cond.set_condition(
            conds,
            cond.new_condition(cond.PROGRESSING, "Unknown", cond.ROLLOUT_RETRY, cond.RETRY_MESSAGE, now),
        )
    paused_cond = cond.get_condition(conds, cond.PAUSED)
    if paused != (paused_cond is not None and paused_cond.status == "True") and not aborted_cond:
        conds, _ = cond.set_condition(
            conds, cond.new_condition(cond.PAUSED, paused, cond.ROLLOUT_PAUSED, cond.PAUSED_MESSAGE, now)
        )
    return conds


def _rollout_healthy(ctx: PlanContext) -> bool:
    status = ctx.status
    index = status.get("currentStepIndex")
    stored_generation = ctx.ro.status.observed_generation if ctx.ro.status else None
    common = (
        status["updatedReplicas"] == ctx.replicas
        and status["availableReplicas"] == ctx.replicas
        and stored_generation == str(ctx.ro.metadata.generation or 0)
    )
    if ctx.strategy == "blueGreen":
        selectors = status.get("blueGreen") or {}
        current = status.get("currentPodHash")
        preview_done = not ctx.has_preview_service or selectors.get("previewSelector") == current
        return common and selectors.get("activeSelector") == current and preview_done
    executed_all = not ctx.steps or index is None or index == len(ctx.steps)
    return (
        common
        and executed_all
        and bool(status.get("stableRS"))
        and status.get("stableRS") == status.get("currentPodHash")
        and status["replicas"] == ctx.replicas
    )


def _calculate_conditions(
    ctx: PlanContext, conds: list[cond.Condition], old: Mapping[str, Any]
) -> list[cond.Condition]:
    """Upstream's calculateRolloutConditions: Healthy, Progressing, Available, Completed."""
    status, now = ctx.status, ctx.now
    paused = bool(status.get("pauseConditions")) or bool(ctx.ro.spec.paused)
    aborted = bool(status.get("abort"))
    healthy = _rollout_healthy(ctx)
    became_unhealthy = False
    if not paused and healthy:
        conds, _ = cond.set_condition(
            conds, cond.new_condition(cond.HEALTHY, True, cond.ROLLOUT_HEALTHY, cond.HEALTHY_MESSAGE, now)
        )
    elif cond.get_condition(conds, cond.HEALTHY) is not None:
        conds, became_unhealthy = cond.set_condition(
            conds,
            cond.new_condition(cond.HEALTHY, False, cond.ROLLOUT_HEALTHY, cond.NOT_HEALTHY_MESSAGE, now),
        )
    if aborted:
        message = cond.aborted_message(ctx.new.revision, ctx.abort_reason)
        conds, changed = cond.set_condition(
            conds, cond.new_condition(cond.PROGRESSING, False, cond.ROLLOUT_ABORTED, message, now)
        )
        if changed:
            ctx.events.append(Event("Warning", cond.ROLLOUT_ABORTED, message))
    else:
        conds = _progressing_condition(ctx, conds, old, healthy, became_unhealthy)
    if ctx.strategy == "blueGreen":
        active = ctx.active
        available = active is not None and active.spec_replicas == active.available_replicas == ctx.replicas
    else:
        available = status["availableReplicas"] >= ctx.replicas
    conds, _ = cond.set_condition(
        conds,
        cond.new_condition(
            cond.AVAILABLE,
            available,
            cond.AVAILABLE_REASON,
            cond.AVAILABLE_MESSAGE if available else cond.NOT_AVAILABLE_MESSAGE,
            now,
        ),
    )
    failure = cond.replica_failure(ctx.new, _all_replica_sets(ctx), now)
    if failure is not None:
        conds, _ = cond.set_condition(conds, failure)
    else:
        conds = cond.remove_condition(conds, cond.REPLICA_FAILURE)
    completed = bool(status.get("stableRS")) and status.get("stableRS") == status.get("currentPodHash")
    conds, changed = cond.set_condition(
        conds,
        cond.new_condition(cond.COMPLETED, completed, cond.ROLLOUT_COMPLETED, cond.ROLLOUT_COMPLETED, now),
    )
    if changed and not completed:
        ctx.events.append(
            Event(
                "Normal",
                cond.ROLLOUT_NOT_COMPLETED,
                cond.not_completed_event_message(ctx.new.revision, status.get("currentPodHash") or ""),
            )
        )
    return conds


def _progressing_condition(
    ctx: PlanContext,
    conds: list[cond.Condition],
    old: Mapping[str, Any],
    healthy: bool,
    became_unhealthy: bool,
) -> list[cond.Condition]:
    status, now = ctx.status, ctx.now
    deadline_seconds = progress_deadline_seconds_or_default(ctx.ro)
    if healthy:
        conds, _ = cond.set_condition(
            conds,
            cond.new_condition(
                cond.PROGRESSING, True, cond.NEW_RS_AVAILABLE, cond.rs_completed_message(ctx.new.name), now
            ),
        )
        return conds
    current = cond.get_condition(conds, cond.PROGRESSING)
    if _made_progress(status, old) or became_unhealthy:
        if became_unhealthy and status.get("stableRS") == status.get("currentPodHash"):
            reason, message = cond.REPLICA_SET_NOT_AVAILABLE, cond.NOT_AVAILABLE_MESSAGE
        else:
            reason, message = cond.REPLICA_SET_UPDATED, cond.rs_progressing_message(ctx.new.name)
        transition = current.last_transition_time if current is not None and current.status == "True" else now
        fresh = cond.Condition(cond.PROGRESSING, "True", reason, message, now, transition)
        conds = [c for c in conds if c.type != cond.PROGRESSING] + [fresh]
    else:
        if not _deadline_exempt(ctx) and timed_out(conds, deadline_seconds, now):
            conds, _ = cond.set_condition(
                conds,
                cond.new_condition(
                    cond.PROGRESSING, False, cond.TIMED_OUT, cond.rs_timed_out_message(ctx.new.name), now
                ),
            )
    deadline = progress_deadline(conds, deadline_seconds)
    if deadline is not None and deadline > now:
        ctx.wakeups.append(deadline + timedelta(seconds=1))
    return conds


def _made_progress(status: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    """Upstream's RolloutProgressing: any observable step forward (bumps lastUpdateTime)."""
    return bool(
        status.get("updatedReplicas") != old.get("updatedReplicas", 0)
        or status["replicas"] - status["updatedReplicas"]
        < old.get("replicas", 0) - old.get("updatedReplicas", 0)
        or status.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or status.get("availableReplicas", 0) > old.get("availableReplicas", 0)
        or status.get("stableRS") != old.get("stableRS")
        or (
            status.get("currentStepIndex") is not None
            and old.get("currentStepIndex") is not None
            and status.get("currentStepIndex") != old.get("currentStepIndex")
        )
        or status.get("currentStepHash") != old.get("currentStepHash")
    )


def _deadline_exempt(ctx: PlanContext) -> bool:
    """Waiting that does not count against the progress deadline: indefinite steps, scale-down delays."""
    step = current_step(ctx.steps, ctx.status.get("currentStepIndex"))
    indefinite = step is not None and step.kind in ("pause", "analysis", "experiment")
    return indefinite or any(rs.scale_down_deadline for rs in ctx.others if ctx.spec_of(rs) > 0)


def _abort_on_progress_deadline(ctx: PlanContext, old: Mapping[str, Any]) -> None:
    """``spec.progressDeadlineAbort``: an in-flight update that stopped progressing is aborted.

    Judged, as upstream does, on the *stored* Progressing condition, and never for a completed
    update, one that progressed in this pass, or one waiting on an exempt step.
    """
    status = ctx.status
    if not ctx.ro.spec.progress_deadline_abort or status.get("abort"):
        return
    if status.get("stableRS") == status.get("currentPodHash") or _made_progress(status, old):
        return
    if _deadline_exempt(ctx):
        return
    stored = [cond.condition_from_dict(c, ctx.now) for c in old.get("conditions") or []]
    if not timed_out(stored, progress_deadline_seconds_or_default(ctx.ro), ctx.now):
        return
    reason = abort_reasons.progress_deadline_reason(ctx.new.name)
    ctx.abort(reason)
    ctx.events.append(Event("Warning", cond.ROLLOUT_ABORTED, reason))
