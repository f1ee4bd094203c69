"""Two controller processes against the local control plane: exactly one leads; SIGKILL of the
leader hands the Lease to the survivor within the lease duration plus the (jittered) retry periods."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

from e2e.harness import ControllerProcess, Kubectl, wait_for
from e2e.test_controller_process import START_TIMEOUT, http_get, lease_spec, start

LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD = 6.0, 4.0, 1.0
FLAGS = (
    "--leader-election-lease-duration",
    f"{LEASE_DURATION:g}s",
    "--leader-election-renew-deadline",
    f"{RENEW_DEADLINE:g}s",
    "--leader-election-retry-period",
    f"{RETRY_PERIOD:g}s",
)
# client-go's acquire loop waits retry * (1 + U[0, 1.2)); the survivor may also first see the
# leader's last renew up to one such wait late. Hence the bound below, plus 1 s of API latency.
HANDOVER_BOUND = LEASE_DURATION + 2 * 2.2 * RETRY_PERIOD + 1.0


def leaders(processes: list[ControllerProcess]) -> list[ControllerProcess]:
    return [p for p in processes if "became leader" in p.log_tail(400)]


def test_exactly_one_leader_and_handover_after_sigkill(
    start_controller: Callable[..., ControllerProcess], namespace: str, kubectl: Kubectl
) -> None:
    started = [start(start_controller, namespace, *FLAGS) for _ in range(2)]
    processes = [p for p, _, _ in started]
    for _, _, healthz in started:
        wait_for(
            lambda healthz=healthz: http_get(healthz, "/healthz") == (200, "ok"),
            timeout=START_TIMEOUT,
            describe="both replicas healthy (leader and standby)",
        )
    holder = wait_for(lambda: lease_spec(kubectl).get("holderIdentity"), timeout=30, describe="a holder")
    time.sleep(3 * RETRY_PERIOD)  # give a second leader every chance to (wrongly) appear
    (leader,) = leaders(processes)
    assert lease_spec(kubectl)["holderIdentity"] == holder
    transitions = lease_spec(kubectl).get("leaseTransitions", 0)
    survivor = next(p for p in processes if p is not leader)

    assert leader.pid is not None
    os.kill(leader.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    new_holder = wait_for(
        lambda: (h := lease_spec(kubectl).get("holderIdentity")) not in ("", holder) and h,
        timeout=HANDOVER_BOUND + 10,
        interval=0.1,
        describe="the survivor taking the Lease",
        diagnose=survivor.log_tail,
    )
    handover = time.monotonic() - killed_at
    print(f"handover after SIGKILL: {handover:.2f}s (bound {HANDOVER_BOUND:g}s)")
    assert handover <= HANDOVER_BOUND
    assert new_holder != holder
    assert lease_spec(kubectl)["leaseTransitions"] == transitions + 1
    wait_for(lambda: "became leader" in survivor.log_tail(400), timeout=5, describe="survivor leading")
    assert survivor.stop() == 0, survivor.log_tail()
