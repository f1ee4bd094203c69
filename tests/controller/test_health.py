"""The /healthz report: 200 ok, or 503 naming every failing check."""

from __future__ import annotations

import pytest

from rollouts.controller.health import Health


def test_all_checks_pass() -> None:
    h = Health()
    h.add("a", lambda: True)
    h.add("b", lambda: True)
    assert h.report() == (200, "ok")


def test_failing_checks_are_named() -> None:
    h = Health()
    h.add("leader-lease", lambda: False)
    h.add("caches-synced", lambda: True)
    h.add("workers", lambda: False)
    assert h.report() == (503, "unhealthy: leader-lease, workers")


def test_a_raising_check_fails_instead_of_crashing() -> None:
    def broken() -> bool:
        raise RuntimeError("boom")

    h = Health()
    h.add("broken", broken)
    assert h.report() == (503, "unhealthy: broken")


def test_duplicate_names_are_rejected() -> None:
    h = Health()
    h.add("a", lambda: True)
    with pytest.raises(ValueError, match="already registered"):
        h.add("a", lambda: True)
