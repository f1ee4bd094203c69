"""The blue-green plan: preview first, then one cut-over of the active Service.

Order of events for an update (upstream's, reference §3.5):

1. the new ReplicaSet is scaled to ``previewReplicaCount`` (or full size) while the old active one
   stays at full size; the preview Service points at the new pods at once;
2. once the new ReplicaSet is fully available: the pre-promotion analysis (its phase is an input),
   then a ``BlueGreenPause`` when ``autoPromotionEnabled`` is false or ``autoPromotionSeconds`` > 0
   (the latter resumes by itself N seconds after the pause started);
3. after the pause: with a preview count the checkpoint ``scaleUpPreviewCheckPoint`` is set and the
   new ReplicaSet grows to full size; when it is saturated the active Service is switched;
4. the post-promotion analysis (input) gates marking the new ReplicaSet stable;
5. the old ReplicaSets get a ``scale-down-deadline`` (``scaleDownDelaySeconds``, default 30) and
   are scaled to zero after it; beyond ``scaleDownDelayRevisionLimit`` (newest first) at once
   (:mod:`rollouts.core.scale_down_limit`).

Fast-tracked (no pause, no pre-promotion gate): promote-full, an active Service without a hash
selector (initial deploy) and an active Service already on the new pods. Abort: the active Service
goes back to the stable pods; the preview Service stays on the new ReplicaSet (upstream's
reconcilePreviewService always selects the new one), which is scaled down after
``abortScaleDownDelaySeconds`` (default 30; 0 keeps it) although the preview still selects it.

Fast rollback (upstream's): back to the stable ReplicaSet, within ``rollbackWindow``, or to an
older ReplicaSet still inside its scale-down delay -- no pause, no analysis, promoted as ``Fast
rollback`` / ``Rollback within window``.

Analysis phases are inputs (the runs are created by rollouts.core.rollout_analysis): Failed/Error
abort, Inconclusive pauses (``InconclusiveAnalysisRun``) until a human resumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rollouts.api.defaults import (
    abort_scale_down_delay_seconds_or_default,
    max_unavailable_or_default,
    replicas_or_default,
    scale_down_delay_seconds_or_default,
)
from rollouts.api.rollout import Rollout
from rollouts.core import abort as abort_reasons
from rollouts.core import conditions as cond
from rollouts.core.plan import (
    Event,
    Plan,
    PlanContext,
    ServiceSelector,
    add_pause,
    find_or_create_new_replica_set,
    finish_plan,
    mark_aborted,
    pause_condition,
    pause_started_at,
    reset_restarted_at,
    restart_pass,
    scale_down_after_deadline,
)
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL, pod_template_hash
from rollouts.core.replica_math import bluegreen_max_unavailable
from rollouts.core.replica_sets import ReplicaSetView
from rollouts.core.rollback import created_before, rollback_within_window
from rollouts.core.scale_down_limit import may_wait_for_deadline, scale_down_revision_limit
from rollouts.core.steps import BLUE_GREEN_PAUSE, INCONCLUSIVE_ANALYSIS
from rollouts.core.workload import with_workload_template

COMPLETED_PHASES = ("Successful", "Failed", "Error", "Inconclusive")


def _selector_hash(service: Mapping[str, Any] | None) -> str | None:
    """The hash a Service selects, or None when its selector has no hash key (never switched)."""
    if service is None:
        return None
    selector = (service.get("spec") or {}).get("selector") or {}
    value = selector.get(POD_TEMPLATE_HASH_LABEL)
    return str(value) if value is not None else None


def plan_bluegreen(
    ro: Rollout,
    replica_sets: Sequence[Mapping[str, Any]],
    services: Mapping[str, Mapping[str, Any]],
    now: datetime,
    *,
    pre_promotion_phase: str | None = None,
    post_promotion_phase: str | None = None,
    pre_promotion_message: str = "",
    post_promotion_message: str = "",
    pods: Sequence[Mapping[str, Any]] | None = None,
    workload: Mapping[str, Any] | None = None,
) -> Plan:
    """Plan one reconciliation of a blue-green Rollout.

    ``services`` maps Service names to Service dicts (at least the active one). The analysis
    phases are those of the current pre-/post-promotion AnalysisRuns (None: none exists yet).
    The messages are those runs' ``status.message``, appended to the abort reason when a run
    fails. ``pods`` (the Rollout's pods) are needed only for a restart (``spec.restartAt``);
    ``workload`` is the object ``spec.workloadRef`` names (rollouts.core.workload).
    Raises ValueError when the Rollout is not blue-green, has no template, or its active Service
    is missing (upstream reports the latter as InvalidSpec before planning).
    """
    ro = with_workload_template(ro, workload)
    strategy = ro.blue_green
    template = ro.spec.template
    if strategy is None or template is None or not strategy.active_service:
        raise ValueError(
            "plan_bluegreen needs a blue-green Rollout with a pod template and an active Service"
        )
    if strategy.active_service not in services:
        raise ValueError(f'service "{strategy.active_service}" not found')
    status: dict[str, Any] = ro.status.to_dict() if ro.status else {}
    collision = status.get("collisionCount")
    replicas = replicas_or_default(ro)
    views = [ReplicaSetView(rs) for rs in replica_sets]
    events: list[Event] = []
    found = find_or_create_new_replica_set(ro, template, collision, views, replicas, events)
    new, created = found.view, found.manifest
    new_hash = new.pod_template_hash or pod_template_hash(template, collision)
    bg = status.setdefault("blueGreen", {})

    changed = status.get("currentPodHash") != new_hash
    if changed:
        reset_restarted_at(ro, status)
        for key in ("pauseConditions", "abort", "abortedAt", "promoteFull"):
            status.pop(key, None)
        status["controllerPause"] = False
        for key in (
            "scaleUpPreviewCheckPoint",
            "prePromotionAnalysisRunStatus",
            "postPromotionAnalysisRunStatus",
        ):
            bg.pop(key, None)
        status["currentPodHash"] = new_hash

    stable_hash = status.get("stableRS") or ""
    stable = next((rs for rs in views if rs.pod_template_hash == stable_hash and rs.name != new.name), None)
    others = [rs for rs in views if rs.name != new.name and (stable is None or rs.name != stable.name)]
    ctx = PlanContext(
        ro, now, replicas, [], 100, False, new, stable, others, status, events, strategy="blueGreen"
    )
    ctx.seed_annotations(found)
    ctx.workload = workload
    window = ro.spec.rollback_window.revisions if ro.spec.rollback_window else None
    ctx.rollback_within_window = rollback_within_window(window, new, stable, views)
    fast_rollback = _fast_rollback(ctx, stable_hash, new_hash)
    if ctx.rollback_within_window:
        for key in ("pauseConditions", "abort", "abortedAt"):
            status.pop(key, None)
        status["controllerPause"] = False
    if not changed:
        # Unlike the canary, blue-green carries on after evicting (upstream's order).
        restart_pass(ctx, pods, bluegreen_max_unavailable(max_unavailable_or_default(ro), replicas))
    ctx.has_preview_service = bool(strategy.preview_service)
    ctx.post_promotion = (
        strategy.post_promotion_analysis is not None and bool(stable_hash),
        post_promotion_phase in COMPLETED_PHASES,
    )

    active_hash = _selector_hash(services[strategy.active_service])
    aborted = bool(status.get("abort"))
    if aborted and stable_hash and stable_hash != new_hash:
        mark_aborted(ctx)
    elif aborted:
        status.pop("abort", None)  # nothing to abort: already promoted
        aborted = False
    if not aborted:
        status.pop("abortedAt", None)  # upstream keeps it only while aborted (a retry clears it)
    halted = bool(ro.spec.paused) or pause_condition(ctx, INCONCLUSIVE_ANALYSIS) is not None
    fast_tracked = (
        bool(status.get("promoteFull")) or fast_rollback or active_hash is None or active_hash == new_hash
    )
    if status.get("promoteFull"):
        status.pop("pauseConditions", None)
        status["controllerPause"] = False

    # 1. sizes
    preview_count = strategy.preview_replica_count
    at_preview_size = (
        preview_count is not None
        and not bg.get("scaleUpPreviewCheckPoint")
        and not fast_tracked
        and not aborted
    )
    new_desired = preview_count if at_preview_size and preview_count is not None else replicas
    if not halted:
        if stable is not None:
            ctx.scale(stable, replicas)
        if not aborted:
            ctx.scale(new, new_desired)
    new_ready = new.spec_replicas == new_desired and new.available_replicas >= new_desired

    # 2. pre-promotion analysis and the pause
    pre_ok = strategy.pre_promotion_analysis is None or fast_tracked or pre_promotion_phase == "Successful"
    if (
        not aborted
        and not halted
        and pre_promotion_phase in abort_reasons.ABORTING_PHASES
        and not fast_tracked
    ):
        aborted = True
        ctx.abort(
            abort_reasons.run_failed_reason(abort_reasons.PRE_PROMOTION_ANALYSIS, pre_promotion_message)
        )
    if not aborted and not fast_tracked and "Inconclusive" in (pre_promotion_phase, post_promotion_phase):
        add_pause(ctx, INCONCLUSIVE_ANALYSIS)  # a human decides; promoting starts a new run
    needs_pause = strategy.auto_promotion_enabled is False or (strategy.auto_promotion_seconds or 0) > 0
    paused_for_promotion = False
    if (
        not aborted
        and not halted
        and new_ready
        and pre_ok
        and not fast_tracked
        and not bg.get("scaleUpPreviewCheckPoint")
        and needs_pause
    ):
        existing = pause_condition(ctx, BLUE_GREEN_PAUSE)
        seconds = strategy.auto_promotion_seconds or 0
        if existing is not None:
            started = pause_started_at(ctx, existing)
            if seconds > 0 and now > started + timedelta(seconds=seconds):
                status["pauseConditions"] = [
                    p for p in status.get("pauseConditions") or [] if p.get("reason") != BLUE_GREEN_PAUSE
                ]
            else:
                paused_for_promotion = True
                if seconds > 0:
                    ctx.wakeups.append(started + timedelta(seconds=seconds + 1))
        elif not status.get("controllerPause"):
            add_pause(ctx, BLUE_GREEN_PAUSE)
            paused_for_promotion = True
            if seconds > 0:
                ctx.wakeups.append(now + timedelta(seconds=seconds + 1))
        # else: the user resumed (controllerPause set, condition removed): carry on.
    promotion_allowed = not aborted and not halted and not paused_for_promotion and pre_ok and new_ready
    if promotion_allowed and at_preview_size:
        bg["scaleUpPreviewCheckPoint"] = True
        ctx.scale(new, replicas)

    # 3. the cut-over
    saturated = (
        ctx.spec_of(new) == replicas and new.spec_replicas == replicas and new.available_replicas >= replicas
    )
    selectors: list[ServiceSelector] = []
    target_active = active_hash
    if aborted and stable_hash:
        target_active = stable_hash
    elif promotion_allowed and saturated:
        target_active = new_hash
    if target_active and target_active != active_hash:
        events.append(
            Event(
                "Normal",
                "SwitchService",
                f"Switched selector for service '{strategy.active_service}' "
                f"from '{active_hash or ''}' to '{target_active}'",
            )
        )
    if target_active:
        if target_active != active_hash:
            selectors.append(ServiceSelector(strategy.active_service, target_active))
        bg["activeSelector"] = target_active
    if strategy.preview_service:
        preview_target = new_hash
        if not halted or aborted:
            if preview_target != _selector_hash(services.get(strategy.preview_service)):
                selectors.append(ServiceSelector(strategy.preview_service, preview_target))
            bg["previewSelector"] = preview_target
    ctx.active = next((rs for rs in [new, *views] if rs.pod_template_hash == bg.get("activeSelector")), None)

    # 4. marking stable
    # The initial deploy and a full promotion skip the post-promotion analysis, as upstream does.
    post_skipped = not stable_hash or bool(status.get("promoteFull")) or fast_rollback
    post_ok = strategy.post_promotion_analysis is None or post_skipped or post_promotion_phase == "Successful"
    if post_promotion_phase in abort_reasons.ABORTING_PHASES and not aborted:
        ctx.abort(
            abort_reasons.run_failed_reason(abort_reasons.POST_PROMOTION_ANALYSIS, post_promotion_message)
        )
    elif bg.get("activeSelector") == new_hash and stable_hash != new_hash and post_ok and not aborted:
        reason = _promotion_reason(ctx, stable_hash, fast_rollback)
        status["stableRS"] = new_hash
        status.pop("promoteFull", None)
        events.append(
            Event(
                "Normal", cond.ROLLOUT_COMPLETED, cond.completed_event_message(new.revision, new_hash, reason)
            )
        )
        if stable is not None:
            ctx.others.append(stable)
        ctx.stable = new

    # 5. old ReplicaSets: delay, then zero; never the ones a Service still selects
    referenced = {bg.get("activeSelector"), bg.get("previewSelector")}
    abort_delay = abort_scale_down_delay_seconds_or_default(ro)  # None: keep the pods
    if not halted:
        delay = scale_down_delay_seconds_or_default(ro)
        waiting = [rs for rs in ctx.others if rs.pod_template_hash not in referenced and ctx.spec_of(rs) > 0]
        kept = may_wait_for_deadline(waiting, scale_down_revision_limit(ro))
        for rs in waiting:
            scale_down_after_deadline(ctx, rs, delay if rs.name in kept else 0)
        # An aborted new ReplicaSet goes down even though the preview Service selects it
        # (never the active one: that is the stable after an abort).
        if aborted and new.pod_template_hash != bg.get("activeSelector") and abort_delay is not None:
            scale_down_after_deadline(ctx, new, abort_delay)

    preview_md = strategy.preview_metadata.to_dict() if strategy.preview_metadata else None
    active_md = strategy.active_metadata.to_dict() if strategy.active_metadata else None
    ctx.new_metadata = active_md if bg.get("activeSelector") == new_hash else preview_md
    ctx.stable_metadata = active_md
    return finish_plan(ctx, created, selectors, None)


def _fast_rollback(ctx: PlanContext, stable_hash: str, new_hash: str) -> bool:
    """Upstream's isFastRollback: back to the stable ReplicaSet, within the rollback window, or
    to a ReplicaSet created before the stable one that still waits out its scale-down deadline."""
    stable = ctx.stable
    if not stable_hash or (stable is None and stable_hash != new_hash):
        return False
    if stable_hash == new_hash:
        return True
    assert stable is not None
    if not created_before(ctx.new, stable):
        return False
    deadline = ctx.new.scale_down_deadline
    within_delay = False
    if deadline:
        try:
            within_delay = cond.parse_time(deadline) > ctx.now
        except ValueError:
            within_delay = False
    return ctx.rollback_within_window or within_delay


def _promotion_reason(ctx: PlanContext, stable_hash: str, fast_rollback: bool) -> str:
    if not stable_hash:
        return "Initial deploy"
    if ctx.status.get("promoteFull"):
        return "Full promotion requested"
    if fast_rollback:
        return "Rollback within window" if ctx.rollback_within_window else "Fast rollback"
    return "Completed blue-green update"
