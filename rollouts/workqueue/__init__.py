"""Work queues with client-go semantics: de-duplicating, delayed and rate-limited, on asyncio.

A controller's informer handlers ``add`` keys (``namespace/name``); its workers take them::

    async with RateLimitingQueue("Rollouts", clock=clock, metrics=provider) as queue:
        ...  # start workers in a TaskGroup:
        async for key in queue:
            try:
                await reconcile(key)
            except Exception:
                queue.add_rate_limited(key)
            else:
                queue.forget(key)
            finally:
                queue.done(key)

Guarantees (see :mod:`rollouts.workqueue.queue`): a key is held at most once, is never handed to
two workers at once, and a key added while being processed is handed out again after ``done``.

Modules: ``queue`` (the queue), ``rate_limiting`` (plus retry backoff), ``ratelimiters`` (the
backoff policies and the two presets), ``deadlines`` (the delayed keys), ``metrics`` (the metrics
provider interface; the Prometheus binding lives in ``rollouts.metrics``).
"""

from rollouts.workqueue.metrics import (
    METRIC_NAMES,
    NoopMetricsProvider,
    QueueMetricsProvider,
    RecordingMetricsProvider,
)
from rollouts.workqueue.queue import QueueEmpty, QueueShutDown, QueueSnapshot, WorkQueue
from rollouts.workqueue.rate_limiting import RateLimitingQueue
from rollouts.workqueue.ratelimiters import (
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    TokenBucketRateLimiter,
    controller_rate_limiter,
    default_controller_rate_limiter,
)

__all__ = [
    "METRIC_NAMES",
    "ItemExponentialFailureRateLimiter",
    "MaxOfRateLimiter",
    "NoopMetricsProvider",
    "QueueEmpty",
    "QueueMetricsProvider",
    "QueueShutDown",
    "QueueSnapshot",
    "RateLimiter",
    "RateLimitingQueue",
    "RecordingMetricsProvider",
    "TokenBucketRateLimiter",
    "WorkQueue",
    "controller_rate_limiter",
    "default_controller_rate_limiter",
]
