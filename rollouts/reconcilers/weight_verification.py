"""Verified weights (beyond upstream): no ReplicaSet scales down until the routers confirm the weight.

Upstream verifies weights only for ALB (behind a flag) and only to gate the completion of a
setWeight step, so a canary (or, with dynamicStableScale, the stable) can lose its pods while the
proxy still sends it traffic — the 503s of upstream's issues #3926, #3333 and #4347. Here, on every
pass of a traffic-routed Rollout, the routers read their objects back after the weights were written
(:meth:`rollouts.trafficrouting.router.TrafficRouter.verify_weight`: the weights are in the object
*and* the proxy's controller reports the object's generation observed, where it reports one), and
the applier holds every ReplicaSet **scale-down** of that pass while any router answers "not yet"
(False). Scale-ups, weight changes, Service selectors and the status go ahead; a router that cannot
tell (None) never holds anything.

The wait never blocks a worker: the pass ends and the Rollout is requeued after
:data:`VERIFY_RETRY_SECONDS` (the next pass plans the same scale-down again and retries). The wait is
bounded: once one desired weight has gone unconfirmed for :data:`VERIFY_TIMEOUT_SECONDS`, the Rollout
gets the condition ``TrafficWeightVerified`` = False, reason ``WeightNotVerified``, and a Warning
Event of that reason naming the weight; scale-downs stay held (taking pods from a backend that may
still get traffic is what this guards against) and retries go on. When the weight is confirmed after
that, the condition turns True (reason ``WeightVerified``) with a Normal Event. A Rollout whose
weights are confirmed in time never gets the condition.

``status.canary.weights.verified`` carries the latest answer, as upstream's field does (left unset
when no router can tell).

The clock starts when this controller first sees the weight unconfirmed; it lives in memory, so a
restarted controller starts a fresh wait (never a shorter one).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rollouts.core import conditions as cond

#: Seconds between read-backs while a weight is unconfirmed (upstream's verify retry is 10 s; a
#: held scale-down costs pods' worth of capacity, so we look more often).
VERIFY_RETRY_SECONDS = 5.0
#: Seconds a desired weight may stay unconfirmed before the condition and Warning Event.
VERIFY_TIMEOUT_SECONDS = 60.0

TRAFFIC_WEIGHT_VERIFIED = "TrafficWeightVerified"  # condition type
WEIGHT_NOT_VERIFIED = "WeightNotVerified"  # condition reason and Warning Event reason
WEIGHT_VERIFIED = "WeightVerified"  # condition reason and Normal Event reason


@dataclass(frozen=True, slots=True)
class VerificationEvent:
    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Verification:
    """What one pass does about the routers' answer."""

    #: Hold this pass's ReplicaSet scale-downs.
    hold_scale_downs: bool
    #: Look again after this many seconds (None: no reason to).
    requeue_after: float | None
    #: The status to write: the plan's, with ``canary.weights.verified`` and the condition folded in.
    status: dict[str, Any]
    event: VerificationEvent | None = None


@dataclass
class WeightVerifier:
    """Tracks, per Rollout key, since when its desired weight has been unconfirmed."""

    retry_seconds: float = VERIFY_RETRY_SECONDS
    timeout_seconds: float = VERIFY_TIMEOUT_SECONDS
    #: key -> (desired canary weight, first seen unconfirmed)
    _waiting: dict[str, tuple[int, datetime]] = field(default_factory=dict)

    def forget(self, key: str) -> None:
        self._waiting.pop(key, None)

    def judge(
        self, key: str, weight: int, verdict: bool | None, status: dict[str, Any], now: datetime
    ) -> Verification:
        """Fold the routers' ``verdict`` on ``weight`` into ``status`` (a copy) and decide the pass."""
        status = copy.deepcopy(status)
        weights = (status.get("canary") or {}).get("weights")
        if isinstance(weights, dict):
            if verdict is None:
                weights.pop("verified", None)
            else:
                weights["verified"] = verdict
        if verdict is not False:
            self.forget(key)
            return Verification(False, None, status, self._confirmed(status, weight, now))
        since = self._since(key, weight, now)
        waited = (now - since).total_seconds()
        event = None
        if waited >= self.timeout_seconds:
            event = self._timed_out(status, weight, waited, now)
        return Verification(True, self.retry_seconds, status, event)

    def _since(self, key: str, weight: int, now: datetime) -> datetime:
        seen = self._waiting.get(key)
        if seen is None or seen[0] != weight:
            seen = self._waiting[key] = (weight, now)
        return seen[1]

    @staticmethod
    def _timed_out(
        status: dict[str, Any], weight: int, waited: float, now: datetime
    ) -> VerificationEvent | None:
        message = (
            f"Traffic weight {weight} not confirmed by the traffic router(s) after {int(waited)}s; "
            "ReplicaSet scale-downs are held until it is"
        )
        condition = cond.new_condition(TRAFFIC_WEIGHT_VERIFIED, False, WEIGHT_NOT_VERIFIED, message, now)
        changed = _set(status, condition)
        return VerificationEvent("Warning", WEIGHT_NOT_VERIFIED, message) if changed else None

    @staticmethod
    def _confirmed(status: dict[str, Any], weight: int, now: datetime) -> VerificationEvent | None:
        """Turn a False condition True (the only time this module writes True)."""
        conds = [cond.condition_from_dict(c, now) for c in status.get("conditions") or []]
        current = cond.get_condition(conds, TRAFFIC_WEIGHT_VERIFIED)
        if current is None or current.status != "False":
            return None
        message = f"Traffic weight {weight} confirmed by the traffic router(s)"
        _set(status, cond.new_condition(TRAFFIC_WEIGHT_VERIFIED, True, WEIGHT_VERIFIED, message, now))
        return VerificationEvent("Normal", WEIGHT_VERIFIED, message)


def _set(status: dict[str, Any], condition: cond.Condition) -> bool:
    conds = [cond.condition_from_dict(c, condition.last_update_time) for c in status.get("conditions") or []]
    conds, changed = cond.set_condition(conds, condition)
    status["conditions"] = [cond.condition_to_dict(c) for c in conds]
    return changed
