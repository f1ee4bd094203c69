"""The Rollout reconciler's router layer for one pass: what to ask the routers, and their Events.

:func:`traffic_route` turns the plan's :class:`~rollouts.core.plan.DesiredTraffic` into a
:class:`~rollouts.trafficrouting.apply.TrafficRequest` for every router the Rollout configures,
with upstream's rules (its reconcileTrafficRouting):

* managed routes (setHeaderRoute / setMirrorRoute) are dropped when the update is fully promoted,
  aborted or being promoted in full;
* otherwise the *current* step's setHeaderRoute / setMirrorRoute is applied, the current step being
  the one the Rollout stood at when the pass began (a route step completes in the pass that sees it,
  so the plan's index has already moved on);
* with ``canary.pingPong`` the routers are handed the Rollout carrying the pass's planned
  ``status.canary.stablePingPong`` (rollouts.core.ping_pong): the plan's weights are for the
  status after this pass, so a promotion that flipped the roles routes its weight 0 to the new
  canary side, i.e. everything to the Service that already selects the new stable pods;
* weights are always read back (``verify``): the answer gates the pass's scale-downs in
  :mod:`.rollout_applier` (see :mod:`.weight_verification`).

A router that cannot bring its objects to the desired state raises; the Rollout then gets a Warning
Event ``TrafficRoutingError`` with the router's message (upstream's reason) and the error goes on to
fail the pass, which is retried with back-off.

The routers' own Events (upstream's reasons for each write: ``CreatingCanaryIngress``,
``PatchingCanaryIngress``, ``PatchingALBIngress``, ``Updated VirtualService``,
``UpdatedDestinationRule``, ``TrafficSplitCreated``, ``TrafficSplitNotCreated``; see
:class:`rollouts.trafficrouting.base.RouterEvent`) are emitted after the routers ran, also when one
failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.api.rollout_status import CanaryStatus, RolloutStatus, WeightDestination
from rollouts.clock import Clock
from rollouts.core.plan import DesiredTraffic, Plan
from rollouts.reconcilers.events import EventRecorder
from rollouts.reconcilers.rollout_applier import TrafficRoute
from rollouts.trafficrouting.apply import TrafficRequest, apply_traffic
from rollouts.trafficrouting.factory import DEFAULT_ROUTER_SETTINGS, RouterSettings
from rollouts.trafficrouting.router import RouterClient, TrafficRoutingError

TRAFFIC_ROUTING_ERROR = "TrafficRoutingError"


def traffic_route(
    client: RouterClient,
    recorder: EventRecorder,
    ro: Rollout,
    rollout: Mapping[str, Any],
    plan: Plan,
    *,
    additional: Sequence[WeightDestination] = (),
    settings: RouterSettings = DEFAULT_ROUTER_SETTINGS,
    clock: Clock | None = None,
) -> TrafficRoute | None:
    """The route for this pass; None when the Rollout has no trafficRouting. ``additional``: the
    running step Experiment's weighted templates (rollouts.core.experiment.rollout_step);
    ``settings``: the controller's router flags; ``clock``: the controller's clock (routers that
    wait, such as Ambassador's, wait on it)."""
    canary = ro.canary
    if canary is None or canary.traffic_routing is None:
        return None
    status = plan.status
    finished = (
        bool(status.get("abort"))
        or bool(status.get("promoteFull"))
        or status.get("stableRS") == status.get("currentPodHash")
    )
    step = None
    index = ro.status.current_step_index if ro.status else None
    same_update = ro.status is not None and ro.status.current_pod_hash == status.get("currentPodHash")
    if not finished and same_update and index is not None and 0 <= index < len(canary.steps or []):
        step = (canary.steps or [])[index]

    async def route(traffic: DesiredTraffic) -> bool | None:
        request = TrafficRequest(
            canary_weight=traffic.canary_weight,
            canary_hash=traffic.canary_hash,
            stable_hash=traffic.stable_hash,
            additional_destinations=additional,
            header_route=step.set_header_route if step is not None else None,
            mirror_route=step.set_mirror_route if step is not None else None,
            remove_managed_routes=finished,
            verify=True,
        )
        routers = []
        try:
            routers = settings.routers(client, _with_planned_ping_pong(ro, status), clock)
            return await apply_traffic(routers, request)
        except TrafficRoutingError as err:
            await recorder.emit(rollout, "Warning", TRAFFIC_ROUTING_ERROR, str(err))
            raise
        finally:
            # what the routers wrote before any failure is still news for the Rollout
            for router in routers:
                for event in getattr(router, "events", ()):
                    await recorder.emit(rollout, event.type, event.reason, event.message)

    return route


def _with_planned_ping_pong(ro: Rollout, status: Mapping[str, Any]) -> Rollout:
    """``ro`` with ``status.canary.stablePingPong`` as planned for this pass (ping-pong only)."""
    canary = ro.canary
    if canary is None or canary.ping_pong is None:
        return ro
    planned = (status.get("canary") or {}).get("stablePingPong")
    stored = ro.status or RolloutStatus()
    stored_canary = stored.canary or CanaryStatus()
    if stored_canary.stable_ping_pong == planned:
        return ro
    recorded = stored_canary.model_copy(update={"stable_ping_pong": planned})
    return ro.model_copy(update={"status": stored.model_copy(update={"canary": recorded})})
