"""Canary ping-pong: two Services that take turns being the stable one.

With ``spec.strategy.canary.pingPong`` the controller never moves the stable Service's selector
during an update. Instead, of the two Services ``pingService`` and ``pongService`` one is the
stable side (it keeps selecting the stable pods) and the other the canary side (it is pointed at
the new pods as soon as an update starts). When the update is promoted in full the roles swap:
the canary side, already selecting the new pods, becomes the stable side, and the former stable
side becomes the canary side of the next update.

``status.canary.stablePingPong`` records the stable side, ``"ping"`` or ``"pong"``. As upstream:

* only the exact value ``"ping"`` makes the ping Service stable; an empty or absent value means
  the pong Service is stable (so that the first promotion — the initial deploy — flips it to
  ``"ping"``, the ping Service having been pointed at the first ReplicaSet as the canary side);
* every promotion that changes ``status.stableRS`` flips the value;
* an abort changes nothing: the canary side keeps the aborted pods while the routers send it no
  traffic.

Which names the routers use (:func:`stable_and_canary_services`): the ALB router prefers the
ping-pong pair whenever ping-pong is configured; the other routers (Istio) use
``stableService``/``canaryService`` and fall back to the ping-pong pair only when neither is set.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from typing import Final

from rollouts.api.rollout import CanaryStrategy

PING: Final = "ping"
PONG: Final = "pong"


def stable_is_ping(stable_ping_pong: str | None) -> bool:
    """Whether the ping Service is the stable side; anything but ``"ping"`` means pong is."""
    return stable_ping_pong == PING


def flipped(stable_ping_pong: str | None) -> str:
    """``status.canary.stablePingPong`` after a promotion swapped the roles."""
    return PONG if stable_is_ping(stable_ping_pong) else PING


def ping_pong_services(canary: CanaryStrategy, stable_ping_pong: str | None) -> tuple[str, str]:
    """(stable, canary) Service names of the ping-pong pair for the given recorded stable side.

    Raises ValueError when the canary has no ``pingPong`` (callers check first).
    """
    spec = canary.ping_pong
    if spec is None:
        raise ValueError("the canary strategy has no pingPong")
    ping, pong = spec.ping_service or "", spec.pong_service or ""
    return (ping, pong) if stable_is_ping(stable_ping_pong) else (pong, ping)


def stable_and_canary_services(
    canary: CanaryStrategy, stable_ping_pong: str | None, *, ping_pong_preferred: bool
) -> tuple[str, str]:
    """(stable, canary) Service names a router should use.

    ``ping_pong_preferred``: take the ping-pong pair whenever ``pingPong`` is set (ALB); otherwise
    only when neither ``stableService`` nor ``canaryService`` is set (Istio), so that a Rollout
    naming both kinds keeps routing to stableService/canaryService.
    """
    if canary.ping_pong is not None and (
        ping_pong_preferred or not (canary.stable_service or canary.canary_service)
    ):
        return ping_pong_services(canary, stable_ping_pong)
    return canary.stable_service or "", canary.canary_service or ""


def ping_pong_selectors(
    canary: CanaryStrategy,
    *,
    recorded_before: str | None,
    recorded_after: str | None,
    stable_hash: str,
    current_hash: str,
) -> list[tuple[str, str]]:
    """(Service, pod-template-hash) selectors the ping-pong pair needs after one pass.

    ``recorded_before``/``recorded_after``: ``status.canary.stablePingPong`` at the start and at
    the end of the pass; ``stable_hash``/``current_hash``: ``status.stableRS`` and
    ``status.currentPodHash`` at the end of the pass.

    * While an update is in flight (stable != current, also when aborted) the canary side selects
      the new pods, at once: upstream does not wait for them to be available, the routers keep
      its weight at 0 until they are.
    * In the pass that promoted (the recorded side flipped), the new stable side — the former
      canary side — selects the new stable pods: upstream pointed it there earlier in that same
      pass, before the flip (this is also how the initial deploy reaches ping).
    * The stable side is otherwise never touched, as upstream.
    """
    if canary.ping_pong is None:
        return []
    stable_svc, canary_svc = ping_pong_services(canary, recorded_after)
    if current_hash and stable_hash != current_hash and canary_svc:
        return [(canary_svc, current_hash)]
    if recorded_before != recorded_after and stable_svc and stable_hash:
        return [(stable_svc, stable_hash)]
    return []
