"""The work queue's metrics, through a small provider interface.

The queue never imports prometheus_client: it asks a :class:`QueueMetricsProvider` for one
instrument per metric, once, when the queue is built, and then only calls ``inc``/``set``/
``observe`` on them. The shapes below are deliberately the method names prometheus_client's own
labelled children already have, so the binding is one line per metric, e.g.
``depth(name) -> Gauge("workqueue_depth", ..., ["name"]).labels(name=name)``.

The metric names and units the binding must use are client-go's (Argo Rollouts exports client-go's
workqueue metrics unchanged); they are listed in :data:`METRIC_NAMES`, all labelled ``name`` with
the queue's name (upstream's queue names are ``Rollouts``, ``Experiments``, ``AnalysisRuns``,
``Services``, ``Ingresses``). Durations are seconds; client-go's histograms use
:data:`DURATION_BUCKETS`.

Two providers ship here: :class:`NoopMetricsProvider` (the default) and
:class:`RecordingMetricsProvider`, which keeps every value in memory for tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol


class Counter(Protocol):
    def inc(self) -> None: ...


class Gauge(Protocol):
    def set(self, value: float) -> None: ...


class Histogram(Protocol):
    def observe(self, value: float) -> None: ...


class QueueMetricsProvider(Protocol):
    """Makes the instruments of one named queue; called once per metric per queue."""

    def depth(self, name: str) -> Gauge: ...

    def adds(self, name: str) -> Counter: ...

    def queue_latency(self, name: str) -> Histogram: ...

    def work_duration(self, name: str) -> Histogram: ...

    def unfinished_work_seconds(self, name: str) -> Gauge: ...

    def longest_running_processor_seconds(self, name: str) -> Gauge: ...

    def retries(self, name: str) -> Counter: ...


METRIC_NAMES: Final[dict[str, str]] = {
    # provider method -> exported metric name (type)
    "depth": "workqueue_depth",  # gauge: keys waiting to be handed out
    "adds": "workqueue_adds_total",  # counter: keys that became pending
    "queue_latency": "workqueue_queue_duration_seconds",  # histogram: pending -> handed out
    "work_duration": "workqueue_work_duration_seconds",  # histogram: handed out -> done
    "unfinished_work_seconds": "workqueue_unfinished_work_seconds",  # gauge: sum of in-flight ages
    "longest_running_processor_seconds": "workqueue_longest_running_processor_seconds",  # gauge
    "retries": "workqueue_retries_total",  # counter: delayed / rate-limited re-adds
}

# client-go's prometheus.ExponentialBuckets(10e-9, 10, 10): ten decades from 10 ns to 10 s.
DURATION_BUCKETS: Final[tuple[float, ...]] = tuple(float(f"1e{exponent}") for exponent in range(-8, 2))


class _Noop:
    def inc(self) -> None:
        pass

    def set(self, value: float) -> None:
        pass

    def observe(self, value: float) -> None:
        pass


_NOOP: Final = _Noop()


class NoopMetricsProvider:
    """Discards everything; the default when a queue is built without a provider."""

    def depth(self, name: str) -> Gauge:
        return _NOOP

    def adds(self, name: str) -> Counter:
        return _NOOP

    def queue_latency(self, name: str) -> Histogram:
        return _NOOP

    def work_duration(self, name: str) -> Histogram:
        return _NOOP

    def unfinished_work_seconds(self, name: str) -> Gauge:
        return _NOOP

    def longest_running_processor_seconds(self, name: str) -> Gauge:
        return _NOOP

    def retries(self, name: str) -> Counter:
        return _NOOP


@dataclass
class RecordedCounter:
    value: int = 0

    def inc(self) -> None:
        self.value += 1


@dataclass
class RecordedGauge:
    value: float = 0.0

    def set(self, value: float) -> None:
        self.value = value


@dataclass
class RecordedHistogram:
    observations: list[float] = field(default_factory=list)

    def observe(self, value: float) -> None:
        self.observations.append(value)


@dataclass
class QueueRecord:
    """Every instrument of one queue, readable by tests."""

    depth: RecordedGauge = field(default_factory=RecordedGauge)
    adds: RecordedCounter = field(default_factory=RecordedCounter)
    queue_latency: RecordedHistogram = field(default_factory=RecordedHistogram)
    work_duration: RecordedHistogram = field(default_factory=RecordedHistogram)
    unfinished_work_seconds: RecordedGauge = field(default_factory=RecordedGauge)
    longest_running_processor_seconds: RecordedGauge = field(default_factory=RecordedGauge)
    retries: RecordedCounter = field(default_factory=RecordedCounter)


class RecordingMetricsProvider:
    """Keeps the values in memory, one :class:`QueueRecord` per queue name (``provider[name]``)."""

    def __init__(self) -> None:
        self.queues: dict[str, QueueRecord] = {}

    def __getitem__(self, name: str) -> QueueRecord:
        return self.queues.setdefault(name, QueueRecord())

    def depth(self, name: str) -> Gauge:
        return self[name].depth

    def adds(self, name: str) -> Counter:
        return self[name].adds

    def queue_latency(self, name: str) -> Histogram:
        return self[name].queue_latency

    def work_duration(self, name: str) -> Histogram:
        return self[name].work_duration

    def unfinished_work_seconds(self, name: str) -> Gauge:
        return self[name].unfinished_work_seconds

    def longest_running_processor_seconds(self, name: str) -> Gauge:
        return self[name].longest_running_processor_seconds

    def retries(self, name: str) -> Counter:
        return self[name].retries
