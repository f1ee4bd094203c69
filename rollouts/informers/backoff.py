"""client-go's reflector backoff: 0.8 s doubling to 30 s, full jitter, reset after 2 min healthy.

``next_delay()`` is called each time the reflector must wait before retrying. If the previous
call was more than ``reset_after`` seconds ago (the watch was healthy in between), the sequence
starts again from ``initial``. The jittered delay is ``step * (1 + jitter * r)`` with ``r`` in
[0, 1), so it lies in ``[step, step * (1 + jitter))``.
"""

from __future__ import annotations

import random

from rollouts.clock import Clock


class Backoff:
    def __init__(
        self,
        clock: Clock,
        *,
        initial: float = 0.8,
        maximum: float = 30.0,
        factor: float = 2.0,
        jitter: float = 1.0,
        reset_after: float = 120.0,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock
        self._initial = initial
        self._max = maximum
        self._factor = factor
        self._jitter = jitter
        self._reset_after = reset_after
        self._rng = rng or random.Random()
        self._step = initial
        self._last: float | None = None

    def next_delay(self) -> float:
        now = self._clock.monotonic()
        if self._last is not None and now - self._last > self._reset_after:
            self._step = self._initial
        self._last = now
        step = self._step
        self._step = min(self._step * self._factor, self._max)
        return step * (1 + self._jitter * self._rng.random())
