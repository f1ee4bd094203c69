"""The kubectl-style command-line tool, ``kubectl-rollouts`` (upstream's kubectl-argo-rollouts).

Design: the command tree (:mod:`.main`, click) only parses flags and prints; each command's work
is an ``async`` function over a small client protocol (:mod:`.session`), so tests drive it with a
recording fake and e2e drives the real client. What is sent and shown is computed by pure
functions over plain JSON:

* :mod:`.patches` — the patch each mutating command sends (promote's cases, set image);
* :mod:`.history` — ``undo``'s choice of revision and template comparison;
* :mod:`.create` — an AnalysisRun from a template and ``-a`` arguments;
* :mod:`.info` — phase/message as upstream's client shows it, strategy, step, set weight;
* :mod:`.listing`, :mod:`.table` — ``list`` rows, laid out like Go's tabwriter;
* :mod:`.tree_info`, :mod:`.tree_render`, :mod:`.pod_status`, :mod:`.icons` — ``get``'s tree;
* :mod:`.lint` — offline validation with the controller's validators and messages.

The I/O lives in :mod:`.actions` (mutating commands), :mod:`.status`, :mod:`.get` and
:mod:`.list_watch` (reading and following), :mod:`.kubeconfig` (which file and namespace).

The Kubernetes client (and with it aiohttp and kubernetes_asyncio) and the pydantic models are
imported only when a command needs them, so ``--help`` and ``completion`` stay instant.

Errors (not found, forbidden, unreachable cluster, unreadable or invalid files) reach the user as
one ``Error: …`` line on stderr and exit status 1, as cobra does upstream; never a traceback.
"""
