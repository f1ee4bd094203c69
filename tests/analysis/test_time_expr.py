"""Range-query time expressions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rollouts.analysis.time_expr import TimeExprError, eval_time

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("now()", 0),
        ('now() - duration("5m")', -300),
        ("now()+duration('1h30m')", 5400),
        (' now( ) -  duration( "90s" ) ', -90),
    ],
)
def test_accepted_forms(text: str, offset: int) -> None:
    assert eval_time(text, NOW) == NOW + timedelta(seconds=offset)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "unsupported time expression"),
        ("date('2026-01-01')", "unsupported"),
        ('now() - duration("5x")', "invalid duration"),
    ],
)
def test_rejected_forms(text: str, message: str) -> None:
    with pytest.raises(TimeExprError, match=message):
        eval_time(text, NOW)
