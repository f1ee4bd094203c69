"""The kubectl-style command-line tool, ``kubectl-rollouts`` (upstream's kubectl-argo-rollouts).

Design: the command tree (:mod:`.main`, click) only parses flags and prints; each command's work
is an ``async`` function in :mod:`.actions` over a small client protocol (:mod:`.session`), so
tests drive it with a recording fake and e2e drives the real client. What each command sends is
computed by pure functions (:mod:`.patches`, :mod:`.history`, :mod:`.info`), and tables are
laid out like Go's tabwriter (:mod:`.table`).

The Kubernetes client (and with it aiohttp and kubernetes_asyncio) and the pydantic models are
imported only when a command needs them, so ``--help`` and ``completion`` stay instant.

Errors (not found, forbidden, unreachable cluster, unreadable or invalid files) reach the user as
one ``Error: …`` line on stderr and exit status 1, as cobra does upstream; never a traceback.
"""
