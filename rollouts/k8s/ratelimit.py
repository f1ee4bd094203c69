"""A client-side token bucket (client-go's ``--qps``/``--burst``) on an injected clock.

Invariant: over any window of ``t`` seconds at most ``burst + qps * t`` requests pass. Waiters are
served in arrival order because each reserves its token before sleeping (the balance may go
negative: the debt is the queue).
"""

from __future__ import annotations

from rollouts.clock import Clock


class TokenBucket:
    def __init__(self, clock: Clock, qps: float, burst: int) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError(f"qps must be > 0 and burst >= 1 (got qps={qps}, burst={burst})")
        self._clock = clock
        self._qps = qps
        self._burst = float(burst)
        self._tokens = float(burst)
        self._last = clock.monotonic()

    def _refill(self) -> None:
        now = self._clock.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._qps)
        self._last = now

    def reserve(self) -> float:
        """Take one token now; return how long the caller must wait before using it."""
        self._refill()
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self._qps

    async def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await self._clock.sleep(delay)
