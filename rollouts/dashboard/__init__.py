"""The dashboard: ``kubectl-rollouts dashboard`` serves a live web UI of the rollouts (port 3100).

Design, one module per concept:

* :mod:`.cache` — shared informers (the controller's own) over Rollouts, ReplicaSets, Pods,
  Experiments and AnalysisRuns in one namespace or all; every event bumps the change feed.
* :mod:`.feed` — the change feed: a version counter that live views wait on (coalesces bursts).
* :mod:`.info` — upstream's RolloutInfo JSON, built from the CLI's ``get rollout`` tree model
  (:mod:`rollouts.cli.tree_info`) so the terminal and the page always agree (pure).
* :mod:`.sse` — Server-Sent Events: the wire format and the loop of one live stream.
* :mod:`.api` — the aiohttp handlers and the application; actions call the CLI's
  :mod:`rollouts.cli.actions`, so each button sends exactly the patch the command sends.
* :mod:`.server` — the process: connect, sync the caches, serve, stop on SIGINT/SIGTERM.
* ``static/`` — the page (HTML, CSS, plain JavaScript; no build step, shipped in the wheel).

Reads are served from the caches (no API call per page view); writes go to the API server with
the kubeconfig's credentials and the client's request timeout. Aiohttp and the Kubernetes client
are imported only when the command runs, so ``kubectl-rollouts --help`` stays instant.

The JSON API (paths as upstream's dashboard server; ``{namespace}`` must be the served one when
started with ``--namespace``, else 400):

``GET /api/v1/version``
    ``{"rolloutsVersion": "0.1.0"}``
``GET /api/v1/namespace``
    ``{"namespace": <the page's default>, "availableNamespaces": [...]}`` (namespaces with Rollouts)
``GET /api/v1/rollouts/{namespace}/info``
    ``{"rollouts": [RolloutInfo, ...]}`` sorted by name
``GET /api/v1/rollouts/{namespace}/{name}/info``
    one RolloutInfo (404 when absent)
``GET /api/v1/rollouts/{namespace}/info/watch`` and ``…/{name}/info/watch``
    ``text/event-stream``; each message's data is ``{"type": "ADDED"|"MODIFIED"|"DELETED",
    "rolloutInfo": RolloutInfo}``: first an ADDED for every rollout, then one message per rollout
    whose info changed (a DELETED carries only ``objectMeta``). ``: keep-alive`` comments every
    15 s. Upstream streams newline-delimited ``{"result": …}`` over grpc-gateway instead; SSE is
    what a browser's EventSource reads without a library.
``PUT /api/v1/rollouts/{namespace}/{name}/promote``  body ``{"full": false}`` (optional)
``PUT /api/v1/rollouts/{namespace}/{name}/abort`` | ``…/retry`` | ``…/restart``
    send the CLI's patch (``promote [--full]``, ``abort``, ``retry rollout``, ``restart``) and
    answer with the Rollout as the API server returned it.
``PUT /api/v1/rollouts/{namespace}/{name}/undo/{revision}``
    ``undo --to-revision`` (the page's Rollback button); answers ``{"message": …}`` as the command
    prints it (upstream answers with the Rollout; ours may have patched a workloadRef instead).
``PUT /api/v1/rollouts/{namespace}/{name}/set/{container}/{image}``
    ``set image`` (the image may contain ``/``); answers ``{"message": …}``.

RolloutInfo (see :mod:`.info`): ``objectMeta``, ``status``, ``message``, ``icon``, ``strategy``,
``step`` (``"1/3"``), ``steps``, ``currentStepIndex``, ``setWeight``, ``actualWeight``,
``desired``/``current``/``updated``/``ready``/``available``, ``paused``, ``aborted``,
``restartedAt``, ``generation``, ``containers``, ``initContainers``, ``replicaSets`` (each with
``revision``, role tags ``stable``/``canary``/``active``/``preview``/``ping``/``pong``,
``images`` and ``pods``), ``experiments`` and ``analysisRuns`` (counts, ``jobs``, and
``metrics`` with each metric's phase and latest measurement).

Errors: ``{"error": "<one line>", "code": <status>}`` (see :mod:`.api`).

The page: ``/rollouts`` (``?namespace=``) lists the rollouts of a namespace;
``/rollouts/rollout/{namespace}/{name}`` shows one (upstream's URLs).
"""
