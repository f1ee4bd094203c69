"""Which AnalysisRuns a Rollout needs this pass, and what becomes of the others.

Decided from the Rollout's *stored* status, before the step/promotion plan (upstream's order:
the runs are reconciled first, their phases then drive the plan).

* **Current runs** are the ones the status names (``status.canary.currentStepAnalysisRunStatus``,
  ``currentBackgroundAnalysisRunStatus``, ``status.blueGreen.pre/postPromotionAnalysisRunStatus``);
  every other run the Rollout owns is *other*.
* **Everything stops** (current runs terminated; blue-green keeps naming its pre/post runs, the
  canary's are dropped) when the update is fully promoted, aborted, fully promoted by request
  (promoteFull), a fast rollback (to stable, or within the rollbackWindow), the initial deploy,
  or when the pass starts a new update (a changed template or steps: the status is reset).
* **Canary step** (``steps[i].analysis``): nothing changes while paused or aborted; a run of
  another step index or a step that is not an analysis is terminated; otherwise the run is
  created when needed.
* **Canary background** (``canary.analysis``): from ``startingStep`` until fully promoted.
* **Blue-green pre-promotion**: once the new ReplicaSet is saturated (or at previewReplicaCount)
  and before the active Service points at it; **post-promotion**: once the active Service points
  at it, until it is stable. Out of those windows a current run is terminated but kept named.
* A run is **needed** when there is none, after a resume from an Inconclusive pause (the
  controller's pause without a pause-step or blue-green pause condition and the run Inconclusive),
  or after a retry (``abortedAt`` still set in the stored status).
* **Other** runs not completed are terminated; then the clean-up of :mod:`.history`.

Failed/Error/Inconclusive phases are not acted on here: the plan (rollouts.core.plan /
plan_bluegreen) aborts or pauses on the outcomes :func:`outcomes` gives it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rollouts.api.analysis import AnalysisPhase
from rollouts.api.defaults import (
    replicas_or_default,
    successful_run_history_limit_or_default,
    unsuccessful_run_history_limit_or_default,
)
from rollouts.api.rollout import Rollout
from rollouts.core.analysis_templates import TemplateNotFound, Templates, resolve_templates
from rollouts.core.conditions import parse_time
from rollouts.core.pod_hash import pod_template_hash, steps_hash
from rollouts.core.replica_sets import DESIRED_REPLICAS_ANNOTATION, ReplicaSetView, find_new_replica_set
from rollouts.core.rollback import created_before, rollback_within_window
from rollouts.core.rollout_analysis.history import runs_to_delete
from rollouts.core.rollout_analysis.manifest import (
    STEP_INDEX_LABEL,
    RunKind,
    RunPurpose,
    candidate_names,
    new_run,
    reusable,
    with_name,
)
from rollouts.core.steps import BLUE_GREEN_PAUSE, CANARY_PAUSE_STEP, INCONCLUSIVE_ANALYSIS

Obj = Mapping[str, Any]

#: Where each kind's current run is named in the Rollout's status.
STATUS_FIELDS: dict[RunKind, tuple[str, str]] = {
    RunKind.STEP: ("canary", "currentStepAnalysisRunStatus"),
    RunKind.BACKGROUND: ("canary", "currentBackgroundAnalysisRunStatus"),
    RunKind.PRE_PROMOTION: ("blueGreen", "prePromotionAnalysisRunStatus"),
    RunKind.POST_PROMOTION: ("blueGreen", "postPromotionAnalysisRunStatus"),
}


@dataclass(frozen=True, slots=True)
class AnalysisWorld:
    """What the decision reads: the Rollout (model and JSON), its ReplicaSets and AnalysisRuns
    (the ones it controls, as cached) and the templates by name."""

    ro: Rollout
    rollout_json: Obj
    replica_sets: Sequence[Obj]
    runs: Sequence[Obj]
    templates: Templates
    cluster_templates: Templates
    #: The pass's time: a blue-green rollback to a ReplicaSet still inside its scale-down delay is
    #: a fast rollback (None: not considered).
    now: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunToCreate:
    kind: RunKind
    #: The manifest, named with the first name the cache shows free; on AlreadyExists the caller
    #: tries the next :func:`~.manifest.candidate_names` (reusing a run when :func:`reusable`).
    manifest: dict[str, Any]


@dataclass
class AnalysisDecision:
    #: Existing runs that are current after this pass, by kind.
    current: dict[RunKind, Obj] = field(default_factory=dict)
    create: list[RunToCreate] = field(default_factory=list)
    #: Names of runs to cancel (merge patch ``{"spec": {"terminate": true}}``).
    terminate: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    #: Why a needed run could not be built (bad args, templates that do not combine): the
    #: reconciler reports it; the pass goes on without that run.
    errors: list[str] = field(default_factory=list)


def _name(run: Obj) -> str:
    return str((run.get("metadata") or {}).get("name") or "")


def _phase(run: Obj | None) -> str:
    return str(((run or {}).get("status") or {}).get("phase") or "")


def _current_names(status: Obj) -> dict[RunKind, str]:
    names: dict[RunKind, str] = {}
    for kind, (group, key) in STATUS_FIELDS.items():
        entry = (status.get(group) or {}).get(key) or {}
        if entry.get("name"):
            names[kind] = str(entry["name"])
    return names


def _deadline_after(deadline: str, now: datetime) -> bool:
    try:
        return bool(deadline) and parse_time(deadline) > now
    except ValueError:
        return False


def _has_pause(status: Obj, reason: str) -> bool:
    return any(p.get("reason") == reason for p in status.get("pauseConditions") or [])


class _Pass:
    """One decision; ``status`` is the stored status."""

    def __init__(self, world: AnalysisWorld) -> None:
        self.world = world
        self.ro = world.ro
        self.status: Obj = world.ro.status.to_dict() if world.ro.status else {}
        self.decision = AnalysisDecision()
        self.runs = {_name(r): r for r in world.runs}
        names = _current_names(self.status)
        self.current = {kind: self.runs[name] for kind, name in names.items() if name in self.runs}
        #: Named in the status but not cached: a create may find it (AlreadyExists) and reuse it.
        self.named = set(names.values())
        views = [ReplicaSetView(rs) for rs in world.replica_sets]
        template = self.ro.spec.template or {}
        collision = self.status.get("collisionCount")
        self.new_rs = find_new_replica_set(template, collision, views) if template else None
        self.new_hash = self.new_rs.pod_template_hash if self.new_rs else ""
        self.stable_hash = str(self.status.get("stableRS") or "")
        stable = next((rs for rs in views if rs.pod_template_hash == self.stable_hash), None)
        window = self.ro.spec.rollback_window.revisions if self.ro.spec.rollback_window else None
        self.within_window = (
            self.new_rs is not None
            and self.new_rs is not stable
            and rollback_within_window(window, self.new_rs, stable, views)
        )
        self.within_delay = (
            self.ro.blue_green is not None
            and world.now is not None
            and self.new_rs is not None
            and stable is not None
            and created_before(self.new_rs, stable)
            and _deadline_after(self.new_rs.scale_down_deadline, world.now)
        )
        wanted_hash = pod_template_hash(template, collision) if template else ""
        steps = [s.to_dict() for s in self.ro.steps]
        self.resetting = self.status.get("currentPodHash") != (self.new_hash or wanted_hash) or (
            self.ro.canary is not None and self.status.get("currentStepHash") != steps_hash(steps)
        )

    # -- helpers -------------------------------------------------------------------------

    def terminate(self, run: Obj | None) -> None:
        if run is None:
            return
        if AnalysisPhase.is_completed(_phase(run)) or (run.get("spec") or {}).get("terminate"):
            return
        if _name(run) not in self.decision.terminate:
            self.decision.terminate.append(_name(run))

    def needs_new(self, run: Obj | None) -> bool:
        if run is None:
            return True
        status = self.status
        if (
            status.get("controllerPause")
            and not _has_pause(status, CANARY_PAUSE_STEP)
            and not _has_pause(status, BLUE_GREEN_PAUSE)
        ):
            return _phase(run) == AnalysisPhase.INCONCLUSIVE
        return status.get("abortedAt") is not None

    def want(self, purpose: RunPurpose) -> Obj | None:
        """Create (or reuse) the run for ``purpose``; the current run after this pass."""
        if self.new_rs is None or not self.new_hash:
            return None  # the new ReplicaSet is created this pass; the run comes next pass
        world = self.world
        try:
            templates = resolve_templates(purpose.template_refs(), world.templates, world.cluster_templates)
            run = new_run(
                self.ro,
                world.rollout_json,
                purpose,
                templates,
                new_hash=self.new_hash,
                stable_hash=self.stable_hash,
            )
        except (TemplateNotFound, ValueError) as err:
            self.decision.errors.append(str(err))
            return None
        for name in candidate_names(_name(run)):
            existing = self.runs.get(name)
            if existing is None:
                self.decision.create.append(RunToCreate(purpose.kind, with_name(run, name)))
                return None
            if reusable(existing, with_name(run, name)):
                return existing
        raise AssertionError("unreachable: candidate_names never ends")  # pragma: no cover

    # -- the four kinds ------------------------------------------------------------------

    def step(self) -> Obj | None:
        current = self.current.get(RunKind.STEP)
        status = self.status
        if status.get("pauseConditions") or status.get("abort"):
            return current
        steps = self.ro.steps
        index = int(status.get("currentStepIndex") or 0)
        step = steps[index] if steps and index < len(steps) else None
        analysis = step.analysis if step is not None else None
        labels = ((current or {}).get("metadata") or {}).get("labels") or {}
        from_previous_step = current is not None and labels.get(STEP_INDEX_LABEL) != str(index)
        if analysis is None or not analysis.templates or from_previous_step:
            self.terminate(current)
            return None
        if self.needs_new(current):
            return self.want(RunPurpose(RunKind.STEP, analysis, index))
        return current

    def background(self) -> Obj | None:
        current = self.current.get(RunKind.BACKGROUND)
        canary = self.ro.canary
        analysis = canary.analysis if canary is not None else None
        if analysis is None or not analysis.templates:
            self.terminate(current)
            return None
        status = self.status
        steps = self.ro.steps
        index = int(status.get("currentStepIndex") or 0)
        before_start = analysis.starting_step is not None and bool(steps) and index < analysis.starting_step
        if not self.stable_hash or not status.get("currentPodHash") or before_start:
            return None
        if _has_pause(status, INCONCLUSIVE_ANALYSIS):
            return current
        if self.needs_new(current):
            return self.want(RunPurpose(RunKind.BACKGROUND, analysis))
        return current

    def _saturated(self) -> bool:
        new = self.new_rs
        replicas = replicas_or_default(self.ro)
        return (
            new is not None
            and new.spec_replicas == replicas
            and new.annotations.get(DESIRED_REPLICAS_ANNOTATION) == str(replicas)
            and new.available_replicas == replicas
        )

    def _skip_pre(self, current: Obj | None) -> bool:
        active = str((self.status.get("blueGreen") or {}).get("activeSelector") or "")
        if self.stable_hash == self.new_hash or not active or active == self.new_hash or not self.new_hash:
            return True
        if current is not None:
            return False  # started: a dip in availability must not cancel it
        preview = self.ro.blue_green.preview_replica_count if self.ro.blue_green else None
        if preview is not None:
            new = self.new_rs
            return new is None or new.spec_replicas != preview or new.available_replicas != preview
        return not self._saturated()

    def _skip_post(self, current: Obj | None) -> bool:
        active = str((self.status.get("blueGreen") or {}).get("activeSelector") or "")
        if self.stable_hash == self.new_hash or active != self.new_hash or not self.new_hash:
            return True
        return current is None and not self._saturated()

    def promotion(self, kind: RunKind) -> Obj | None:
        current = self.current.get(kind)
        bg = self.ro.blue_green
        assert bg is not None
        pre = kind is RunKind.PRE_PROMOTION
        analysis = bg.pre_promotion_analysis if pre else bg.post_promotion_analysis
        if analysis is None or not analysis.templates:
            self.terminate(current)
            return None
        if self._skip_pre(current) if pre else self._skip_post(current):
            self.terminate(current)
            return current
        if _has_pause(self.status, INCONCLUSIVE_ANALYSIS):
            return current
        if self.needs_new(current):
            return self.want(RunPurpose(kind, analysis))
        return current

    # -- the pass ------------------------------------------------------------------------

    def decide(self) -> AnalysisDecision:
        status = self.status
        stop = (
            self.resetting
            or not self.stable_hash
            or self.stable_hash == status.get("currentPodHash")
            or bool(status.get("abort"))
            or bool(status.get("promoteFull"))
            or self.stable_hash == self.new_hash
            or self.within_window
            or self.within_delay
        )
        kept: dict[RunKind, Obj | None] = {}
        if stop:
            for run in self.current.values():
                self.terminate(run)
            if not self.resetting:
                kept = {k: self.current.get(k) for k in (RunKind.PRE_PROMOTION, RunKind.POST_PROMOTION)}
        elif self.ro.canary is not None:
            kept = {RunKind.STEP: self.step(), RunKind.BACKGROUND: self.background()}
        elif self.ro.blue_green is not None:
            kept = {k: self.promotion(k) for k in (RunKind.PRE_PROMOTION, RunKind.POST_PROMOTION)}
        decision = self.decision
        decision.current = {k: run for k, run in kept.items() if run is not None}
        # Runs current now (or being created) are never "other", even when the stored status
        # did not name them yet (a stale cache): upstream's "rescue".
        keep = {_name(r) for r in decision.current.values()} | {_name(c.manifest) for c in decision.create}
        others = [r for r in self.world.runs if _name(r) not in keep and _name(r) not in self.named]
        dropped = [r for k, r in self.current.items() if _name(r) not in keep and k not in decision.current]
        for run in [*others, *dropped]:
            self.terminate(run)
        decision.delete = runs_to_delete(
            others,
            self.world.replica_sets,
            successful_run_history_limit_or_default(self.ro),
            unsuccessful_run_history_limit_or_default(self.ro),
        )
        return decision


def decide_analysis_runs(world: AnalysisWorld) -> AnalysisDecision:
    """The runs to create, terminate and delete this pass, and the current ones (see the module
    docstring)."""
    return _Pass(world).decide()
