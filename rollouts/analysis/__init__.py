"""Metric providers: take measurements over the network for the pure assessment.

Design:

* A provider answers the AnalysisRun reconciler's contract (``run`` / ``resume`` /
  ``terminate``, see :mod:`rollouts.reconcilers.analysis_providers`) for one kind of metric
  source. It receives the metric AFTER ``{{args.*}}`` substitution and never raises for a
  failure of the outside world: an unreachable server, a timeout, a non-2xx answer, a body it
  cannot read or an empty result is a Measurement in phase Error with a clear message.
* Synchronous providers (everything that answers in one request) subclass
  :class:`~.measuring.QueryProvider` and only turn a metric into a :class:`~.measuring.Reading`
  (the value as upstream writes it into ``measurement.value`` and the value the conditions see);
  the phase is decided by the pure core (:func:`rollouts.core.analysis.measurement_verdict`).
* The Job provider is asynchronous: ``run`` creates a batch/v1 Job and returns a Running
  measurement with ``resumeAt``; ``resume`` reads the Job; ``terminate`` deletes it.
* Every request has a timeout (:mod:`.http`). Credentials come from an injected
  :data:`~.secrets.SecretSource`; values that came from Secrets are masked in every message.

Modules: :mod:`.measuring` (the base and the measurement helpers), :mod:`.http` (bounded HTTP
with clear failures), :mod:`.auth` (basic/OAuth2 headers), :mod:`.gofmt` (Go's number text),
:mod:`.secrets` and :mod:`.credentials` (Secret reading and masking), :mod:`.secret_provider`
(the base of credentialed providers), :mod:`.json_path` and :mod:`.time_expr` (small
languages of the Web and Prometheus configs), one module per provider (:mod:`.prometheus`,
:mod:`.web`, :mod:`.job`, :mod:`.datadog`, :mod:`.newrelic`, :mod:`.wavefront`,
:mod:`.influxdb`, :mod:`.graphite`, :mod:`.kayenta`, :mod:`.cloudwatch`, :mod:`.skywalking`)
and :mod:`.registry` (which provider serves a metric).
"""

from rollouts.analysis.measuring import MeasurementError, QueryProvider, Reading, UnsupportedProvider
from rollouts.analysis.registry import Provider, ProviderRegistry
from rollouts.analysis.secrets import SecretSource, SecretUnavailable, kube_secret_source

__all__ = [
    "MeasurementError",
    "Provider",
    "ProviderRegistry",
    "QueryProvider",
    "Reading",
    "SecretSource",
    "SecretUnavailable",
    "UnsupportedProvider",
    "kube_secret_source",
]
