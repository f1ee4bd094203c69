"""Labelled counter and histogram families, exposed through one custom collector.

Why not prometheus_client's Counter/Histogram: upstream's counters ``rollout_reconcile_error`` and
friends carry no ``_total`` suffix, which prometheus_client's Counter always adds, and its metrics
also expose ``_created`` series upstream does not have. These families render exactly the names
given. A counter whose name ends in ``_total`` is typed ``counter``; one that does not (only
upstream's legacy names) is exposed untyped, because the text format requires a counter's series to
end in ``_total`` — the series name, which dashboards and alerts query, stays upstream's.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

LabelValues = tuple[str, ...]


def _matches(values: LabelValues, names: Sequence[str], partial: dict[str, str]) -> bool:
    return all(values[names.index(k)] == v for k, v in partial.items())


@dataclass
class CounterFamily:
    name: str
    help: str
    labels: tuple[str, ...]
    values: dict[LabelValues, float] = field(default_factory=dict)

    def inc(self, *label_values: str, amount: float = 1.0) -> None:
        if len(label_values) != len(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}, got {label_values}")
        self.values[label_values] = self.values.get(label_values, 0.0) + amount

    def remove_matching(self, **partial: str) -> None:
        for key in [k for k in self.values if _matches(k, self.labels, partial)]:
            del self.values[key]

    def collect(self) -> Metric:
        if self.name.endswith("_total"):
            metric = Metric(self.name[: -len("_total")], self.help, "counter")
        else:
            metric = Metric(self.name, self.help, "unknown")
        for values, value in self.values.items():
            metric.add_sample(self.name, dict(zip(self.labels, values, strict=True)), value)
        return metric


@dataclass
class GaugeFamily:
    name: str
    help: str
    labels: tuple[str, ...]
    values: dict[LabelValues, float] = field(default_factory=dict)

    def set(self, value: float, *label_values: str) -> None:
        if len(label_values) != len(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}, got {label_values}")
        self.values[label_values] = value

    def collect(self) -> Metric:
        metric = Metric(self.name, self.help, "gauge")
        for values, value in self.values.items():
            metric.add_sample(self.name, dict(zip(self.labels, values, strict=True)), value)
        return metric


@dataclass
class _Observations:
    bucket_counts: list[int]
    total: float = 0.0
    count: int = 0


@dataclass
class HistogramFamily:
    name: str
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...]
    series: dict[LabelValues, _Observations] = field(default_factory=dict)

    def observe(self, value: float, *label_values: str) -> None:
        if len(label_values) != len(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}, got {label_values}")
        obs = self.series.get(label_values)
        if obs is None:
            obs = self.series[label_values] = _Observations([0] * len(self.buckets))
        # bucket counts are per-bucket here and made cumulative when rendered
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.buckets):
            obs.bucket_counts[index] += 1
        obs.total += value
        obs.count += 1

    def remove_matching(self, **partial: str) -> None:
        for key in [k for k in self.series if _matches(k, self.labels, partial)]:
            del self.series[key]

    def collect(self) -> Metric:
        metric = Metric(self.name, self.help, "histogram")
        for values, obs in self.series.items():
            labels = dict(zip(self.labels, values, strict=True))
            cumulative = 0
            for bound, n in zip(self.buckets, obs.bucket_counts, strict=True):
                cumulative += n
                metric.add_sample(self.name + "_bucket", {**labels, "le": _le(bound)}, cumulative)
            metric.add_sample(self.name + "_bucket", {**labels, "le": "+Inf"}, obs.count)
            metric.add_sample(self.name + "_sum", labels, obs.total)
            metric.add_sample(self.name + "_count", labels, obs.count)
        return metric


def _le(bound: float) -> str:
    # Go's shortest float formatting, as upstream renders ``le``: 1 -> "1", 0.15 -> "0.15".
    if math.isinf(bound):
        return "+Inf"
    text = repr(float(bound))
    return text[:-2] if text.endswith(".0") else text


class FamiliesCollector(Collector):
    """Exposes a fixed set of families; registered once in a registry."""

    def __init__(self, families: Sequence[CounterFamily | GaugeFamily | HistogramFamily]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        for family in self._families:
            yield family.collect()
