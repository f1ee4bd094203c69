"""Properties of the Rollout-analysis decision over arbitrary stored statuses and the runs the
Rollout owns (the reconciler hands it only those: the AnalysisRun cache's controller-uid index)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.api.analysis import AnalysisPhase
from tests.core.rollout_analysis_world import NEW_HASH, OLD_HASH, canary_rollout, decide, run

STEPS = [{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "t"}]}}, {"pause": {}}]
BACKGROUND = {"templates": [{"templateName": "t"}], "startingStep": 1}
STEP_RUN = f"demo-{NEW_HASH}-2-1"
BACKGROUND_RUN = f"demo-{NEW_HASH}-2"
PHASES = [None, "Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"]

runs_strategy = st.lists(
    st.builds(
        lambda name, kind, phase, pod_hash, index, terminate: run(
            name, kind, phase=phase, pod_hash=pod_hash, step_index=index, terminate=terminate
        ),
        name=st.sampled_from([STEP_RUN, f"{STEP_RUN}.1", BACKGROUND_RUN, "old-a", "old-b", "old-c"]),
        kind=st.sampled_from(["Step", "Background"]),
        phase=st.sampled_from(PHASES),
        pod_hash=st.sampled_from([NEW_HASH, OLD_HASH, "gone"]),
        index=st.sampled_from([0, 1, 2]),
        terminate=st.booleans(),
    ),
    max_size=5,
    unique_by=lambda r: r["metadata"]["name"],
)

status_strategy = st.fixed_dictionaries(
    {
        "currentStepIndex": st.integers(0, 3),
        "abort": st.booleans(),
        "promoteFull": st.booleans(),
        "controllerPause": st.booleans(),
        "stableRS": st.sampled_from([OLD_HASH, NEW_HASH, None]),
    },
    optional={
        "abortedAt": st.just("2026-01-01T00:00:00Z"),
        "pauseConditions": st.sampled_from(
            [
                [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T00:00:00Z"}],
                [{"reason": "InconclusiveAnalysisRun", "startTime": "2026-01-01T00:00:00Z"}],
            ]
        ),
        "canary": st.fixed_dictionaries(
            {},
            optional={
                "currentStepAnalysisRunStatus": st.sampled_from(
                    [{"name": STEP_RUN, "status": "Running"}, {"name": f"{STEP_RUN}.1", "status": ""}]
                ),
                "currentBackgroundAnalysisRunStatus": st.just({"name": BACKGROUND_RUN, "status": "Running"}),
            },
        ),
    },
)


def _name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


@settings(max_examples=300, deadline=None)
@given(status=status_strategy, runs=runs_strategy)
def test_the_decision_is_consistent(status: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    decision = decide(canary_rollout(STEPS, status, analysis=BACKGROUND), runs=runs)
    by_name = {_name(r): r for r in runs}
    current = {_name(r) for r in decision.current.values()}
    created = [_name(c.manifest) for c in decision.create]
    # a run is never both kept and stopped or removed
    assert not current & set(decision.terminate)
    assert not current & set(decision.delete)
    # one run per kind, created under a name nobody holds
    kinds = [c.kind for c in decision.create] + list(decision.current)
    assert len(kinds) == len(set(kinds))
    assert not set(created) & set(by_name)
    # only runs that still measure are terminated, each once
    assert len(decision.terminate) == len(set(decision.terminate))
    for name in decision.terminate:
        terminated = by_name[name]
        assert not AnalysisPhase.is_completed((terminated.get("status") or {}).get("phase"))
        assert not terminated["spec"].get("terminate")
    # a finished update, an aborted or fully promoted one, starts nothing
    if status["abort"] or status["promoteFull"] or status["stableRS"] in (NEW_HASH, None):
        assert decision.create == [] and decision.current == {}
    # a run still measuring for a ReplicaSet that exists is never deleted
    for name in decision.delete:
        deleted = by_name[name]
        phase = (deleted.get("status") or {}).get("phase")
        pod_hash = deleted["metadata"]["labels"]["rollouts-pod-template-hash"]
        assert AnalysisPhase.is_completed(phase) or pod_hash == "gone"
