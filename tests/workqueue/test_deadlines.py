"""DeadlineHeap: at most one deadline per key, the earliest wins, due keys in deadline order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rollouts.workqueue.deadlines import DeadlineHeap


def test_earlier_deadline_wins_and_later_one_is_ignored() -> None:
    heap: DeadlineHeap[str] = DeadlineHeap()
    assert heap.schedule("a", 10.0) is True
    assert heap.schedule("a", 20.0) is False
    assert heap.deadline("a") == 10.0
    assert heap.schedule("a", 5.0) is True
    assert heap.deadline("a") == 5.0
    assert len(heap) == 1
    assert heap.pop_due(4.9) == []
    assert heap.pop_due(5.0) == ["a"]
    assert len(heap) == 0 and "a" not in heap
    # The stale 10.0 entry must not resurface.
    assert heap.pop_due(100.0) == []


def test_schedule_reports_only_a_new_earliest_deadline() -> None:
    heap: DeadlineHeap[str] = DeadlineHeap()
    assert heap.schedule("a", 10.0) is True
    assert heap.schedule("b", 20.0) is False
    assert heap.schedule("c", 1.0) is True
    assert heap.next_deadline() == 1.0


def test_ties_come_out_in_scheduling_order() -> None:
    heap: DeadlineHeap[str] = DeadlineHeap()
    for key in "cab":
        heap.schedule(key, 3.0)
    assert heap.pop_due(3.0) == ["c", "a", "b"]


def test_clear_forgets_everything() -> None:
    heap: DeadlineHeap[str] = DeadlineHeap()
    heap.schedule("a", 1.0)
    heap.clear()
    assert heap.next_deadline() is None and heap.pop_due(10.0) == []


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 50)), max_size=200), st.integers(0, 60))
def test_against_a_dict_model(schedules: list[tuple[str, int]], now: int) -> None:
    heap: DeadlineHeap[str] = DeadlineHeap()
    model: dict[str, float] = {}
    for key, deadline in schedules:
        heap.schedule(key, float(deadline))
        model[key] = min(model.get(key, float("inf")), float(deadline))
        assert len(heap) == len(model)
        # Memory stays proportional to the live keys even when deadlines keep being lowered.
        assert len(heap._heap) <= 2 * len(model) + 17
    due = heap.pop_due(float(now))
    assert sorted(due) == sorted(k for k, d in model.items() if d <= now)
    assert [model[k] for k in due] == sorted(model[k] for k in due)
    assert all(heap.deadline(k) == d for k, d in model.items() if d > now)
