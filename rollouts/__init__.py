"""rollouts: a progressive-delivery controller for Kubernetes, drop-in compatible with Argo Rollouts.

Architecture (the import direction runs one way, checked by import-linter in CI):

* ``rollouts.api`` — pydantic models of the argoproj.io/v1alpha1 kinds, and their validation. Pure.
* ``rollouts.expr`` — the success/failure-condition expression language. Pure.
* ``rollouts.core`` — the pure state machines: inputs (objects as data, ``now``) in, a plan out.
* ``rollouts.k8s`` — the only module that talks to the Kubernetes client library.
* ``rollouts.workqueue`` — rate-limited, de-duplicating work queues (client-go semantics).
* ``rollouts.informers`` — reflectors, indexed stores and shared informers over ``rollouts.k8s``.
* ``rollouts.leaderelection`` — Lease-based leader election on a monotonic clock.
* ``rollouts.analysis`` — metric providers (network I/O) feeding the pure assessment.
* ``rollouts.trafficrouting`` — one module per router, applying desired weights.
* ``rollouts.reconcilers`` — Rollout, Experiment and AnalysisRun: cache -> core -> API client.
* ``rollouts.metrics`` — Prometheus metrics with upstream names.
* ``rollouts.controller`` — the process: flags, wiring, health, shutdown.
* ``rollouts.cli`` — the kubectl-style command-line tool and dashboard.
"""
