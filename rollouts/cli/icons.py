"""The status symbols and tree icons of upstream's ``get`` output, and their ANSI colours."""

from __future__ import annotations

WAITING = "◷"
PROGRESSING = "◌"
WARNING = "⚠"
UNKNOWN = "?"
OK = "✔"
BAD = "✖"
PAUSED = "॥"
NEUTRAL = "•"

ROLLOUT = "⟳"
REVISION = "#"
REPLICA_SET = "⧉"
POD = "□"
JOB = "⊞"
EXPERIMENT = "Σ"
ANALYSIS = "\u03b1"  # alpha

_GREEN, _RED, _YELLOW, _HI_BLUE = 32, 31, 33, 94

#: word or symbol -> ANSI colour; anything else gets code 0 (upstream still wraps it, see paint)
COLORS: dict[str, int] = {
    WAITING: _YELLOW,
    PROGRESSING: _HI_BLUE,
    WARNING: _RED,
    UNKNOWN: _YELLOW,
    OK: _GREEN,
    BAD: _RED,
    "canary": _YELLOW,
    "stable": _GREEN,
    "active": _GREEN,
    "preview": _HI_BLUE,
    "ping": _HI_BLUE,
    "pong": _HI_BLUE,
    "Pending": _HI_BLUE,
    "Running": _HI_BLUE,
}


def paint(text: str, key: str, color: bool) -> str:
    """``text`` in the colour of ``key``. Upstream wraps even uncoloured text (code 0) when colour
    is on, so that every cell carries escapes; the table width ignores them either way."""
    if not color:
        return text
    return f"\x1b[{COLORS.get(key, 0)}m{text}\x1b[0m"


def analysis_icon(phase: str) -> str:
    return {
        "Successful": OK,
        "Inconclusive": UNKNOWN,
        "Failed": BAD,
        "Error": WARNING,
        "Running": PROGRESSING,
        "Pending": WAITING,
    }.get(phase, " ")


def rollout_icon(status: str) -> str:
    return {
        "Progressing": PROGRESSING,
        "Error": WARNING,
        "InvalidSpec": WARNING,
        "Paused": PAUSED,
        "Healthy": OK,
        "Degraded": BAD,
        "Unknown": UNKNOWN,
        "ScaledDown": NEUTRAL,
    }.get(status, " ")


def replica_set_icon(status: str) -> str:
    return {"Progressing": PROGRESSING, "Healthy": OK, "ReplicaFailure": BAD, "ScaledDown": NEUTRAL}.get(
        status, " "
    )
