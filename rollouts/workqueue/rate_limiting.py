"""The rate-limited work queue: :class:`~rollouts.workqueue.queue.WorkQueue` plus retry backoff.

A reconcile that fails calls :meth:`RateLimitingQueue.add_rate_limited` (re-queue after the
limiter's delay); one that succeeds calls :meth:`RateLimitingQueue.forget` so the key's next
failure starts again from the base delay — and so the limiter's per-key state does not outlive
the object. The default limiter is Argo Rollouts' (1 ms doubling to 10 s).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

from rollouts.clock import Clock
from rollouts.workqueue.metrics import QueueMetricsProvider
from rollouts.workqueue.queue import WorkQueue
from rollouts.workqueue.ratelimiters import RateLimiter, controller_rate_limiter

K = TypeVar("K", bound=Hashable)


class RateLimitingQueue(WorkQueue[K]):
    def __init__(
        self,
        name: str,
        *,
        clock: Clock,
        rate_limiter: RateLimiter | None = None,
        metrics: QueueMetricsProvider | None = None,
    ) -> None:
        super().__init__(name, clock=clock, metrics=metrics)
        self.rate_limiter = rate_limiter if rate_limiter is not None else controller_rate_limiter()

    def add_rate_limited(self, key: K) -> None:
        """Re-queue ``key`` after the limiter's delay for it (one more recorded failure)."""
        if self.shutting_down:
            return
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: K) -> None:
        """``key`` succeeded (or its object is gone): clear its failure history."""
        self.rate_limiter.forget(key)

    def num_requeues(self, key: K) -> int:
        return self.rate_limiter.num_requeues(key)
