"""Conditions (update rule, texts), phase computation and the progress deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.core import conditions as c
from rollouts.core.phase import Phase, PhaseInputs, rollout_phase
from rollouts.core.progress import progress_deadline, timed_out
from rollouts.core.replica_sets import ReplicaSetView

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


def test_set_condition_is_a_no_op_when_status_and_reason_unchanged() -> None:
    first = c.new_condition(c.PROGRESSING, True, c.REPLICA_SET_UPDATED, "a", T0)
    conds, changed = c.set_condition([], first)
    assert changed and conds == [first]
    again = c.new_condition(c.PROGRESSING, True, c.REPLICA_SET_UPDATED, "other message", T1)
    conds2, changed2 = c.set_condition(conds, again)
    assert not changed2 and conds2 == [first]


def test_set_condition_keeps_transition_time_when_only_reason_changes() -> None:
    avail = c.new_condition(c.AVAILABLE, True, c.AVAILABLE_REASON, c.AVAILABLE_MESSAGE, T0)
    first = c.new_condition(c.PROGRESSING, True, c.REPLICA_SET_UPDATED, "a", T0)
    second = c.new_condition(c.PROGRESSING, True, c.NEW_RS_AVAILABLE, "b", T1)
    conds, _ = c.set_condition([first, avail], second)
    assert [x.type for x in conds] == [c.AVAILABLE, c.PROGRESSING]
    assert conds[1].last_transition_time == T0 and conds[1].last_update_time == T1
    third = c.new_condition(c.PROGRESSING, False, c.TIMED_OUT, "x", T1)
    conds3, _ = c.set_condition(conds, third)
    assert conds3[-1].last_transition_time == T1


def test_messages_match_upstream_texts() -> None:
    assert c.new_rs_created_message("ro-abc") == 'Created new replica set "ro-abc"'
    assert c.rs_progressing_message("ro-abc") == 'ReplicaSet "ro-abc" is progressing.'
    assert c.rs_timed_out_message("ro-abc") == 'ReplicaSet "ro-abc" has timed out progressing.'
    assert c.aborted_message(2) == "Rollout aborted update to revision 2"
    assert (
        c.aborted_message(2, "Step-based analysis phase error/failed")
        == "Rollout aborted update to revision 2: Step-based analysis phase error/failed"
    )
    assert (
        c.scaling_event_message("up", "ro-abc", 3, 0, 2)
        == "Scaled up ReplicaSet ro-abc (revision 3) from 0 to 2"
    )
    assert c.invalid_spec_message("ro", "x: y") == 'The Rollout "ro" is invalid: x: y'


def test_condition_dict_round_trip_and_bad_times() -> None:
    cond = c.new_condition(c.HEALTHY, False, c.ROLLOUT_HEALTHY, c.NOT_HEALTHY_MESSAGE, T0)
    data = c.condition_to_dict(cond)
    assert data["lastUpdateTime"] == "2026-01-01T00:00:00Z"
    assert c.condition_from_dict(data, T1) == cond
    broken = c.condition_from_dict({"type": "Available", "lastUpdateTime": "yesterday"}, T1)
    assert broken.last_update_time == T1 and broken.status == "Unknown"


def _inputs(**kw: object) -> PhaseInputs:
    base: dict[str, object] = dict(
        strategy="canary",
        spec_replicas=3,
        replicas=3,
        updated_replicas=3,
        available_replicas=3,
        current_pod_hash="h2",
        stable_rs="h2",
    )
    base.update(kw)
    return PhaseInputs(**base)  # type: ignore[arg-type]


ABORTED = c.new_condition(c.PROGRESSING, False, c.ROLLOUT_ABORTED, "Rollout aborted update to revision 2", T0)
INVALID = c.new_condition(c.INVALID_SPEC, True, c.INVALID_SPEC_REASON, 'The Rollout "r" is invalid: x', T0)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            _inputs(conditions=[INVALID, ABORTED]),
            (Phase.DEGRADED, 'InvalidSpec: The Rollout "r" is invalid: x'),
        ),
        (
            _inputs(conditions=[ABORTED]),
            (Phase.DEGRADED, "RolloutAborted: Rollout aborted update to revision 2"),
        ),
        (_inputs(spec_paused=True, pause_reasons=["CanaryPauseStep"]), (Phase.PAUSED, "manually paused")),
        (_inputs(pause_reasons=["CanaryPauseStep", "X"]), (Phase.PAUSED, "CanaryPauseStep")),
        (_inputs(restart_at="2026-01-01T00:00:00Z"), (Phase.PROGRESSING, "rollout is restarting")),
        (_inputs(updated_replicas=1), (Phase.PROGRESSING, "more replicas need to be updated")),
        (_inputs(available_replicas=2), (Phase.PROGRESSING, "updated replicas are still becoming available")),
        (_inputs(replicas=4), (Phase.PROGRESSING, "old replicas are pending termination")),
        (_inputs(replicas=4, traffic_routed=True), (Phase.HEALTHY, "")),
        (_inputs(stable_rs="h1"), (Phase.PROGRESSING, "waiting for all steps to complete")),
        (
            _inputs(strategy="blueGreen", active_selector="h1"),
            (Phase.PROGRESSING, "active service cutover pending"),
        ),
        (
            _inputs(
                strategy="blueGreen", active_selector="h2", stable_rs="h1", has_post_promotion_analysis=True
            ),
            (Phase.PROGRESSING, "waiting for analysis to complete"),
        ),
        (
            _inputs(strategy="blueGreen", active_selector="h2", stable_rs="h1"),
            (Phase.PROGRESSING, "waiting for post-promotion verification to complete"),
        ),
        (_inputs(strategy="blueGreen", active_selector="h2", replicas=6), (Phase.HEALTHY, "")),
        (_inputs(), (Phase.HEALTHY, "")),
    ],
)
def test_phase_rules_in_order(inputs: PhaseInputs, expected: tuple[Phase, str]) -> None:
    assert rollout_phase(inputs) == expected


@given(st.booleans(), st.lists(st.sampled_from(["CanaryPauseStep", "BlueGreenPause"]), max_size=2))
def test_degraded_always_wins(paused: bool, reasons: list[str]) -> None:
    phase, _ = rollout_phase(_inputs(conditions=[ABORTED], spec_paused=paused, pause_reasons=reasons))
    assert phase is Phase.DEGRADED


def test_progress_deadline() -> None:
    progressing = c.new_condition(c.PROGRESSING, True, c.REPLICA_SET_UPDATED, "", T0)
    assert not timed_out([progressing], 600, T0 + timedelta(seconds=600))
    assert timed_out([progressing], 600, T0 + timedelta(seconds=601))
    assert progress_deadline([progressing], 600) == T0 + timedelta(seconds=600)
    paused = c.new_condition(c.PROGRESSING, "Unknown", c.ROLLOUT_PAUSED, "", T0)
    assert not timed_out([paused], 1, T1) and progress_deadline([paused], 1) is None
    assert not timed_out([ABORTED], 1, T1)
    assert not timed_out([], 1, T1)
    exceeded = c.new_condition(c.PROGRESSING, False, c.TIMED_OUT, "", T1)
    assert timed_out([exceeded], 600, T1)


def _failing_rs(name: str, message: str, when: str = "2026-01-01T00:05:00Z") -> ReplicaSetView:
    failure = {
        "type": "ReplicaFailure",
        "status": "True",
        "reason": "FailedCreate",
        "message": message,
        "lastTransitionTime": when,
    }
    return ReplicaSetView({"metadata": {"name": name}, "status": {"conditions": [failure]}})


def test_replica_failure_prefers_the_new_replica_set() -> None:
    old = _failing_rs("old", "quota exceeded (old)")
    new = _failing_rs("new", 'pods "x" is forbidden: exceeded quota')
    healthy = ReplicaSetView({"metadata": {"name": "ok"}, "status": {"conditions": []}})
    copied = c.replica_failure(new, [old, new], T0)
    assert copied is not None
    assert (copied.type, copied.status, copied.reason) == ("ReplicaFailure", "True", "FailedCreate")
    assert copied.message == 'pods "x" is forbidden: exceeded quota'
    assert copied.last_update_time == copied.last_transition_time == datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    from_old = c.replica_failure(healthy, [healthy, old], T0)
    assert from_old is not None and from_old.message == "quota exceeded (old)"
    assert c.replica_failure(healthy, [healthy], T0) is None
