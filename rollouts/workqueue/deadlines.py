"""Keys waiting for a deadline: the delaying half of the work queue, as a plain data structure.

:class:`DeadlineHeap` holds at most one deadline per key. Scheduling a key that is already waiting
keeps the EARLIER of the two deadlines (client-go's ``AddAfter``): a later request never postpones
work someone already asked for sooner. Due keys come out in deadline order; keys with the same
deadline come out in the order their deadline was set.

It is pure (deadlines are numbers on whatever clock the caller uses) so the queue can poll it on an
injected clock and tests can drive it directly.

Invariants: ``_deadlines`` maps each waiting key to the ``(deadline, sequence)`` of its one live
heap entry; heap entries that no longer match (a deadline was lowered) are stale and skipped when
popped, and the heap is rebuilt when stale entries outnumber live ones, so memory stays
proportional to the number of waiting keys.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class DeadlineHeap(Generic[K]):
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, K]] = []
        self._deadlines: dict[K, tuple[float, int]] = {}
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._deadlines)

    def __contains__(self, key: object) -> bool:
        return key in self._deadlines

    def deadline(self, key: K) -> float | None:
        entry = self._deadlines.get(key)
        return None if entry is None else entry[0]

    def schedule(self, key: K, deadline: float) -> bool:
        """Make ``key`` due at ``deadline`` unless it is already due earlier.

        Returns True when the earliest deadline of the whole heap moved earlier (the caller's
        waiter must then wake up to re-arm its timer).
        """
        current = self._deadlines.get(key)
        if current is not None and current[0] <= deadline:
            return False
        earliest = self.next_deadline()
        entry = (deadline, next(self._sequence))
        self._deadlines[key] = entry
        heapq.heappush(self._heap, (*entry, key))
        self._compact_if_mostly_stale()
        return earliest is None or deadline < earliest

    def next_deadline(self) -> float | None:
        self._drop_stale_top()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[K]:
        """Remove and return every key whose deadline is at or before ``now``, earliest first."""
        due: list[K] = []
        while True:
            self._drop_stale_top()
            if not self._heap or self._heap[0][0] > now:
                return due
            _, _, key = heapq.heappop(self._heap)
            del self._deadlines[key]
            due.append(key)

    def clear(self) -> None:
        self._heap.clear()
        self._deadlines.clear()

    def _is_live(self, deadline: float, sequence: int, key: K) -> bool:
        return self._deadlines.get(key) == (deadline, sequence)

    def _drop_stale_top(self) -> None:
        while self._heap and not self._is_live(*self._heap[0]):
            heapq.heappop(self._heap)

    def _compact_if_mostly_stale(self) -> None:
        if len(self._heap) > 2 * len(self._deadlines) + 16:
            self._heap = [(d, s, k) for k, (d, s) in self._deadlines.items()]
            heapq.heapify(self._heap)
