"""Properties of the Experiment planner over generated experiments and time lines."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollouts.api.analysis import AnalysisPhase
from rollouts.api.experiment import TemplateStatusCode
from tests.core.experiment.world import World, experiment_doc, template_doc

PHASES = {p.value for p in AnalysisPhase}


@st.composite
def worlds(draw: st.DrawFn) -> World:
    count = draw(st.integers(min_value=1, max_value=3))
    templates = [
        template_doc(f"t{i}", ready=draw(st.booleans()), replicas=draw(st.integers(min_value=0, max_value=3)))
        for i in range(count)
    ]
    spec: dict[str, Any] = {
        "progressDeadlineSeconds": draw(st.integers(min_value=1, max_value=60)),
        "scaleDownDelaySeconds": draw(st.integers(min_value=0, max_value=30)),
    }
    duration = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=60)))
    if duration is not None:
        spec["duration"] = f"{duration}s"
    return World(experiment_doc(templates=templates, **spec))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), ticks=st.lists(st.floats(min_value=0, max_value=40), min_size=1, max_size=25))
def test_statuses_only_move_forward_and_replicas_stay_bounded(world: World, ticks: list[float]) -> None:
    completed_templates: dict[str, str] = {}
    completed_phase: str | None = None
    limits = {t["name"]: t.get("replicas", 1) for t in world.experiment["spec"]["templates"]}
    for tick in ticks:
        plan = world.step()
        assert plan.requeue_after is None or plan.requeue_after >= 0
        assert world.phase in PHASES
        if completed_phase is not None:
            assert world.phase == completed_phase, "a finished experiment never changes phase"
        elif AnalysisPhase.is_completed(world.phase):
            completed_phase = world.phase
        for ts in world.status.get("templateStatuses", []):
            if ts["name"] in completed_templates:
                assert ts["status"] == completed_templates[ts["name"]]
            elif TemplateStatusCode.is_completed(ts["status"]):
                completed_templates[ts["name"]] = ts["status"]
        for rs in world.replica_sets.values():
            template = rs["metadata"]["annotations"]["experiment.argoproj.io/template-name"]
            assert 0 <= rs["spec"]["replicas"] <= limits[template]
        world.advance(tick)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds())
def test_every_experiment_with_a_duration_or_a_stuck_template_ends_and_scales_to_zero(world: World) -> None:
    spec = world.experiment["spec"]
    stuck = any(
        t["template"]["metadata"]["labels"].get("rollouts.test/ready") == "false" and t.get("replicas", 1) > 0
        for t in spec["templates"]
    )
    if "duration" not in spec and not stuck:
        spec["duration"] = "5s"
    world.run_until(lambda: AnalysisPhase.is_completed(world.phase), limit=400, tick=5)
    assert world.phase in ({"Failed"} if stuck else {"Successful"})
    world.run_until(
        lambda: all(rs["spec"]["replicas"] == 0 for rs in world.replica_sets.values()), limit=50, tick=5
    )
