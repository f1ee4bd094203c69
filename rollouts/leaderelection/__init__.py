"""Lease-based leader election (coordination.k8s.io/v1), our own implementation of client-go's algorithm.

Design:

* :mod:`.record` — the leader-election record read from / written into a Lease, and its wire format.
* :mod:`.lease_api` — the three calls the elector makes (get, create, replace) as a Protocol, with
  an adapter over :class:`rollouts.k8s.client.KubeClient`. Errors are translated into
  :class:`LeaseNotFound` / :class:`LeaseConflict` so the state machine does not know HTTP.
* :mod:`.elector` — the state machine. Every expiry decision is measured on OUR monotonic clock
  from the moment we last saw the record change; remote timestamps are written for humans and
  other implementations but never trusted for expiry (clocks across nodes disagree).
"""

from rollouts.leaderelection.elector import LeaderElectionConfig, LeaderElector, LeadershipLost
from rollouts.leaderelection.lease_api import LeaseApi, LeaseConflict, LeaseNotFound
from rollouts.leaderelection.record import LeaderElectionRecord, default_identity, lease_name

__all__ = [
    "LeaderElectionConfig",
    "LeaderElectionRecord",
    "LeaderElector",
    "LeadershipLost",
    "LeaseApi",
    "LeaseConflict",
    "LeaseNotFound",
    "default_identity",
    "lease_name",
]
