"""The leader-election state machine (client-go's algorithm, on an injected monotonic clock).

States: *candidate* (trying to acquire every retry period, jittered) -> *leader* (renewing every
retry period) -> *lost* (:meth:`LeaderElector.run` raises :class:`LeadershipLost`).

Invariants:

* Expiry of another holder's lease is judged only from our own monotonic clock: a lease is
  considered expired when ``leaseDurationSeconds`` have passed since we last *saw the record
  change*. The remote ``renewTime`` is never compared with our clock.
* Every write is either a create (the Lease does not exist) or a replace carrying the
  ``resourceVersion`` we read; a conflict means another candidate won the race, never an error.
* A leader steps down when no renew has succeeded for ``renew_deadline`` seconds (network errors
  and timeouts count against it), or at once when the Lease names another holder. The renew
  deadline is shorter than the lease duration, so we stop before any other candidate may start.
* The elector spawns no tasks: it runs inside whatever task calls :meth:`run`; callbacks are plain
  functions that must not block.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from rollouts.clock import Clock
from rollouts.leaderelection.lease_api import LeaseApi, LeaseConflict, LeaseNotFound
from rollouts.leaderelection.record import LeaderElectionRecord, format_micro_time

log = structlog.get_logger("rollouts.leaderelection")

#: client-go's jitter factor for the acquire loop: wait retry * (1 + U[0, 1.2)).
JITTER_FACTOR = 1.2


class LeadershipLost(Exception):
    """Raised by :meth:`LeaderElector.run` when the lease could not be renewed."""


@dataclass(frozen=True, slots=True)
class LeaderElectionConfig:
    name: str
    namespace: str
    identity: str
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def __post_init__(self) -> None:
        if not self.identity:
            raise ValueError("leader election identity must not be empty")
        if not 0 < self.retry_period < self.renew_deadline < self.lease_duration:
            # client-go's own validation: otherwise two leaders could overlap.
            raise ValueError(
                "leader election needs 0 < retry period < renew deadline < lease duration, got "
                f"{self.retry_period}s / {self.renew_deadline}s / {self.lease_duration}s"
            )


def _no_callback() -> None:
    return None


def _ignore_leader(identity: str) -> None:
    return None


def _jittered(seconds: float) -> float:
    return seconds * (1 + random.random() * JITTER_FACTOR)


class LeaderElector:
    def __init__(
        self,
        api: LeaseApi,
        config: LeaderElectionConfig,
        clock: Clock,
        *,
        on_started_leading: Callable[[], None] = _no_callback,
        on_stopped_leading: Callable[[], None] = _no_callback,
        on_new_leader: Callable[[str], None] = _ignore_leader,
        jitter: Callable[[float], float] = _jittered,
    ) -> None:
        self._api = api
        self.config = config
        self._clock = clock
        self._on_started_leading = on_started_leading
        self._on_stopped_leading = on_stopped_leading
        self._on_new_leader = on_new_leader
        self._jitter = jitter
        self._observed: LeaderElectionRecord | None = None
        self._observed_at = 0.0  # monotonic time the observed record last changed
        self._lease: dict[str, Any] | None = None  # the Lease as last read or written
        self._leading = False
        self._last_renew = 0.0  # monotonic time of the last successful acquire/renew

    # ----------------------------------------------------------------- queries

    def is_leader(self) -> bool:
        return self._leading

    @property
    def observed_leader(self) -> str:
        return self._observed.holder_identity if self._observed else ""

    def lease_age(self) -> float | None:
        """Seconds since our last successful renew while leading; None when not leading."""
        if not self._leading:
            return None
        return self._clock.monotonic() - self._last_renew

    def lease_fresh(self) -> bool:
        """True when leading and the last renew is within the renew deadline (for /healthz)."""
        age = self.lease_age()
        return age is not None and age < self.config.renew_deadline

    # ----------------------------------------------------------------- running

    async def run(self) -> None:
        """Acquire the lease, then renew it until lost (raises :class:`LeadershipLost`) or cancelled.

        Cancellation does not release the lease: the owner calls :meth:`release` once its workers
        have stopped, so no other leader starts while our last reconciles still write.
        """
        await self._acquire()
        self._leading = True
        log.info("became leader", lease=self.config.name, identity=self.config.identity)
        self._on_started_leading()
        try:
            await self._renew_until_lost()
        finally:
            self._leading = False
            self._on_stopped_leading()
        raise LeadershipLost(f"lost lease {self.config.namespace}/{self.config.name}")

    async def _acquire(self) -> None:
        while not await self._attempt():
            await self._clock.sleep(self._jitter(self.config.retry_period))

    async def _renew_until_lost(self) -> None:
        cfg = self.config
        while True:
            await self._clock.sleep(cfg.retry_period)
            if await self._attempt():
                continue
            if self._observed is not None and self._observed.holder_identity not in ("", cfg.identity):
                log.warning("lease taken by another holder", holder=self._observed.holder_identity)
                return
            if self._clock.monotonic() - self._last_renew >= cfg.renew_deadline:
                log.error("failed to renew lease within the renew deadline", deadline=cfg.renew_deadline)
                return

    async def release(self) -> bool:
        """Give the lease up (holder cleared, duration 1 s) if we hold it; True when released."""
        if self._observed is None or self._lease is None:
            return False
        if self._observed.holder_identity != self.config.identity:
            return False
        now = format_micro_time(self._clock.now())
        record = LeaderElectionRecord(
            holder_identity="",
            lease_duration_seconds=1,
            acquire_time=now,
            renew_time=now,
            lease_transitions=self._observed.lease_transitions,
        )
        try:
            async with asyncio.timeout(self.config.renew_deadline):
                written = await self._api.replace(self._with_record(self._lease, record))
        except (LeaseConflict, LeaseNotFound):
            return False
        except Exception as exc:  # a release is best effort: the lease expires anyway
            log.warning("failed to release lease", error=str(exc))
            return False
        self._leading = False
        self._remember(written, record)
        log.info("released lease", lease=self.config.name)
        return True

    # ----------------------------------------------------------------- one attempt

    async def _attempt(self) -> bool:
        """One try to acquire or renew. Any failure (conflict, network, timeout) is a False."""
        budget = self.config.renew_deadline
        if self._leading:
            # A leader's call may not outlast its renew deadline: a hung request must not keep us
            # "leading" past the moment another candidate may take the lease.
            budget = max(0.0, self._last_renew + self.config.renew_deadline - self._clock.monotonic())
        try:
            async with asyncio.timeout(budget):
                return await self._try_acquire_or_renew()
        except Exception as exc:  # every failure counts against the deadline, none is fatal
            reason = str(exc) or type(exc).__name__
            log.warning("lease acquire/renew failed", lease=self.config.name, error=reason)
            return False

    async def _try_acquire_or_renew(self) -> bool:
        cfg = self.config
        now = format_micro_time(self._clock.now())
        desired = LeaderElectionRecord(
            holder_identity=cfg.identity,
            lease_duration_seconds=int(cfg.lease_duration),
            acquire_time=now,
            renew_time=now,
            lease_transitions=0,
        )
        try:
            lease = await self._api.get(cfg.name, cfg.namespace)
        except LeaseNotFound:
            body = self._with_record({"metadata": {"name": cfg.name, "namespace": cfg.namespace}}, desired)
            try:
                created = await self._api.create(body, cfg.namespace)
            except LeaseConflict:
                return False
            self._remember(created, desired)
            return True

        current = LeaderElectionRecord.from_lease(lease)
        self._observe(current)
        self._lease = lease
        holder = current.holder_identity
        if holder and holder != cfg.identity and not self._expired(current):
            return False

        if holder == cfg.identity:
            desired = LeaderElectionRecord(
                holder_identity=cfg.identity,
                lease_duration_seconds=desired.lease_duration_seconds,
                acquire_time=current.acquire_time,
                renew_time=now,
                lease_transitions=current.lease_transitions,
            )
        else:
            desired = LeaderElectionRecord(
                holder_identity=cfg.identity,
                lease_duration_seconds=desired.lease_duration_seconds,
                acquire_time=now,
                renew_time=now,
                lease_transitions=current.lease_transitions + 1,
            )
        try:
            written = await self._api.replace(self._with_record(lease, desired))
        except LeaseConflict:
            return False
        self._remember(written, desired)
        return True

    def _expired(self, record: LeaderElectionRecord) -> bool:
        duration = record.lease_duration_seconds or self.config.lease_duration
        return self._observed_at + duration <= self._clock.monotonic()

    def _observe(self, record: LeaderElectionRecord) -> None:
        if record == self._observed:
            return
        previous_holder = self.observed_leader
        self._observed = record
        self._observed_at = self._clock.monotonic()
        if record.holder_identity and record.holder_identity != previous_holder:
            self._on_new_leader(record.holder_identity)

    def _remember(self, lease: dict[str, Any], record: LeaderElectionRecord) -> None:
        self._observe(record)
        self._lease = lease
        if record.holder_identity == self.config.identity:
            self._last_renew = self._clock.monotonic()

    @staticmethod
    def _with_record(lease: dict[str, Any], record: LeaderElectionRecord) -> dict[str, Any]:
        # Keep metadata (and so resourceVersion, the write guard) as read; replace only the spec.
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": lease.get("metadata", {}),
            "spec": record.to_spec(),
        }
