"""``/healthz``: real health, not a constant "ok".

Each check is a named predicate; the endpoint answers 200 ``ok`` when all pass, else 503 naming
every failing check. The app registers checks that only bite while leading (a standby replica has
no caches or workers to be unhealthy about, and must not be restarted for waiting):

* ``leader-lease`` — the lease was renewed within the renew deadline;
* ``caches-synced`` — every informer cache has synced;
* ``workers`` — every worker task is still running.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

log = structlog.get_logger("rollouts.controller.health")


class Health:
    def __init__(self) -> None:
        self._checks: dict[str, Callable[[], bool]] = {}

    def add(self, name: str, check: Callable[[], bool]) -> None:
        if name in self._checks:
            raise ValueError(f"health check {name!r} is already registered")
        self._checks[name] = check

    def failures(self) -> list[str]:
        failed = []
        for name, check in self._checks.items():
            try:
                ok = check()
            except Exception as exc:  # a broken check is a failing check, never a crashed endpoint
                log.warning("health check raised", check=name, error=str(exc))
                ok = False
            if not ok:
                failed.append(name)
        return failed

    def report(self) -> tuple[int, str]:
        """(HTTP status, body) for ``/healthz``."""
        failed = self.failures()
        if not failed:
            return 200, "ok"
        return 503, "unhealthy: " + ", ".join(failed)
