"""Upstream's analysis/experiment defaults, read through the resolver functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api import analysis_defaults as d
from rollouts.api.analysis import Metric


def _metric(**fields: object) -> Metric:
    return Metric.model_validate({"name": "m", **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, 1),  # neither count nor interval: one measurement
        ({"interval": "1m"}, None),  # interval only: until terminated
        ({"count": 0, "interval": "1m"}, None),
        ({"count": 0}, 1),
        ({"count": 4, "interval": "1m"}, 4),
        ({"count": "7", "interval": "1m"}, 7),
        ({"count": "{{args.n}}"}, 1),  # unresolved: IntValue is 0
    ],
)
def test_effective_count(fields: dict[str, object], expected: int | None) -> None:
    assert d.effective_count(_metric(**fields)) == expected


def test_limits_default_like_upstream() -> None:
    m = _metric()
    assert (d.failure_limit(m), d.inconclusive_limit(m), d.consecutive_error_limit(m)) == (0, 0, 4)
    assert d.consecutive_success_limit(m) == 0
    m = _metric(failureLimit=-1, inconclusiveLimit="2", consecutiveErrorLimit=0, consecutiveSuccessLimit=3)
    assert (d.failure_limit(m), d.inconclusive_limit(m), d.consecutive_error_limit(m)) == (-1, 2, 0)
    assert d.consecutive_success_limit(m) == 3


@given(st.integers(-(2**31), 2**31 - 1))
def test_int_value_reads_ints_and_numeric_strings_alike(n: int) -> None:
    assert d.int_value(n) == n
    assert d.int_value(str(n)) == n


@given(st.text().filter(lambda s: not s.strip().lstrip("+-").isdigit()))
def test_int_value_of_a_non_numeric_string_is_zero(text: str) -> None:
    assert d.int_value(text) == 0
