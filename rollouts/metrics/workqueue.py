"""client-go's workqueue metrics (label ``name``), behind the workqueue's metrics-provider interface.

Implements :class:`rollouts.workqueue.metrics.QueueMetricsProvider` structurally: the queue asks
for one instrument per quantity and queue name; this provider hands out views onto shared
families in our registry. Names, types and buckets are
client-go's (``k8s.io/component-base/metrics/prometheus/workqueue``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rollouts.metrics.families import CounterFamily, GaugeFamily, HistogramFamily

#: client-go: exponential buckets from 10 ns, factor 10, 10 buckets
DURATION_BUCKETS = tuple(10.0**exponent for exponent in range(-8, 2))

_NAME = ("name",)


@dataclass(frozen=True, slots=True)
class _Counter:
    family: CounterFamily
    queue: str

    def inc(self) -> None:
        self.family.inc(self.queue)


@dataclass(frozen=True, slots=True)
class _Gauge:
    family: GaugeFamily
    queue: str

    def set(self, value: float) -> None:
        self.family.set(value, self.queue)


@dataclass(frozen=True, slots=True)
class _Histogram:
    family: HistogramFamily
    queue: str

    def observe(self, value: float) -> None:
        self.family.observe(value, self.queue)


class WorkqueueMetricsProvider:
    def __init__(self) -> None:
        self._depth = GaugeFamily("workqueue_depth", "Current depth of workqueue", _NAME)
        self._adds = CounterFamily("workqueue_adds_total", "Total number of adds handled by workqueue", _NAME)
        self._latency = HistogramFamily(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested.",
            _NAME,
            DURATION_BUCKETS,
        )
        self._work_duration = HistogramFamily(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes.",
            _NAME,
            DURATION_BUCKETS,
        )
        self._unfinished = GaugeFamily(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has done that is in progress and hasn't been observed by "
            "work_duration. Large values indicate stuck threads. One can deduce the number of stuck "
            "threads by observing the rate at which this increases.",
            _NAME,
        )
        self._longest = GaugeFamily(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running.",
            _NAME,
        )
        self._retries = CounterFamily(
            "workqueue_retries_total", "Total number of retries handled by workqueue", _NAME
        )

    def depth(self, name: str) -> _Gauge:
        return _Gauge(self._depth, name)

    def adds(self, name: str) -> _Counter:
        return _Counter(self._adds, name)

    def queue_latency(self, name: str) -> _Histogram:
        return _Histogram(self._latency, name)

    def work_duration(self, name: str) -> _Histogram:
        return _Histogram(self._work_duration, name)

    def unfinished_work_seconds(self, name: str) -> _Gauge:
        return _Gauge(self._unfinished, name)

    def longest_running_processor_seconds(self, name: str) -> _Gauge:
        return _Gauge(self._longest, name)

    def retries(self, name: str) -> _Counter:
        return _Counter(self._retries, name)

    def families(self) -> list[CounterFamily | GaugeFamily | HistogramFamily]:
        return [
            self._depth,
            self._adds,
            self._latency,
            self._work_duration,
            self._unfinished,
            self._longest,
            self._retries,
        ]
