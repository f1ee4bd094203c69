"""Rate limiters: how long a key waits before it is re-queued after a failure.

A limiter answers ``when(key)`` — the delay in seconds for the next retry of ``key``, recording the
attempt — and ``forget(key)`` — the key succeeded, clear its history. The semantics are client-go's:

* :class:`ItemExponentialFailureRateLimiter` — per key, ``base * 2**failures`` capped at ``cap``.
  Its per-key counters are the only per-object state here: callers must ``forget`` a key when its
  reconcile succeeds or its object is deleted, or the map grows with every key that ever failed.
* :class:`TokenBucketRateLimiter` — one bucket for all keys (golang.org/x/time/rate): ``burst``
  tokens at the start, refilled at ``qps``; each ``when`` takes a token, borrowing against the
  future when the bucket is empty, so consecutive calls are spaced ``1/qps`` apart.
* :class:`MaxOfRateLimiter` — asks every limiter (so each records the attempt) and waits the longest.

The two presets are the ones the project needs: :func:`controller_rate_limiter` is Argo Rollouts'
(``utils/queue``: per-key exponential from 1 ms to 10 s, no bucket) and
:func:`default_controller_rate_limiter` is client-go's ``DefaultControllerRateLimiter`` (5 ms to
1000 s, max-ed with a 10 qps / 100 burst bucket).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Protocol

from rollouts.clock import Clock

# Beyond this many failures 2**n times any sensible base is above any sensible cap; stopping here
# keeps the arithmetic finite for keys that fail forever.
_MAX_EXPONENT = 62


class RateLimiter(Protocol):
    def when(self, key: Hashable) -> float:
        """Seconds to wait before re-queueing ``key``; counts as one attempt."""
        ...

    def forget(self, key: Hashable) -> None:
        """``key`` succeeded: drop its history."""
        ...

    def num_requeues(self, key: Hashable) -> int:
        """How many attempts are recorded for ``key`` since it was last forgotten."""
        ...


def _require_positive_finite(what: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive finite number of seconds, got {value!r}")


class ItemExponentialFailureRateLimiter:
    """Per-key exponential backoff: ``base``, ``2*base``, ``4*base``, … never above ``cap``."""

    def __init__(self, base: float, cap: float) -> None:
        _require_positive_finite("base delay", base)
        _require_positive_finite("maximum delay", cap)
        if cap < base:
            raise ValueError(f"maximum delay {cap!r} is below the base delay {base!r}")
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, key: Hashable) -> float:
        exponent = self._failures.get(key, 0)
        self._failures[key] = exponent + 1
        if exponent > _MAX_EXPONENT:
            return self.cap
        return min(self.cap, self.base * 2.0**exponent)

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)


class TokenBucketRateLimiter:
    """An overall limit of ``qps`` re-queues per second with bursts of up to ``burst``.

    Invariant: ``_tokens <= burst``; a negative value is the debt of reservations already handed
    out, which the refill pays back before anyone else is served without waiting.
    """

    def __init__(self, qps: float, burst: int, clock: Clock) -> None:
        _require_positive_finite("qps", qps)
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.qps = qps
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock.monotonic()

    def when(self, key: Hashable) -> float:
        now = self._clock.monotonic()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps) - 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, key: Hashable) -> None:
        # The bucket is shared by all keys; a success does not give a token back.
        pass

    def num_requeues(self, key: Hashable) -> int:
        return 0


class MaxOfRateLimiter:
    """The longest delay of several limiters; every one of them records each attempt."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, key: Hashable) -> float:
        return max([limiter.when(key) for limiter in self.limiters])

    def forget(self, key: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(key)

    def num_requeues(self, key: Hashable) -> int:
        return max(limiter.num_requeues(key) for limiter in self.limiters)


def controller_rate_limiter() -> ItemExponentialFailureRateLimiter:
    """Argo Rollouts' queue limiter (``DefaultArgoRolloutsRateLimiter``): 1 ms doubling to 10 s."""
    return ItemExponentialFailureRateLimiter(base=0.001, cap=10.0)


def default_controller_rate_limiter(clock: Clock) -> MaxOfRateLimiter:
    """client-go's ``DefaultControllerRateLimiter``: 5 ms doubling to 1000 s, and 10 qps / 100 burst."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(base=0.005, cap=1000.0),
        TokenBucketRateLimiter(qps=10.0, burst=100, clock=clock),
    )
