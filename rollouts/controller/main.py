"""Entry point of the controller process (flags and wiring arrive with the runtime issue)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("rollouts controller: the runtime is not wired yet", file=sys.stderr)
    return 1
