"""The one gateway to the Kubernetes API: every call into kubernetes_asyncio goes through here.

* :mod:`.resources` — which kind lives at which REST path (``Resource`` and the constants).
* :mod:`.config` — kubeconfig / in-cluster loading (the only use of kubernetes_asyncio).
* :mod:`.client` — :class:`KubeClient`: get/list/watch/create/replace/patch/delete on plain dicts,
  rate-limited, time-bounded and reported per request.
* :mod:`.errors` — :class:`ApiError` decoded from Status bodies, and ``is_*`` predicates.
"""

from rollouts.k8s.client import KubeClient, PatchType, RequestHook, RequestRecord
from rollouts.k8s.errors import (
    ApiError,
    TransportError,
    is_already_exists,
    is_conflict,
    is_gone,
    is_not_found,
)
from rollouts.k8s.resources import Resource

__all__ = [
    "ApiError",
    "KubeClient",
    "PatchType",
    "RequestHook",
    "RequestRecord",
    "Resource",
    "TransportError",
    "is_already_exists",
    "is_conflict",
    "is_gone",
    "is_not_found",
]
