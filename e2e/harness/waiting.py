"""Polling with a deadline, and a useful message when the deadline passes.

:func:`wait_for` is the only way e2e tests wait: no bare ``time.sleep``. The predicate returns
something truthy when done (that value is returned to the caller, so a test can wait for an object
and use it). A :class:`~e2e.harness.kubectl.KubectlError` inside the predicate counts as "not yet"
(the object may not exist yet) but the last one is quoted on timeout, so a persistent error such
as a typo in a kind is not hidden.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from e2e.harness.kubectl import KubectlError

T = TypeVar("T")

Describe = str | Callable[[], str]


class WaitTimeout(AssertionError):
    """The condition did not hold in time. An AssertionError so pytest reports it as a failure."""


def wait_for(
    predicate: Callable[[], T | None],
    *,
    timeout: float,
    describe: Describe,
    interval: float = 0.25,
    diagnose: Callable[[], str] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``predicate`` until it returns a truthy value; return that value.

    ``describe`` says what is awaited (a string, or a callable evaluated only on timeout).
    ``diagnose`` (see :func:`e2e.harness.diagnose.diagnosis`) is called on timeout and its text
    appended to the error: object status, recent Events, the controller's log tail.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    deadline = monotonic() + timeout
    last_error: KubectlError | None = None
    while True:
        try:
            result = predicate()
        except KubectlError as err:
            last_error = err
        else:
            if result:
                return result
        if monotonic() >= deadline:
            break
        sleep(interval)
    what = describe if isinstance(describe, str) else describe()
    lines = [f"timed out after {timeout:g}s waiting for: {what}"]
    if last_error is not None:
        lines.append(f"last kubectl error: {last_error}")
    if diagnose is not None:
        try:
            lines.append(diagnose())
        except Exception as exc:  # a broken diagnosis must not mask the timeout itself
            lines.append(f"(diagnosis failed: {exc!r})")
    raise WaitTimeout("\n".join(lines))
