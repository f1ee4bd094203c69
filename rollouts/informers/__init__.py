"""Reflectors, indexed stores and shared informers (client-go's semantics, on asyncio).

* :mod:`.source` — what is listed and watched (a Protocol; bound to the client by
  :class:`ClientListWatch`).
* :mod:`.reflector` — list, then watch from the list's resourceVersion; relist on 410; restart a
  stuck watch; back off on faults.
* :mod:`.backoff` — client-go's reflector backoff.
* :mod:`.store` — the indexed cache (objects are shared, immutable by contract).
* :mod:`.trim` — what is dropped before caching.
* :mod:`.handlers` — handler protocol and tombstones.
* :mod:`.shared` — :class:`SharedInformer`: one list+watch, many handlers, resync.
* :mod:`.factory` — :class:`SharedInformerFactory`: one informer per (resource, namespace,
  selector), all in one TaskGroup.
"""

from rollouts.informers.factory import ROLLOUTS_POD_TEMPLATE_HASH, SharedInformerFactory
from rollouts.informers.handlers import DeletedFinalStateUnknown, EventHandler, FuncHandler, deleted_object
from rollouts.informers.shared import SharedInformer
from rollouts.informers.store import BY_CONTROLLER_UID, BY_NAMESPACE, Store, object_key

__all__ = [
    "BY_CONTROLLER_UID",
    "BY_NAMESPACE",
    "ROLLOUTS_POD_TEMPLATE_HASH",
    "DeletedFinalStateUnknown",
    "EventHandler",
    "FuncHandler",
    "SharedInformer",
    "SharedInformerFactory",
    "Store",
    "deleted_object",
    "object_key",
]
