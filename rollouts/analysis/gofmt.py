"""Numbers written as upstream's Go code writes them into ``measurement.value``.

Prometheus' ``SampleValue.String()`` is ``strconv.FormatFloat(v, 'f', -1, 64)``: the shortest
decimal that round-trips, never in exponent form, and ``NaN`` / ``+Inf`` / ``-Inf``.
Graphite's provider uses ``%f`` (six decimals).
"""

from __future__ import annotations

import math
from decimal import Decimal


def shortest_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(value, 'f', -1, 64)``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    # repr is the shortest round-tripping text; Decimal re-renders it without an exponent
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fixed_six(value: float) -> str:
    """Go's ``fmt.Sprintf("%f", value)``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.6f}"
