"""Go's number formatting, secret decoding and masking."""

from __future__ import annotations

import base64
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.analysis.gofmt import fixed_six, shortest_float
from rollouts.analysis.measuring import REDACTED, redact
from rollouts.analysis.secrets import SecretUnavailable, decode_secret_data


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (1e-07, "0.0000001"),
        (1e21, "1000000000000000000000"),
        (-2.25, "-2.25"),
        (0.0, "0"),
        (-0.0, "0"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
    ],
)
def test_shortest_float_examples(value: float, text: str) -> None:
    assert shortest_float(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_shortest_float_round_trips_without_exponent(value: float) -> None:
    text = shortest_float(value)
    assert "e" not in text.lower()
    assert float(text) == value


def test_fixed_six() -> None:
    assert fixed_six(2.5) == "2.500000"
    assert fixed_six(math.nan) == "NaN"


@given(st.text(min_size=1), st.lists(st.text(min_size=3), max_size=4))
def test_redact_leaves_no_secret(text: str, secrets: list[str]) -> None:
    masked = redact(text + "".join(secrets), secrets)
    for secret in secrets:
        if secret not in REDACTED:
            assert secret not in masked.replace(REDACTED, "\0")


def test_decode_secret_data() -> None:
    encoded = {"data": {"api-key": base64.b64encode(b"k-123").decode()}}
    assert decode_secret_data(encoded, "ns", "dd") == {"api-key": "k-123"}
    with pytest.raises(SecretUnavailable, match="key 'api-key' of secret ns/dd is not valid base64"):
        decode_secret_data({"data": {"api-key": "!!!"}}, "ns", "dd")
