"""Canary step reading: current weight, setCanaryScale, pause completion, progress threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rollouts.core.steps import (
    CanaryScale,
    current_set_weight,
    current_step,
    parse_steps,
    pause_expires_at,
    pause_step_completed,
    replica_progress_threshold_met,
    set_canary_scale_in_force,
)

STEPS = parse_steps(
    [
        {"setWeight": 20},
        {"pause": {"duration": "1m"}},
        {"setCanaryScale": {"replicas": 3}},
        {"pause": {}},
        {"setWeight": 60},
        {"setCanaryScale": {"matchTrafficWeight": True}},
        {"analysis": {"templates": [{"templateName": "x"}]}},
    ]
)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_parse_rejects_steps_without_exactly_one_kind() -> None:
    with pytest.raises(ValueError, match=r"steps\[1\]: Step must have one of the following set"):
        parse_steps([{"setWeight": 1}, {}])
    with pytest.raises(ValueError, match=r"steps\[0\]"):
        parse_steps([{"setWeight": 1, "pause": {}}])


@pytest.mark.parametrize(
    ("index", "aborted", "expected"),
    [
        (None, False, 20),
        (0, False, 20),
        (3, False, 20),
        (4, False, 60),
        (6, False, 60),
        (7, False, 100),
        (4, True, 0),
    ],
)
def test_current_set_weight(index: int | None, aborted: bool, expected: int) -> None:
    assert current_set_weight(STEPS, index, aborted=aborted, max_weight=100) == expected


def test_weight_before_any_set_weight_is_zero() -> None:
    steps = parse_steps([{"pause": {}}, {"setWeight": 50}])
    assert current_set_weight(steps, 0, aborted=False, max_weight=100) == 0
    assert current_set_weight([], None, aborted=False, max_weight=100) == 100


def test_set_canary_scale() -> None:
    kw = {"traffic_routed": True, "aborted": False, "abort_delay_set": True}
    assert set_canary_scale_in_force(STEPS, 1, **kw) is None
    assert set_canary_scale_in_force(STEPS, 3, **kw) == CanaryScale(replicas=3)
    assert set_canary_scale_in_force(STEPS, 6, **kw) is None  # after matchTrafficWeight
    assert (
        set_canary_scale_in_force(STEPS, 3, traffic_routed=False, aborted=False, abort_delay_set=True) is None
    )
    assert (
        set_canary_scale_in_force(STEPS, 3, traffic_routed=True, aborted=True, abort_delay_set=True) is None
    )
    assert set_canary_scale_in_force(
        STEPS, 3, traffic_routed=True, aborted=True, abort_delay_set=False
    ) == CanaryScale(3)


def test_pause_step_completion() -> None:
    timed = current_step(STEPS, 1)
    indefinite = current_step(STEPS, 3)
    assert timed is not None and indefinite is not None
    assert not pause_step_completed(
        timed, pause_started_at=T0, controller_pause=True, now=T0 + timedelta(seconds=60)
    )
    assert pause_step_completed(
        timed, pause_started_at=T0, controller_pause=True, now=T0 + timedelta(seconds=61)
    )
    assert pause_expires_at(timed, T0) == T0 + timedelta(minutes=1)
    assert not pause_step_completed(
        indefinite, pause_started_at=T0, controller_pause=True, now=T0 + timedelta(days=9)
    )
    # The user removed the pause condition (promote): controllerPause is still set.
    assert pause_step_completed(indefinite, pause_started_at=None, controller_pause=True, now=T0)
    assert not pause_step_completed(indefinite, pause_started_at=None, controller_pause=False, now=T0)
    assert pause_expires_at(indefinite, T0) is None


def test_describe() -> None:
    assert [s.describe() for s in STEPS[:4]] == ["setWeight: 20", "pause: 1m", "setCanaryScale", "pause"]


@pytest.mark.parametrize(
    ("threshold", "available", "spec", "desired", "met"),
    [
        (None, 3, 3, 3, True),
        (None, 2, 3, 3, False),
        (None, 3, 4, 3, False),
        ({"type": "Percent", "value": 70}, 7, 10, 10, True),
        ({"type": "Percent", "value": 70}, 6, 10, 10, False),
        ({"type": "Percent", "value": 70}, 0, 0, 0, True),
        ({"type": "Pods", "value": 2}, 2, 10, 10, True),
        ({"type": "Pods", "value": -1}, 2, 10, 10, False),
    ],
)
def test_replica_progress_threshold(
    threshold: dict[str, object] | None, available: int, spec: int, desired: int, met: bool
) -> None:
    assert replica_progress_threshold_met(threshold, available=available, spec=spec, desired=desired) is met
