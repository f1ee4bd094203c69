"""Prometheus metrics with upstream Argo Rollouts' names, types, labels and help texts.

Design:

* :mod:`.families` — small metric families (labelled counter, gauge, histogram) rendered by a
  custom collector, so that names come out exactly as upstream's and label sets can be removed
  when their object is deleted (no per-object state outlives its object).
* :mod:`.objects` — the ``*_info`` gauges, computed at scrape time from the informer caches
  (read-only walk over the cached dicts: nothing converted or copied per scrape).
* :mod:`.reconcile` — reconcile histograms, error counters, ``rollout_events_total``.
* :mod:`.clientset` — ``controller_clientset_k8s_request_total``, bound to the client's request hook.
* :mod:`.workqueue` — client-go's workqueue metrics behind the workqueue's provider interface.
* :mod:`.registry` — :class:`ControllerMetrics`: one dedicated ``CollectorRegistry`` holding all of
  the above (no process globals), and the text exposition for ``/metrics``.
"""

from rollouts.metrics.registry import ControllerMetrics

__all__ = ["ControllerMetrics"]
