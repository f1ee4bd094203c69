"""Traffic routers: apply the weights, header routes and mirrors the core asks for.

Design: every router is split in two.

* A **pure** module (``*_objects.py``) turns the current object(s) as plain dicts, the Rollout and
  the desired state into the desired object(s) or patches. It performs no I/O, so it is table-tested
  on exact objects.
* A thin **applier** (``nginx.py``, ``istio.py``, ``smi.py``, ``gatewayapi.py``, ``alb.py``,
  ``traefik.py``, ``ambassador.py``, ``apisix.py``, ``appmesh.py``) reads
  the objects through a :class:`~rollouts.trafficrouting.router.RouterClient` (``KubeClient``
  satisfies it), calls the pure part and writes the result back. Each applier implements the
  :class:`~rollouts.trafficrouting.router.TrafficRouter` protocol the Rollout reconciler calls.

Shared pieces: :mod:`.router` (the protocol, the client protocol, the error type), :mod:`.base`
(the appliers' no-op defaults), :mod:`.config` (reading a router's block of the Rollout),
:mod:`.weights` (stable = 100 - canary - sum(additional); the ``status.canary.weights`` helper),
:mod:`.ownership` (the controller owner reference to the Rollout), :mod:`.resources` (the
third-party kinds), :mod:`.matches` (setHeaderRoute / setMirrorRoute match conversion),
:mod:`.patching` and :mod:`.applying` (minimal merge patches with a resourceVersion precondition),
:mod:`.observed` (whether a mesh/gateway controller has seen the generation written),
:mod:`.factory` (the routers configured on a Rollout), :mod:`.apply` (one reconcile pass over them,
in upstream's order, for the Rollout reconciler).
"""
