"""The controller process: flags, wiring of informers, queues and reconcilers, health, shutdown.

Design:

* :mod:`.flags` — upstream's flags and defaults parsed into a frozen :class:`~.flags.Options`.
* :mod:`.instance` — the ``--instance-id`` rule as a label selector and as a predicate.
* :mod:`.controllers` — the plug-in interface a reconciler implements (``Controller``), the
  registry ``main`` fills, and the worker loop.
* :mod:`.health` — named health checks behind ``/healthz``.
* :mod:`.http` — the ``/metrics`` and ``/healthz`` servers.
* :mod:`.app` — the lifecycle in one task group: serve, elect, lead (controllers → informers →
  sync → workers), graceful stop releasing the lease, exit 1 on a lost lease.
* :mod:`.main` — the entry point: logging, the real client, Lease adapter, informer factory, signals.
"""
